package dev.headstart.finetune;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress of one run on stderr: phase, batches done, batches/s, ETA of the whole run and the
 * running loss. On a terminal one line is redrawn a few times a second; otherwise (CI logs) a line
 * is printed every few seconds, so logs stay short.
 */
final class Progress {
  private final PrintStream out;
  private final String run;
  private final long totalBatches;
  private final boolean terminal;
  private final long intervalNanos;
  private final long start = System.nanoTime();
  private long done;
  private long lastPrint;

  Progress(PrintStream out, String run, long totalBatches) {
    this.out = out;
    this.run = run;
    this.totalBatches = totalBatches;
    this.terminal = System.console() != null;
    this.intervalNanos = terminal ? 250_000_000L : 10_000_000_000L;
  }

  /** One more batch of the run done (train or val). */
  void batch(int epoch, int epochs, String phase, int batchInEpoch, int batchesInEpoch, double loss) {
    done++;
    long now = System.nanoTime();
    // a terminal also shows each phase's last batch; a log gets the epoch summary instead
    boolean phaseEnd = terminal && batchInEpoch == batchesInEpoch;
    if (now - lastPrint < intervalNanos && !phaseEnd) return;
    lastPrint = now;
    double seconds = (now - start) / 1e9;
    double rate = done / Math.max(seconds, 1e-9);
    double eta = (totalBatches - done) / Math.max(rate, 1e-9);
    String line = String.format(Locale.ROOT, "%s epoch %d/%d %s %d/%d  %.1f batches/s  ETA %s  loss %.4f",
        run, epoch, epochs, phase, batchInEpoch, batchesInEpoch, rate, duration(eta), loss);
    if (terminal) {
      out.print("\r" + line + "\u001b[K");
    } else {
      out.println(line);
    }
    out.flush();
  }

  /** The epoch's summary line, always printed on a line of its own. */
  void epoch(String summary) {
    if (terminal) out.print("\r\u001b[K");
    out.println(run + " " + summary);
    out.flush();
  }

  static String duration(double seconds) {
    long s = Math.round(seconds);
    return s >= 60 ? (s / 60) + "m" + String.format(Locale.ROOT, "%02d", s % 60) + "s" : s + "s";
  }
}
