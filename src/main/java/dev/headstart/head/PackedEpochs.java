package dev.headstart.head;

import ai.djl.nn.core.Linear;
import java.util.List;

/**
 * The fast epoch for linear heads of one optimizer: one {@link PackedLinearHeads} step per batch
 * for all of them, then each head's weights copied into its own DJL block so validation, the best
 * epoch and predict see the same head as on the autograd path.
 */
final class PackedEpochs implements EpochStrategy {
  private final PackedLinearHeads heads;
  private final List<HeadRun> runs;
  private final List<Linear> layers;
  private final int n;

  PackedEpochs(PackedLinearHeads heads, List<HeadRun> runs, List<Linear> layers, int n) {
    this.heads = heads;
    this.runs = runs;
    this.layers = layers;
    this.n = n;
  }

  @Override
  public void train(List<HeadRun> active, long[] order, int batch) {
    long t = System.nanoTime();
    heads.startEpoch();
    for (int s = 0; s < n; s += batch) heads.step(order, s, Math.min(n, s + batch));
    float[] packedNow = heads.snapshot();
    long share = (System.nanoTime() - t) / active.size();
    for (int p = 0; p < runs.size(); p++) {
      HeadRun r = runs.get(p);
      if (r.done) continue;
      r.trainNanos += share;
      r.lastTrain = new double[] {heads.lossSum(p) / n, (double) heads.correct(p) / n};
      heads.copyTo(p, layers.get(p), packedNow);
    }
  }

  @Override
  public void close() {
    heads.close();
  }
}
