package dev.headstart.finetune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A TorchScript backbone with a new classifier head (and, for backbones with an auxiliary output
 * such as Inception v3, an auxiliary head), trained end to end.
 *
 * <p>Output in training: {@code [logits]} or {@code [logits, auxLogits]} when the backbone returns
 * its auxiliary features (TorchScript modules return a tuple only in training mode); in
 * inference always {@code [logits]}.
 *
 * <p>Batch-norm: with {@link #freezeBatchNorm} the backbone runs its training forward with the
 * module in eval mode, so every batch-norm layer normalizes with its running statistics and never
 * updates them, while autograd still computes gradients for the parameters that are not frozen.
 * DJL can switch train/eval only for the whole TorchScript module, not per submodule, so this is
 * how partial finetuning keeps its frozen blocks' batch-norm exactly as pretrained.
 */
public final class FinetuneNet extends AbstractBlock {
  private static final byte VERSION = 1;

  private final Block backbone;
  private final Block head;
  private final Block auxHead;
  private final int featureDim;
  private final int auxFeatureDim;
  private final int numClasses;
  private boolean freezeBatchNorm;

  /**
   * @param backbone the TorchScript module ({@code [N,3,H,W] -> [N,D]} or {@code [N,D,h,w]})
   * @param head maps {@code [N,D]} to class logits
   * @param auxHead maps the auxiliary {@code [N,A]} to class logits, or null
   */
  public FinetuneNet(Block backbone, Block head, Block auxHead, int featureDim, int auxFeatureDim,
      int numClasses) {
    super(VERSION);
    this.backbone = addChildBlock("backbone", backbone);
    this.head = addChildBlock("head", head);
    this.auxHead = auxHead == null ? null : addChildBlock("aux_head", auxHead);
    this.featureDim = featureDim;
    this.auxFeatureDim = auxFeatureDim;
    this.numClasses = numClasses;
  }

  public Block backbone() {
    return backbone;
  }

  public Block head() {
    return head;
  }

  public Block auxHead() {
    return auxHead;
  }

  /** Keeps every batch-norm of the backbone in eval mode during training (see class comment). */
  public void freezeBatchNorm(boolean freeze) {
    this.freezeBatchNorm = freeze;
  }

  @Override
  protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
      PairList<String, Object> params) {
    NDList out = backboneForward(ps, inputs, training, params);
    NDList logits = head.forward(ps, new NDList(pooled(out.get(0))), training, params);
    if (training && auxHead != null && out.size() > 1) {
      NDArray aux = auxHead.forward(ps, new NDList(pooled(out.get(1))), training, params).head();
      return new NDList(logits.head(), aux);
    }
    return new NDList(logits.head());
  }

  private NDList backboneForward(ParameterStore ps, NDList inputs, boolean training,
      PairList<String, Object> params) {
    if (backbone instanceof PtSymbolBlock pt) {
      // The module's mode is set on every call rather than left to PtSymbolBlock, which only
      // switches when the training flag changes and so cannot express "eval mode, with gradients".
      if (training && !freezeBatchNorm) {
        JniUtils.enableTrainingMode(pt);
      } else {
        JniUtils.enableInferenceMode(pt);
      }
      if (training) return IValueUtils.forward(pt, inputs, true);
      // Inference runs with autograd off but not under DJL's inference guard: TorchScript's
      // graph executor, profiled on training calls, would otherwise try to save the guard's
      // inference tensors for backward ("Inference tensors cannot be saved for backward").
      boolean grad = JniUtils.isGradMode();
      JniUtils.setGradMode(false);
      try {
        return IValueUtils.forward(pt, inputs, true);
      } finally {
        JniUtils.setGradMode(grad);
      }
    }
    return backbone.forward(ps, inputs, training, params);
  }

  /** Spatial backbones ([N,D,h,w]) are global-average-pooled, as the extract stage does. */
  private static NDArray pooled(NDArray features) {
    // DJL's PyTorch mean takes one axis at a time
    return features.getShape().dimension() == 4 ? features.mean(new int[] {3}).mean(new int[] {2}) : features;
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {new Shape(inputShapes[0].get(0), numClasses)};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    long n = inputShapes[0].get(0);
    head.initialize(manager, dataType, new Shape(n, featureDim));
    if (auxHead != null) auxHead.initialize(manager, dataType, new Shape(n, auxFeatureDim));
  }
}
