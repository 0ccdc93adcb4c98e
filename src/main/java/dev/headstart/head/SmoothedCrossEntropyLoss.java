package dev.headstart.head;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;

/**
 * Cross-entropy of logits against class ids, with optional label smoothing: the target puts
 * 1 - e on the true class and e spread evenly over all classes (as torch.nn.CrossEntropyLoss's
 * label_smoothing). DJL's SoftmaxCrossEntropyLoss has no smoothing, hence this small Loss.
 */
public final class SmoothedCrossEntropyLoss extends Loss {
  private final float smoothing;

  public SmoothedCrossEntropyLoss(float smoothing) {
    super("cross_entropy");
    if (!(smoothing >= 0 && smoothing < 1)) throw new IllegalArgumentException("label smoothing must be in [0, 1)");
    this.smoothing = smoothing;
  }

  /**
   * Mean loss over the batch; labels are int64 class ids, [N] or (cheaper, no reshape per call)
   * [N, 1]; predictions are logits [N, K].
   */
  @Override
  public NDArray evaluate(NDList labels, NDList predictions) {
    NDArray logp = predictions.singletonOrThrow().logSoftmax(1);
    NDArray y = labels.singletonOrThrow();
    NDArray picked = logp.gather(y.getShape().dimension() == 1 ? y.reshape(-1, 1) : y, 1);
    NDArray nll = picked.mean().neg();
    if (smoothing == 0) return nll;
    NDArray uniform = logp.mean().neg();
    return nll.mul(1 - smoothing).add(uniform.mul(smoothing));
  }
}
