package dev.headstart.extract;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Runs extract's batches on the backbone's lanes and hands their features back in submission
 * order. One lane (the CPU): each batch runs at once on the caller's thread, as before lanes
 * existed. Several lanes (GPUs): each lane has a thread; the caller fills the next batch's buffer
 * while earlier ones compute, so decoding, the copy to the GPU, the forward pass and the copy back
 * overlap, and a buffer is reused only once its batch is done (memory stays bounded by
 * lanes + 1 buffers). A batch that runs out of GPU memory is split in halves, and later ones are
 * cut to the size that fitted.
 *
 * @param <T> what the caller attaches to a batch (its rows)
 */
final class ForwardLanes<T> implements AutoCloseable {
  /** A forward pass on a lane. */
  interface Forward {
    float[][] run(int lane, ImageBatch batch);
  }

  /** Receives a finished batch, in submission order, on the caller's thread. */
  interface Done<T> {
    void accept(T tag, float[][] features, long nanos) throws IOException;
  }

  private record InFlight<T>(T tag, float[] buffer, Future<Timed> result) {}

  private record Timed(float[][] features, long nanos) {}

  private final int lanes;
  private final int bufferFloats;
  private final Forward forward;
  private final Consumer<String> log;
  private final List<ExecutorService> threads = new ArrayList<>();
  private final ArrayDeque<InFlight<T>> inFlight = new ArrayDeque<>();
  private final ArrayDeque<float[]> free = new ArrayDeque<>();
  private final AtomicInteger maxPerPass = new AtomicInteger(Integer.MAX_VALUE);
  private float[] current;
  private int buffers = 1;
  private int next;

  ForwardLanes(int lanes, int bufferFloats, Forward forward, Consumer<String> log) {
    this.lanes = lanes;
    this.bufferFloats = bufferFloats;
    this.forward = forward;
    this.log = log;
    this.current = new float[bufferFloats];
    if (lanes > 1) {
      for (int i = 0; i < lanes; i++) {
        int lane = i;
        threads.add(Executors.newSingleThreadExecutor(r -> {
          Thread t = new Thread(r, "headstart-forward-" + lane);
          t.setDaemon(true);
          return t;
        }));
      }
    }
  }

  /** The buffer to fill with the next batch. */
  float[] buffer() {
    return current;
  }

  /** Runs the filled buffer's first count images; done sees them, now or after later submits. */
  void submit(T tag, int count, int size, Done<T> done) throws IOException {
    ImageBatch batch = new ImageBatch(current, count, size);
    if (lanes == 1) {
      long t0 = System.nanoTime();
      float[][] f = run(0, batch);
      done.accept(tag, f, System.nanoTime() - t0);
      return;
    }
    int lane = next;
    next = (next + 1) % lanes;
    inFlight.add(new InFlight<>(tag, current, threads.get(lane).submit(() -> {
      long t0 = System.nanoTime();
      float[][] f = run(lane, batch);
      return new Timed(f, System.nanoTime() - t0);
    })));
    // the next buffer: a free one, a new one while fewer than lanes + 1 exist, else the oldest batch's
    if (!free.isEmpty()) {
      current = free.poll();
    } else if (buffers <= lanes) {
      buffers++;
      current = new float[bufferFloats];
    } else {
      finishOldest(done);
      current = free.poll();
    }
  }

  /** Finishes every batch in flight, in order. */
  void drain(Done<T> done) throws IOException {
    while (!inFlight.isEmpty()) finishOldest(done);
  }

  private void finishOldest(Done<T> done) throws IOException {
    InFlight<T> f = inFlight.poll();
    Timed t;
    try {
      t = f.result().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("extract was interrupted", e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException re) throw re;
      if (c instanceof Error err) throw err;
      throw new IllegalStateException(c);
    }
    free.add(f.buffer());
    done.accept(f.tag(), t.features(), t.nanos());
  }

  /** A forward pass, cut into the size that last fitted, and halved when the GPU runs out of memory. */
  private float[][] run(int lane, ImageBatch batch) {
    int n = batch.count();
    int cap = maxPerPass.get();
    if (n > cap) return runInPieces(lane, batch, cap);
    try {
      return forward.run(lane, batch);
    } catch (RuntimeException e) {
      if (n == 1 || !outOfMemory(e)) throw e;
      int half = (n + 1) / 2;
      if (maxPerPass.getAndUpdate(m -> Math.min(m, half)) > half) {
        log.accept("extract: a batch of " + n + " images ran out of GPU memory; running at most " + half
            + " per forward pass from now on (set extract.batch_size to choose)");
      }
      return runInPieces(lane, batch, half);
    }
  }

  private float[][] runInPieces(int lane, ImageBatch batch, int piece) {
    int n = batch.count();
    int s = batch.size();
    int floats = 3 * s * s;
    float[][] out = new float[n][];
    for (int start = 0; start < n; start += piece) {
      int k = Math.min(piece, n - start);
      float[] part = start == 0 ? batch.data() : Arrays.copyOfRange(batch.data(), start * floats, (start + k) * floats);
      float[][] f = run(lane, new ImageBatch(part, k, s));
      System.arraycopy(f, 0, out, start, k);
    }
    return out;
  }

  /** libtorch's CUDA allocator says "CUDA out of memory"; DJL wraps it once or twice. */
  static boolean outOfMemory(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t.getMessage();
      if (m != null && m.contains("out of memory")) return true;
      if (t.getCause() == t) break;
    }
    return false;
  }

  @Override
  public void close() {
    for (ExecutorService t : threads) t.shutdownNow();
  }
}
