package dev.headstart.core;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress of long work on a stream: items done of a total, their rate and the time left. On a
 * terminal one line is redrawn in place a few times a second; in a log a line now and then, so
 * that logs stay short and short runs quiet. Extract counts images, finetune batches; each says
 * what its line shows.
 */
public final class ProgressMeter {
  private static final long TERMINAL_INTERVAL_NANOS = 250_000_000L;

  private final PrintStream out;
  private final long total;
  private final boolean terminal;
  private final long intervalNanos;
  private final long start = System.nanoTime();
  private long done;
  private long lastPrint;

  /**
   * @param logIntervalSeconds how often a line goes to a log (not a terminal)
   * @param showFirst whether the first item already gets a line (a run's first batch does; an
   *     extract that finishes within the interval prints only its summary)
   */
  public ProgressMeter(PrintStream out, long total, double logIntervalSeconds, boolean showFirst) {
    this.out = out;
    this.total = total;
    this.terminal = System.console() != null;
    this.intervalNanos = terminal ? TERMINAL_INTERVAL_NANOS : (long) (logIntervalSeconds * 1e9);
    this.lastPrint = showFirst ? start - intervalNanos : start;
  }

  /** Counts n more items; true when a line is due now (the caller then calls {@link #show}). */
  public boolean advance(long n) {
    done += n;
    long now = System.nanoTime();
    if (now - lastPrint < intervalNanos) return false;
    lastPrint = now;
    return true;
  }

  public boolean terminal() {
    return terminal;
  }

  public long total() {
    return total;
  }

  public long done() {
    return done;
  }

  public double seconds() {
    return (System.nanoTime() - start) / 1e9;
  }

  /** Items per second so far. */
  public double rate() {
    return done / Math.max(seconds(), 1e-9);
  }

  /** The time left at the rate so far, as a clock ("1:05", "2:03:10"), or "?" before any item. */
  public String eta() {
    double rate = rate();
    return rate > 0 ? clock((total - done) / rate) : "?";
  }

  /** The progress line: redrawn in place on a terminal, a line of its own in a log. */
  public void show(String line) {
    if (terminal) {
      out.print("\r" + line + "\u001b[K");
    } else {
      out.println(line);
    }
    out.flush();
  }

  /** A line of its own (a summary), ending a redrawn progress line first. */
  public void line(String line) {
    if (terminal) out.print("\r\u001b[K");
    out.println(line);
    out.flush();
  }

  public static String clock(double seconds) {
    long s = Math.round(seconds);
    return s >= 3600
        ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
        : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }
}
