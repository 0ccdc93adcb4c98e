package dev.headstart.extract;

import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * Decides once, from the first batches, whether libtorch should get every core instead of the
 * cores the decoders leave. extract starts with decoders and libtorch on separate cores (an
 * OpenMP forward pass stalls at each barrier when a decoder preempts one of its threads, which
 * costs small backbones a lot). But when the forward pass is the bottleneck by a wide margin
 * (ResNet-18 at 224 px: ~25 ms per image on one thread against ~10 ms to decode), the decoders
 * idle most of the time and the forward pass is better spread over every core: on the 2-core
 * machine 47.6 images/s against 31.8 (bench/results.md).
 *
 * <p>The model: with the split, the rate is min(decoders / decode, 1 / forward); with every core
 * to libtorch, decoding and the forward pass share the cores: min(decoders / decode, cores /
 * (decode + forward x threads)). The switch happens when that predicts at least {@link #MIN_GAIN} times the split's
 * rate. The first batch is not measured (TorchScript optimizes the graph on its first runs).
 */
final class ThreadBalance {
  static final double MIN_GAIN = 1.25;
  private static final int SKIP = 1;
  private static final int MEASURE = 2;

  private final int cores;
  private final int decoders;
  private final int threads;
  private final IntConsumer setThreads;
  private final Consumer<String> log;
  private int batches;
  private long forwardNanos;
  private long forwardImages;
  private boolean decided;
  private int finalThreads;
  private String decision = "";

  /**
   * @param threads libtorch's intra-op threads now
   * @param setThreads sets libtorch's intra-op threads (called on the forward pass's thread)
   */
  ThreadBalance(int cores, int decoders, int threads, IntConsumer setThreads, Consumer<String> log) {
    this.cores = cores;
    this.decoders = decoders;
    this.threads = threads;
    this.finalThreads = threads;
    this.setThreads = setThreads;
    this.log = log;
    decided = threads >= cores;
  }

  /**
   * After each forward pass, on its thread: that pass's time and images, and the decoders' total
   * time and images so far.
   */
  void afterBatch(long nanos, int images, long decodeNanos, long decodedImages) {
    if (decided || ++batches <= SKIP) return;
    forwardNanos += nanos;
    forwardImages += images;
    if (batches < SKIP + MEASURE || decodedImages == 0) return;
    decided = true;
    double forward = forwardNanos / 1e9 / forwardImages;
    double decode = decodeNanos / 1e9 / decodedImages;
    double split = Math.min(decoders / decode, 1 / forward);
    double shared = Math.min(decoders / decode, cores / (decode + forward * threads));
    boolean more = shared >= MIN_GAIN * split;
    if (more) {
      finalThreads = cores;
      setThreads.accept(cores);
    }
    decision = String.format(Locale.ROOT,
        "forward %.1f ms/image on %d thread(s), decoding %.1f ms/image on %d: predicted %.0f images/s split,"
            + " %.0f with libtorch on all %d cores -> %s",
        forward * 1e3, threads, decode * 1e3, decoders, split, shared, cores,
        more ? "libtorch now uses " + cores + " threads" : "kept the split");
    log.accept("extract: " + decision);
  }

  /** libtorch's intra-op threads after the decision. */
  int threads() {
    return finalThreads;
  }

  /** What was decided and why, empty before the decision. */
  String decision() {
    return decision;
  }
}
