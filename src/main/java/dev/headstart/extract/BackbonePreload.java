package dev.headstart.extract;

import dev.headstart.core.Reporter;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The backbone loaded, known-answer check and warm-up included, while another thread lists,
 * hashes and looks up the folder: a few new images then wait only for their own forward passes,
 * not for the engine to start. It runs on the calling thread, the one that will run the forward
 * passes (the engine warms up per thread). It is a guess: when the listing needs no forward pass
 * after all, the backbone is closed unused, and neither what its load said nor how it failed is
 * shown; a failure shows when the backbone is taken.
 */
final class BackbonePreload implements AutoCloseable {
  /** What the load reported, held back until someone takes the backbone. */
  private final List<String[]> lines;
  private final Backbone backbone;
  private final RuntimeException failure;
  private final long nanos;
  private final boolean started;
  private boolean taken;

  private BackbonePreload(boolean started, Backbone backbone, RuntimeException failure, List<String[]> lines,
      long nanos) {
    this.started = started;
    this.backbone = backbone;
    this.failure = failure;
    this.lines = lines;
    this.nanos = nanos;
  }

  /** No preload: the backbone is loaded when needed. */
  static BackbonePreload none() {
    return new BackbonePreload(false, null, null, List.of(), 0);
  }

  /** Runs {@code load} now, on this thread; what it reports is held back until {@link #take}. */
  static BackbonePreload load(Reporter reporter, LoadWith load) {
    List<String[]> lines = new ArrayList<>();
    Reporter held = new Reporter() {
      @Override
      public void info(String line) {
        lines.add(new String[] {"info", line});
      }

      @Override
      public void warn(String line) {
        lines.add(new String[] {"warn", line});
      }

      @Override
      public PrintStream progress() {
        return reporter.progress();
      }
    };
    long t0 = System.nanoTime();
    try {
      return new BackbonePreload(true, load.load(held), null, lines, System.nanoTime() - t0);
    } catch (RuntimeException e) {
      return new BackbonePreload(true, null, e, lines, System.nanoTime() - t0);
    }
  }

  /** A backbone load that reports through the reporter it is given. */
  @FunctionalInterface
  interface LoadWith {
    Backbone load(Reporter reporter);
  }

  boolean started() {
    return started;
  }

  /** How long the load took. */
  long nanos() {
    return nanos;
  }

  /**
   * The loaded backbone, now the caller's to close, with what its load reported passed on; a
   * failed load or check throws here, as a load at this point would have.
   */
  Backbone take(Reporter reporter) {
    if (!started || taken) throw new IllegalStateException("no preloaded backbone to take");
    taken = true;
    for (String[] l : lines) {
      if (l[0].equals("warn")) reporter.warn(l[1]);
      else reporter.info(l[1]);
    }
    if (failure != null) throw failure;
    return backbone;
  }

  /** A backbone nobody took is closed. */
  @Override
  public void close() {
    if (taken) return;
    taken = true;
    if (backbone != null) backbone.close();
  }
}
