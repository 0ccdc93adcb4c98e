package dev.headstart.extract;

import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * Decoders and the CPU forward pass taking turns on the cores, when ThreadBalance says so: the
 * forward pass runs on every core while no image decodes, and between passes every core decodes.
 * Side by side they would share the cores, and an OpenMP forward pass waits at each barrier for
 * the thread a decoder preempted. A forward pass waits for the images being decoded to finish
 * (useful work on the cores it wants); no image starts decoding while it runs. Off: no waiting.
 */
final class CoreTurns {
  // fair: a waiting forward pass is not overtaken by images that start decoding after it asked
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock(true);
  private volatile boolean on;

  void set(boolean takeTurns) {
    on = takeTurns;
  }

  boolean on() {
    return on;
  }

  /** One image's decoding: never while a forward pass runs, when taking turns. */
  <T> T decode(Supplier<T> work) {
    return under(lock.readLock(), work);
  }

  /** One forward pass: alone on the cores, when taking turns. */
  <T> T forward(Supplier<T> work) {
    return under(lock.writeLock(), work);
  }

  private <T> T under(Lock turn, Supplier<T> work) {
    if (!on) return work.get();
    turn.lock();
    try {
      return work.get();
    } finally {
      turn.unlock();
    }
  }
}
