package dev.headstart.finetune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;
import ai.djl.training.loss.SoftmaxCrossEntropyLoss;

/**
 * Cross-entropy on the main logits, plus 0.4 x the cross-entropy of the auxiliary logits when the
 * network returned them (Inception v3 in training mode), as the seeds' training loop does.
 */
final class AuxLoss extends Loss {
  static final float AUX_WEIGHT = 0.4f;
  private final Loss crossEntropy = new SoftmaxCrossEntropyLoss("cross_entropy");

  AuxLoss() {
    super("cross_entropy_aux");
  }

  @Override
  public NDArray evaluate(NDList labels, NDList predictions) {
    NDArray main = crossEntropy.evaluate(labels, new NDList(predictions.get(0)));
    if (predictions.size() < 2) return main;
    NDArray aux = crossEntropy.evaluate(labels, new NDList(predictions.get(1)));
    return main.add(aux.mul(AUX_WEIGHT));
  }
}
