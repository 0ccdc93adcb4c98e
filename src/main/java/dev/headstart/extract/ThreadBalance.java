package dev.headstart.extract;

import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * Decides once, from the first batches, how extract's threads are best spent: the starting split
 * (decoders, and libtorch on the cores they leave), libtorch on every core, or a decoder on every
 * core. The split is right when decoding and the forward pass cost about the same (the bundled
 * example): an OpenMP forward pass stalls at each barrier when a decoder preempts one of its
 * threads. When the forward pass is the bottleneck by a wide margin (ResNet-18 fp32 at 224 px
 * costs a few times what decoding its image does), the decoders idle and the forward pass is
 * better spread over every core (bench/results.md compares the two settings). When decoding is
 * the bottleneck (a fast backbone), more decoders help. On a GPU every core decodes from the
 * start ({@link #decideForGpu}).
 *
 * <p>The model, per image: decode = a decoder's time, forward = the forward pass's time on its
 * current threads. With d decoders and t libtorch threads on c cores the rate is the smallest of
 * d / decode, t / (forward x threads) and, on the CPU, c / (decode + forward x threads): the
 * cores shared by both (the forward pass assumed to scale with its threads). The best candidate
 * is applied when it predicts at least {@link #MIN_GAIN} times the current rate. The first batch
 * is not measured (TorchScript optimizes the graph on its first runs); the second decides.
 */
final class ThreadBalance {
  static final double MIN_GAIN = 1.25;
  private static final int SKIP = 1;
  private static final int MEASURE = 1;

  private final int cores;
  private final int decoders;
  private final int threads;
  private final boolean gpu;
  private final IntConsumer setThreads;
  private final IntConsumer setDecoders;
  private final Consumer<String> log;
  private int batches;
  private long forwardNanos;
  private long forwardImages;
  private boolean decided;
  private int finalThreads;
  private int finalDecoders;
  private String decision = "";

  /**
   * @param threads libtorch's intra-op threads now
   * @param gpu the forward pass runs on a GPU: its threads are not the CPU's, only decoders matter
   * @param setThreads sets libtorch's intra-op threads (called on the forward pass's thread);
   *     null when they were chosen by hand and stay
   * @param setDecoders sets how many decoders may run at once; null when chosen by hand
   */
  ThreadBalance(int cores, int decoders, int threads, boolean gpu, IntConsumer setThreads, IntConsumer setDecoders,
      Consumer<String> log) {
    this.cores = cores;
    this.decoders = decoders;
    this.threads = threads;
    this.gpu = gpu;
    this.finalThreads = threads;
    this.finalDecoders = decoders;
    this.setThreads = setThreads;
    this.setDecoders = setDecoders;
    this.log = log;
    decided = cores <= 1;
    if (gpu && !decided) decideForGpu();
  }

  /**
   * On a GPU the forward pass uses no CPU cores worth measuring against (the GPU computes; the
   * lanes' threads wait on it), so every core decodes from the first image: nothing to learn from
   * the first batches, and libtorch's CPU threads are left as they are.
   */
  private void decideForGpu() {
    decided = true;
    String choice;
    if (setDecoders != null && cores > decoders) {
      finalDecoders = cores;
      setDecoders.accept(cores);
      choice = "every core decodes: " + cores + " decoders";
    } else {
      choice = "kept " + decoders + " decoder(s)" + (setDecoders == null ? " (extract.threads)" : "");
    }
    decision = "forward pass on the GPU -> " + choice;
    log.accept("extract: " + decision);
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
    double now = rate(decoders, threads, forward, decode);
    double allTorch = gpu || setThreads == null ? 0 : rate(decoders, cores, forward, decode);
    double allDecode = setDecoders == null ? 0 : rate(cores, threads, forward, decode);
    String choice = "kept " + decoders + " decoder(s) + " + threads + " libtorch thread(s)";
    if (allTorch >= allDecode && allTorch >= MIN_GAIN * now && cores > threads) {
      finalThreads = cores;
      setThreads.accept(cores);
      choice = "libtorch now uses " + cores + " threads";
    } else if (allDecode >= MIN_GAIN * now && cores > decoders) {
      finalDecoders = cores;
      setDecoders.accept(cores);
      choice = "now " + cores + " decoders";
    }
    decision = String.format(Locale.ROOT,
        "forward %.1f ms/image on %d thread(s)%s, decoding %.1f ms/image on %d: predicted %.0f images/s as is,"
            + " %s with libtorch on all %d cores, %.0f with %d decoders -> %s",
        forward * 1e3, threads, gpu ? " (GPU)" : "", decode * 1e3, decoders, now,
        allTorch == 0 ? "n/a" : String.format(Locale.ROOT, "%.0f", allTorch), cores, allDecode, cores, choice);
    log.accept("extract: " + decision);
  }

  /** Predicted images/s with d decoders and t libtorch threads (ideal scaling of the forward pass). */
  private double rate(int d, int t, double forward, double decode) {
    double forwardRate = gpu ? 1 / forward : t / (forward * threads);
    double r = Math.min(d / decode, forwardRate);
    // on the CPU both kinds of thread share the cores: per image, decode + the forward's CPU time
    return gpu ? r : Math.min(r, cores / (decode + forward * threads));
  }

  /** libtorch's intra-op threads after the decision. */
  int threads() {
    return finalThreads;
  }

  /** Decoders allowed at once after the decision. */
  int decoders() {
    return finalDecoders;
  }

  /** What was decided and why, empty before the decision. */
  String decision() {
    return decision;
  }
}
