package dev.headstart.extract;

import java.util.List;
import java.util.Locale;

/**
 * extract.batch_size 0 (auto): on the CPU the batch every release used (32: libtorch's CPU
 * kernels gain nothing from more); on GPUs the largest batch that fits the smallest GPU's memory
 * with every lane on it holding a batch's activations at once, and that the JVM's heap can hold
 * as input buffers for every lane. The activation estimate is deliberately generous; a batch that
 * still runs out of GPU memory is split in halves by the pipeline.
 *
 * @param batchSize images per forward pass
 * @param why how it was chosen, for -v
 */
record BatchSizing(int batchSize, String why) {
  /** The batch on the CPU (and the default before auto-sizing existed). */
  static final int CPU_BATCH = 32;
  /** GPUs gain little beyond this for image backbones, and host buffers grow with it. */
  static final int MAX_GPU_BATCH = 256;
  static final int MIN_GPU_BATCH = 8;
  /**
   * Peak activation memory of one image in an inference forward pass, in multiples of its float32
   * input tensor: the widest early feature maps of VGG/ResNet/DenseNet-style nets are tens of times
   * the input, and a few are alive at once.
   */
  static final int ACTIVATION_FACTOR = 48;
  /** The share of a GPU's memory the lanes may fill: the rest is weights, cuDNN workspaces, others. */
  static final double GPU_SHARE = 0.5;

  /**
   * @param configured extract.batch_size; 0 = auto
   * @param gpuMemory total bytes of each GPU the backbone runs on; empty on the CPU
   * @param lanesPerGpu forward passes in flight on one GPU
   * @param tensorFloats floats of one preprocessed image (3 x S x S)
   * @param precision fp32, bf16 or fp16 (half-width activations need half the memory)
   * @param heapBytes the JVM's maximum heap
   */
  static BatchSizing of(int configured, List<Long> gpuMemory, int lanesPerGpu, int tensorFloats, String precision,
      long heapBytes) {
    if (configured > 0) return new BatchSizing(configured, "extract.batch_size " + configured);
    if (gpuMemory.isEmpty()) return new BatchSizing(CPU_BATCH, "auto on the CPU: " + CPU_BATCH);
    long smallest = gpuMemory.stream().mapToLong(Long::longValue).min().orElse(0);
    long perImage = (long) tensorFloats * 4 * ACTIVATION_FACTOR / (precision.equals("fp32") ? 1 : 2);
    long byGpu = (long) (smallest * GPU_SHARE / Math.max(1, lanesPerGpu)) / Math.max(1, perImage);
    // input buffers: one per lane in flight plus the one being filled, in at most a quarter of the heap
    int buffers = gpuMemory.size() * Math.max(1, lanesPerGpu) + 1;
    long byHeap = heapBytes / 4 / ((long) buffers * tensorFloats * 4);
    long b = Math.min(Math.min(byGpu, byHeap), MAX_GPU_BATCH);
    b = Math.max(MIN_GPU_BATCH, b - b % MIN_GPU_BATCH);
    String why = String.format(Locale.ROOT,
        "auto on %d GPU(s): %d images (GPU memory allows %d per lane, the heap %d, at most %d)",
        gpuMemory.size(), b, byGpu, byHeap, MAX_GPU_BATCH);
    return new BatchSizing((int) b, why);
  }
}
