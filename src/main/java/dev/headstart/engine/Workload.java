package dev.headstart.engine;

/**
 * What a process asks of libtorch. The engine check decides an oneDNN cap for each separately,
 * because which kernels go wrong depends on precision and on training vs inference, and a cap that
 * a workload does not need can cost it most of its speed (bfloat16 without AVX-512, for one).
 */
public enum Workload {
  /** float32 forward passes of frozen TorchScript backbones (extract, predict). */
  FP32_INFERENCE("fp32 inference"),
  /** bfloat16 forward passes (extract --precision bf16). */
  BF16_INFERENCE("bf16 inference"),
  /** float32 forward and backward passes, batch-norm in training mode, linear layers (finetune, train). */
  TRAINING("training");

  public final String label;

  Workload(String label) {
    this.label = label;
  }
}
