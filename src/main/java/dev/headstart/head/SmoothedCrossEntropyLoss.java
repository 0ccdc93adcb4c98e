package dev.headstart.head;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;

/**
 * Cross-entropy of logits against class ids, with optional label smoothing: the target puts
 * 1 - e on the true class and e spread evenly over all classes (as torch.nn.CrossEntropyLoss's
 * label_smoothing). DJL's SoftmaxCrossEntropyLoss has no smoothing, hence this small Loss.
 * Optional class weights make it torch's weighted mean: each row's loss times the weight of its
 * true class, divided by the sum of those weights.
 */
public final class SmoothedCrossEntropyLoss extends Loss {
  private final float smoothing;
  private final float[] classWeights;

  public SmoothedCrossEntropyLoss(float smoothing) {
    this(smoothing, null);
  }

  /** @param classWeights a weight per class, or null for the plain mean */
  public SmoothedCrossEntropyLoss(float smoothing, float[] classWeights) {
    super("cross_entropy");
    if (!(smoothing >= 0 && smoothing < 1)) throw new IllegalArgumentException("label smoothing must be in [0, 1)");
    this.smoothing = smoothing;
    this.classWeights = classWeights == null ? null : classWeights.clone();
  }

  /**
   * Mean loss over the batch; labels are int64 class ids, [N] or (cheaper, no reshape per call)
   * [N, 1]; predictions are logits [N, K].
   */
  @Override
  public NDArray evaluate(NDList labels, NDList predictions) {
    NDArray logp = predictions.singletonOrThrow().logSoftmax(1);
    NDArray y = labels.singletonOrThrow();
    NDArray column = y.getShape().dimension() == 1 ? y.reshape(-1, 1) : y;
    NDArray picked = logp.gather(column, 1);
    if (classWeights != null) {
      NDArray perRow = picked.neg().reshape(-1);
      if (smoothing > 0) perRow = perRow.mul(1 - smoothing).add(logp.mean(new int[] {1}).neg().mul(smoothing));
      NDArray w = logp.getManager().create(classWeights).get(new ai.djl.ndarray.index.NDIndex("{}", column.reshape(-1)));
      return perRow.mul(w).sum().div(w.sum());
    }
    NDArray nll = picked.mean().neg();
    if (smoothing == 0) return nll;
    NDArray uniform = logp.mean().neg();
    return nll.mul(1 - smoothing).add(uniform.mul(smoothing));
  }
}
