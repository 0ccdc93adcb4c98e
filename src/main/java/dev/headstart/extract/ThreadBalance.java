package dev.headstart.extract;

import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.function.LongSupplier;

/**
 * Decides, from the first batches, how extract's threads are best spent: the starting split
 * (decoders, and libtorch on the cores they leave), taking turns (the forward pass on every core
 * while nothing decodes, every core decoding between passes: {@link CoreTurns}), or a decoder on
 * every core. The split is right when decoding and the forward pass cost about the same (the
 * bundled example). When the forward pass costs several times what decoding does (ResNet-18 at
 * 224 px), the split's decoders idle; libtorch on every core beside them would share the cores,
 * and an OpenMP forward pass stalls at each barrier for the thread a decoder preempts, so the two
 * take turns instead. When decoding is the bottleneck (a fast backbone), more decoders help. On a
 * GPU every core decodes from the start ({@link #decideForGpu}).
 *
 * <p>The model, per image: decode = a decoder's time, forward = the forward pass's time on its
 * current threads. With d decoders and t libtorch threads on c cores side by side, the rate is the
 * smallest of d / decode, t / (forward x threads) and, on the CPU, c / (decode + forward x
 * threads): the cores shared by both (the forward pass assumed to scale with its threads). Taking
 * turns reaches that last bound. The best candidate is applied when it predicts at least {@link
 * #MIN_GAIN} times the current rate. The first batch is not measured (TorchScript optimizes the
 * graph on its first runs, the first part opens); the second is, and decides (every batch at the split
 * is slow when the forward pass is the bottleneck). Taking turns is then checked against the clock:
 * when the batches after the switch come slower than before it (the forward pass did not scale
 * to every core), the split comes back.
 */
final class ThreadBalance {
  static final double MIN_GAIN = 1.25;
  /** Taking turns stays when its measured rate is at least this share of the split's. */
  static final double KEEP_TURNS = 0.95;
  private static final int SKIP = 1;
  private static final int MEASURE = 1;
  /** Batches after the switch: the first is left out (it straddles the switch), the rest measured. */
  private static final int CHECK_SKIP = 1;
  private static final int CHECK = 2;

  private final int cores;
  private final int decoders;
  private final int threads;
  private final boolean gpu;
  private final IntConsumer setThreads;
  private final IntConsumer setDecoders;
  private final Consumer<Boolean> setTurns;
  private final LongSupplier clock;
  private final Consumer<String> log;
  private int batches;
  private long splitFrom;
  private double splitRate;
  private int checkBatches;
  private long checkImages;
  private long checkFrom;
  private boolean checking;
  private boolean turns;
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
   * @param setTurns makes decoders and the forward pass take turns (true) or share the cores;
   *     null when they cannot (GPU)
   * @param clock nanoseconds, for the rates the batches actually came at
   */
  ThreadBalance(int cores, int decoders, int threads, boolean gpu, IntConsumer setThreads, IntConsumer setDecoders,
      Consumer<Boolean> setTurns, LongSupplier clock, Consumer<String> log) {
    this.setTurns = setTurns;
    this.clock = clock;
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
    long at = clock.getAsLong();
    if (checking) {
      check(images, at);
      return;
    }
    if (decided) return;
    if (++batches <= SKIP) {
      splitFrom = at;
      return;
    }
    forwardNanos += nanos;
    forwardImages += images;
    if (batches < SKIP + MEASURE || decodedImages == 0) return;
    decided = true;
    // what the split delivered: the measured batch's images over the time since the skipped one (a
    // floor: the extract's start-up work still shares the cores then, so only a clear loss reverts)
    splitRate = at <= splitFrom ? 0 : forwardImages / ((at - splitFrom) / 1e9);
    double forward = forwardNanos / 1e9 / forwardImages;
    double decode = decodeNanos / 1e9 / decodedImages;
    double now = rate(decoders, threads, forward, decode);
    boolean canTakeTurns = !gpu && setThreads != null && setDecoders != null && setTurns != null && cores > 1;
    double taking = canTakeTurns ? cores / (decode + forward * threads) : 0;
    double allDecode = setDecoders == null ? 0 : rate(cores, threads, forward, decode);
    String choice = "kept " + decoders + " decoder(s) + " + threads + " libtorch thread(s)";
    if (taking > allDecode && taking >= MIN_GAIN * now) {
      apply(cores, cores, true);
      checking = splitRate > 0;
      choice = "decoders and the forward pass take turns on all " + cores + " cores";
    } else if (allDecode >= MIN_GAIN * now && cores > decoders) {
      finalDecoders = cores;
      setDecoders.accept(cores);
      choice = "now " + cores + " decoders";
    }
    decision = String.format(Locale.ROOT,
        "forward %.1f ms/image on %d thread(s)%s, decoding %.1f ms/image on %d: predicted %.0f images/s as is,"
            + " %s taking turns on all %d cores, %.0f with %d decoders -> %s",
        forward * 1e3, threads, gpu ? " (GPU)" : "", decode * 1e3, decoders, now,
        taking == 0 ? "n/a" : String.format(Locale.ROOT, "%.0f", taking), cores, allDecode, cores, choice);
    log.accept("extract: " + decision);
  }

  /** After the switch to taking turns: the measured rate keeps it, or brings the split back. */
  private void check(int images, long at) {
    if (++checkBatches <= CHECK_SKIP) {
      checkFrom = at;
      return;
    }
    checkImages += images;
    if (checkBatches < CHECK_SKIP + CHECK) return;
    checking = false;
    double measured = checkImages / Math.max(1e-9, (at - checkFrom) / 1e9);
    String verdict;
    if (measured >= KEEP_TURNS * splitRate) {
      verdict = "kept";
    } else {
      apply(threads, decoders, false);
      verdict = "back to " + decoders + " decoder(s) + " + threads + " libtorch thread(s)";
    }
    decision += String.format(Locale.ROOT, "; measured %.0f images/s taking turns against %.0f before -> %s",
        measured, splitRate, verdict);
    log.accept("extract: " + decision);
  }

  /** Sets libtorch's threads, the decoders and whether they take turns (turns off first, on last). */
  private void apply(int t, int d, boolean takeTurns) {
    if (!takeTurns) setTurns.accept(false);
    setThreads.accept(t);
    setDecoders.accept(d);
    if (takeTurns) setTurns.accept(true);
    finalThreads = t;
    finalDecoders = d;
    turns = takeTurns;
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

  /** Whether decoders and the forward pass take turns on the cores after the decision. */
  boolean takingTurns() {
    return turns;
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
