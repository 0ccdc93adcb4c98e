package dev.headstart.extract;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress of a long extract on stderr: images done, images per second and the time left. On a
 * terminal the line is redrawn twice a second; in a log (not a terminal) a line every 30 s, so
 * that short runs and tests stay quiet.
 */
final class Progress {
  private final String label;
  private final long total;
  private final PrintStream out;
  private final boolean terminal;
  private final long start = System.nanoTime();
  private long done;
  private long lastPrint = start;

  Progress(String label, long total, PrintStream out, boolean terminal) {
    this.label = label;
    this.total = total;
    this.out = out;
    this.terminal = terminal;
  }

  static Progress onStderr(String label, long total) {
    return new Progress(label, total, System.err, System.console() != null);
  }

  void advance(int images) {
    done += images;
    long now = System.nanoTime();
    long every = terminal ? 500_000_000L : 30_000_000_000L;
    if (now - lastPrint >= every) {
      lastPrint = now;
      String line = status(now);
      if (terminal) {
        out.print("\r" + line + "   ");
      } else {
        out.println(line);
      }
      out.flush();
    }
  }

  long done() {
    return done;
  }

  double seconds() {
    return (System.nanoTime() - start) / 1e9;
  }

  String status(long now) {
    double secs = Math.max((now - start) / 1e9, 1e-9);
    double rate = done / secs;
    String eta = rate > 0 ? clock((total - done) / rate) : "?";
    return String.format(Locale.ROOT, "%s: %d/%d images, %.1f images/s, ETA %s", label, done, total, rate, eta);
  }

  /** Ends the progress line and prints the summary (always, terminal or not). */
  void finish(String summary) {
    if (terminal && done > 0) out.print("\r");
    out.println(summary);
    out.flush();
  }

  static String clock(double seconds) {
    long s = Math.round(seconds);
    return s >= 3600
        ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
        : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }
}
