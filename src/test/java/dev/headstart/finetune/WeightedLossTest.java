package dev.headstart.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.headstart.head.SmoothedCrossEntropyLoss;
import org.junit.jupiter.api.Test;

/**
 * The class-weighted cross-entropies of finetune (AuxLoss) and of the heads
 * (SmoothedCrossEntropyLoss) against the weighted mean written out by hand, as
 * torch.nn.CrossEntropyLoss(weight=w) defines it: sum_i w[y_i] * loss_i / sum_i w[y_i].
 */
class WeightedLossTest {
  private static final float[][] LOGITS = {{2, 0, 1}, {0, 1, 0}, {1, 1, 3}, {0.5f, -1, 0}};
  private static final int[] LABELS = {0, 2, 2, 1};
  private static final float[] WEIGHTS = {1f, 2f, 0.5f};

  /** The smoothed per-row loss: (1 - e) * -log p[y] + e * mean_k(-log p[k]). */
  private static double rowLoss(float[] logits, int y, double e) {
    double max = Double.NEGATIVE_INFINITY;
    for (float v : logits) max = Math.max(max, v);
    double z = 0;
    for (float v : logits) z += Math.exp(v - max);
    double logZ = max + Math.log(z);
    double mean = 0;
    for (float v : logits) mean += logZ - v;
    return (1 - e) * (logZ - logits[y]) + e * mean / logits.length;
  }

  private static double weightedMean(double e, float[] w) {
    double num = 0;
    double den = 0;
    for (int i = 0; i < LABELS.length; i++) {
      double wi = w == null ? 1 : w[LABELS[i]];
      num += wi * rowLoss(LOGITS[i], LABELS[i], e);
      den += wi;
    }
    return num / den;
  }

  private static float[] flat() {
    float[] f = new float[LOGITS.length * 3];
    for (int i = 0; i < LOGITS.length; i++) System.arraycopy(LOGITS[i], 0, f, 3 * i, 3);
    return f;
  }

  @Test
  void finetunesWeightedLossIsTheWeightedMeanOfTheImagesLosses() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDList logits = new NDList(m.create(flat(), new Shape(LOGITS.length, 3)));
      // the image datasets carry labels as float32
      NDList labels = new NDList(m.create(new float[] {0, 2, 2, 1}));
      assertThat((double) new AuxLoss(WEIGHTS).evaluate(labels, logits).getFloat())
          .isCloseTo(weightedMean(0, WEIGHTS), offset(1e-5));
      assertThat((double) new AuxLoss().evaluate(labels, logits).getFloat())
          .isCloseTo(weightedMean(0, null), offset(1e-5));
      // the weights matter here: weighted and plain means differ
      assertThat(weightedMean(0, WEIGHTS)).isNotCloseTo(weightedMean(0, null), offset(1e-2));
    }
  }

  @Test
  void headsWeightedSmoothedLossIsTheWeightedMeanOfTheRowsLosses() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDList logits = new NDList(m.create(flat(), new Shape(LOGITS.length, 3)));
      NDList labels = new NDList(m.create(new long[] {0, 2, 2, 1}).reshape(-1, 1));
      for (double e : new double[] {0, 0.2}) {
        assertThat((double) new SmoothedCrossEntropyLoss((float) e, WEIGHTS).evaluate(labels, logits).getFloat())
            .as("smoothing %s", e).isCloseTo(weightedMean(e, WEIGHTS), offset(1e-5));
      }
    }
  }

  @Test
  void balancedWeightsAreInverseClassFrequency() {
    // 6 images: 3 of class 0, 2 of class 1, 1 of class 2, none of class 3
    assertThat(AuxLoss.balanced(new int[] {0, 0, 0, 1, 1, 2}, 4))
        .containsExactly(6f / (4 * 3), 6f / (4 * 2), 6f / (4 * 1), 0f);
  }
}
