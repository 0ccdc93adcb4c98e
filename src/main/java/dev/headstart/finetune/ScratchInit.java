package dev.headstart.finetune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.util.Pair;
import ai.djl.util.PairList;

/**
 * Re-initializes a pretrained backbone for the "scratch" baseline, as torchvision initializes
 * these architectures (and as the seeds' random-init control does): convolution weights
 * Kaiming-normal (fan_out, ReLU gain), linear weights normal(0, 0.01), batch-norm weight 1, every
 * bias 0. The batch-norm running statistics are buffers DJL does not expose; they are replaced by
 * the batch statistics within the first few dozen training steps (momentum 0.1).
 */
final class ScratchInit {
  /** Kaiming-normal, fan_out mode, ReLU: std = sqrt(2 / (out_channels * kh * kw)). */
  private static final Initializer KAIMING_FAN_OUT =
      new XavierInitializer(XavierInitializer.RandomType.GAUSSIAN, XavierInitializer.FactorType.OUT, 2);
  private static final Initializer LINEAR = new NormalInitializer(0.01f);

  private ScratchInit() {}

  /** Overwrites the values in place (the arrays are the TorchScript module's own tensors). */
  static void reinitialize(PairList<String, Parameter> parameters, NDManager manager) {
    for (Pair<String, Parameter> p : parameters) {
      NDArray array = p.getValue().getArray();
      Shape shape = array.getShape();
      try (NDManager scope = manager.newSubManager()) {
        NDArray fresh;
        if (shape.dimension() >= 3) {
          fresh = KAIMING_FAN_OUT.initialize(scope, shape, array.getDataType());
        } else if (shape.dimension() == 2) {
          fresh = LINEAR.initialize(scope, shape, array.getDataType());
        } else if (isBias(p.getKey())) {
          fresh = scope.zeros(shape, array.getDataType());
        } else {
          fresh = scope.ones(shape, array.getDataType()); // 1-D weight: a normalization's scale
        }
        array.set(fresh.toByteBuffer());
      }
    }
  }

  private static boolean isBias(String name) {
    return name.endsWith("bias") || name.endsWith("beta");
  }
}
