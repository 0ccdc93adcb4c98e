package dev.headstart.core;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * One piece of work on a thread of its own, started now and taken later: a stage overlaps slow,
 * independent steps (reading a store while a folder is listed) without a thread pool to manage.
 * {@link #take} gives the result or throws what the work threw, as if the caller had run it.
 */
public final class Background<T> {
  private final FutureTask<T> task;

  private Background(FutureTask<T> task) {
    this.task = task;
  }

  /** Starts {@code work} on a daemon thread named {@code name}. */
  public static <T> Background<T> start(String name, Callable<T> work) {
    FutureTask<T> task = new FutureTask<>(work);
    Thread t = new Thread(task, name);
    t.setDaemon(true);
    t.start();
    return new Background<>(task);
  }

  /** Waits for the work: its result, or its exception (unchecked and IOExceptions as they were). */
  public T take() throws IOException {
    try {
      return task.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for " + e.getMessage());
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof IOException io) throw io;
      if (c instanceof RuntimeException re) throw re;
      if (c instanceof Error err) throw err;
      throw new IllegalStateException(c);
    }
  }

  /**
   * Waits for the work to end, whatever it gives: a stage that leaves early (an error elsewhere)
   * never leaves it writing behind its back. The result, or null when it failed.
   */
  public T finish() {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return task.get();
        } catch (InterruptedException e) {
          interrupted = true;
        } catch (ExecutionException e) {
          return null;
        }
      }
    } finally {
      if (interrupted) Thread.currentThread().interrupt();
    }
  }

  public boolean isDone() {
    return task.isDone();
  }
}
