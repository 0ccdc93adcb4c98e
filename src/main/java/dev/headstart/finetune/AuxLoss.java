package dev.headstart.finetune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.loss.Loss;
import ai.djl.training.loss.SoftmaxCrossEntropyLoss;

/**
 * Cross-entropy on the main logits, plus 0.4 x the cross-entropy of the auxiliary logits when the
 * network returned them (Inception v3 in training mode), as the seeds' training loop does. With
 * class weights each cross-entropy is torch's weighted mean: every image's loss times the weight
 * of its class, over the sum of those weights.
 */
final class AuxLoss extends Loss {
  static final float AUX_WEIGHT = 0.4f;
  private final Loss crossEntropy = new SoftmaxCrossEntropyLoss("cross_entropy");
  private final float[] classWeights;

  AuxLoss() {
    this(null);
  }

  /** @param classWeights a weight per class, or null for the plain mean */
  AuxLoss(float[] classWeights) {
    super("cross_entropy_aux");
    this.classWeights = classWeights == null ? null : classWeights.clone();
  }

  @Override
  public NDArray evaluate(NDList labels, NDList predictions) {
    NDArray main = crossEntropy(labels, predictions.get(0));
    if (predictions.size() < 2) return main;
    NDArray aux = crossEntropy(labels, predictions.get(1));
    return main.add(aux.mul(AUX_WEIGHT));
  }

  private NDArray crossEntropy(NDList labels, NDArray logits) {
    if (classWeights == null) return crossEntropy.evaluate(labels, new NDList(logits));
    NDArray y = labels.singletonOrThrow().toType(DataType.INT64, false).reshape(-1);
    NDArray picked = logits.logSoftmax(1).gather(y.reshape(-1, 1), 1).reshape(-1);
    NDArray w = logits.getManager().create(classWeights).get(new NDIndex("{}", y));
    return picked.mul(w).sum().div(w.sum()).neg();
  }

  /** Inverse class frequency, n / (k * n_c) as scikit-learn's "balanced"; 0 for a class without images. */
  static float[] balanced(int[] labels, int k) {
    int[] counts = new int[k];
    for (int label : labels) counts[label]++;
    float[] w = new float[k];
    for (int c = 0; c < k; c++) w[c] = counts[c] == 0 ? 0f : (float) ((double) labels.length / (k * (double) counts[c]));
    return w;
  }
}
