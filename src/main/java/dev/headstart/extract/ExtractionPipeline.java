package dev.headstart.extract;

import dev.headstart.core.ProgressMeter;
import dev.headstart.core.UserException;
import dev.headstart.extract.ExtractState.PartRecord;
import dev.headstart.extract.ExtractionPlan.Chunk;
import dev.headstart.features.FeaturePartWriter;
import dev.headstart.features.FeatureRow;
import dev.headstart.features.Manifest.SkippedFile;
import dev.headstart.io.Hashing;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * The extraction loop: decoder threads read, hash, decode and preprocess images (with their
 * augmented views) ahead of one predictor thread, which batches the tensors, runs the backbone
 * (on the CPU in its own thread; on GPUs through {@link ForwardLanes}, several batches in flight)
 * and writes the rows of each chunk to its Parquet part. At most {@code window} images are in
 * flight, so memory is bounded by the batch size, never by the dataset. Results are consumed in
 * dataset order, so the parts are the same whatever the thread count.
 */
final class ExtractionPipeline {
  /** Called after a part has been renamed into place. */
  interface PartListener {
    void finished(Chunk chunk, PartRecord record) throws IOException;
  }

  /** One image after the decoder thread: its tensors (view 0, then views 1..k), or why not. */
  private record Task(ImageEntry entry, int views) {}

  private record Decoded(ImageEntry entry, String contentHash, float[][] tensors, String skipReason) {}

  /** A batch's rows (features to come) and the part they go to. */
  private record Batch(List<FeatureRow> rows, FeaturePartWriter writer) {}

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ExtractionPipeline.class);

  private final ImageDecoder decoder;
  private final Preprocessor preprocessor;
  private final Backbone backbone;
  private final Path store;
  private final Configuration conf;
  private final String fingerprint;
  private final int batchSize;
  private final BatchSizing sizing;
  private final int threads;
  private final long viewSeed;
  private final boolean strict;
  private final ProgressMeter progress;
  private final AtomicLong decodeNanos = new AtomicLong();
  private final AtomicLong decodedTensors = new AtomicLong();
  private ThreadBalance balance;
  // how many decoders may run at once; ThreadBalance may raise it
  private final Semaphore decoding;
  private int decoders;
  private long forwardNanos;
  private long writeNanos;

  ExtractionPipeline(ImageDecoder decoder, Preprocessor preprocessor, Backbone backbone, Path store,
      Configuration conf, String fingerprint, int batchSize, int threads, long viewSeed, boolean strict, ProgressMeter progress) {
    this.decoder = decoder;
    this.preprocessor = preprocessor;
    this.backbone = backbone;
    this.store = store;
    this.conf = conf;
    this.fingerprint = fingerprint;
    this.sizing = BatchSizing.of(batchSize, gpuMemory(backbone), lanesPerGpu(backbone), preprocessor.tensorSize(),
        backbone.precision(), Runtime.getRuntime().maxMemory());
    this.batchSize = sizing.batchSize();
    if (batchSize == 0) LOG.info("extract: batch size {}", sizing.why());
    this.threads = threads;
    // fair: images start decoding in the order the predictor will take them
    this.decoding = new Semaphore(threads, true);
    this.decoders = threads;
    this.viewSeed = viewSeed;
    this.strict = strict;
    this.progress = progress;
  }

  /** Lets {@code balance} move libtorch's threads and the decoders after the first batches (null = never). */
  void balanceThreads(ThreadBalance balance) {
    this.balance = balance;
  }

  /** Allows {@code n} decoders at once from now on (more only: running ones are not stopped). */
  void allowDecoders(int n) {
    if (n > decoders) {
      decoding.release(n - decoders);
      decoders = n;
    }
  }

  /** Images per forward pass: extract.batch_size, or what auto-sizing chose for 0. */
  int batchSize() {
    return batchSize;
  }

  /** Total memory of each GPU the backbone runs on (empty on the CPU). */
  private static List<Long> gpuMemory(Backbone backbone) {
    List<Long> mem = new ArrayList<>();
    for (ai.djl.Device d : backbone.devices()) {
      if (!d.isGpu()) continue;
      long bytes = dev.headstart.engine.Gpus.list().stream().filter(g -> g.index() == d.getDeviceId())
          .mapToLong(dev.headstart.engine.Gpus.Gpu::totalBytes).findFirst().orElse(0);
      mem.add(bytes);
    }
    return mem;
  }

  private static int lanesPerGpu(Backbone backbone) {
    return Math.max(1, backbone.lanes() / Math.max(1, backbone.devices().size()));
  }

  double decodeSeconds() {
    return decodeNanos.get() / 1e9;
  }

  double forwardSeconds() {
    return forwardNanos / 1e9;
  }

  double writeSeconds() {
    return writeNanos / 1e9;
  }

  void run(List<Chunk> chunks, PartListener listener) throws IOException {
    // a thread per core at most, `threads` of them decoding at once until ThreadBalance says more
    int poolSize = Math.max(threads, Runtime.getRuntime().availableProcessors());
    ExecutorService pool = Executors.newFixedThreadPool(poolSize, r -> {
      Thread t = new Thread(r, "headstart-decode");
      t.setDaemon(true);
      return t;
    });
    try {
      Iterator<Task> todo = chunks.stream()
          .flatMap(c -> c.images().stream().map(e -> new Task(e, c.viewsPerImage()))).iterator();
      ArrayDeque<Future<Decoded>> inFlight = new ArrayDeque<>();
      // two batches of tensors in flight (an image brings 1 + views of them), whatever the dataset
      int maxViews = chunks.stream().mapToInt(Chunk::viewsPerImage).max().orElse(0);
      int window = Math.max(2 * poolSize, (2 * batchSize + maxViews) / (1 + maxViews));
      ForwardLanes<Batch> lanes = new ForwardLanes<>(backbone.lanes(), batchSize * preprocessor.tensorSize(),
          backbone::forward, LOG::warn);
      ForwardLanes.Done<Batch> written = this::write;
      try {
        for (Chunk chunk : chunks) {
          long t0 = System.nanoTime();
          List<FeatureRow> pending = new ArrayList<>(batchSize);
          List<SkippedFile> skipped = new ArrayList<>();
          int images = 0;
          int rows = 0;
          FeaturePartWriter writer = null;
          try {
            for (int i = 0; i < chunk.images().size(); i++) {
              while (inFlight.size() < window && todo.hasNext()) {
                Task next = todo.next();
                inFlight.add(pool.submit(() -> decode(next.entry(), next.views())));
              }
              Decoded d = take(inFlight.poll());
              if (progress.advance(1)) {
                progress.show(String.format(Locale.ROOT, "extract: %d/%d images, %.1f images/s, ETA %s",
                    progress.done(), progress.total(), progress.rate(), progress.eta()));
              }
              if (d.skipReason() != null) {
                if (strict) {
                  throw new UserException("--strict: " + d.entry().file() + ": " + d.skipReason()
                      + "; fix or remove the file, or run without --strict to skip it");
                }
                skipped.add(new SkippedFile(d.entry().path(), d.entry().split(), d.skipReason()));
                continue;
              }
              images++;
              for (int view = 0; view < d.tensors().length; view++) {
                int slot = pending.size();
                System.arraycopy(d.tensors()[view], 0, lanes.buffer(), slot * preprocessor.tensorSize(),
                    preprocessor.tensorSize());
                ImageEntry e = d.entry();
                pending.add(new FeatureRow(e.path(), e.split(), e.label(), e.labelName(), view, d.contentHash(), null));
                if (pending.size() == batchSize) {
                  if (writer == null) writer = FeaturePartWriter.open(store, chunk.split(), chunk.index(), conf, fingerprint);
                  rows += flush(pending, lanes, writer, written);
                }
              }
            }
            if (!pending.isEmpty()) {
              if (writer == null) writer = FeaturePartWriter.open(store, chunk.split(), chunk.index(), conf, fingerprint);
              rows += flush(pending, lanes, writer, written);
            }
            lanes.drain(written);
            if (writer != null) {
              long w0 = System.nanoTime();
              writer.close();
              writeNanos += System.nanoTime() - w0;
            }
          } catch (IOException | RuntimeException e) {
            if (writer != null) writer.abort();
            throw e;
          }
          listener.finished(chunk, new PartRecord(chunk.key(), images, rows, skipped,
              (System.nanoTime() - t0) / 1e9));
        }
      } finally {
        lanes.close();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static Decoded take(Future<Decoded> f) throws IOException {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("extract was interrupted", e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof IOException io) throw io;
      if (c instanceof RuntimeException re) throw re;
      throw new IllegalStateException(c);
    }
  }

  /** Hands the batch to the backbone; its rows reach the part in order, now or after later batches. */
  private int flush(List<FeatureRow> pending, ForwardLanes<Batch> lanes, FeaturePartWriter writer,
      ForwardLanes.Done<Batch> written) throws IOException {
    int n = pending.size();
    lanes.submit(new Batch(new ArrayList<>(pending), writer), n, preprocessor.inputSize(), written);
    pending.clear();
    return n;
  }

  /** A finished batch: its timing to the balance, its rows to the part. */
  private void write(Batch batch, float[][] features, long nanos) throws IOException {
    long w0 = System.nanoTime();
    forwardNanos += nanos;
    if (balance != null) balance.afterBatch(nanos, batch.rows().size(), decodeNanos.get(), decodedTensors.get());
    for (int i = 0; i < batch.rows().size(); i++) {
      FeatureRow r = batch.rows().get(i);
      batch.writer().write(new FeatureRow(r.path(), r.split(), r.label(), r.labelName(), r.view(), r.contentHash(),
          features[i]));
    }
    writeNanos += System.nanoTime() - w0;
  }

  /** On a decoder thread: read, hash, decode, preprocess view 0 and the augmented views. */
  private Decoded decode(ImageEntry entry, int views) throws IOException {
    decoding.acquireUninterruptibly();
    long t0 = System.nanoTime();
    try {
      byte[] bytes;
      try {
        bytes = Files.readAllBytes(entry.file());
      } catch (IOException e) {
        return new Decoded(entry, null, null, "cannot be read: " + e.getMessage());
      }
      String hash = Hashing.sha256(bytes);
      RgbImage image;
      try {
        image = decoder.decode(bytes);
      } catch (ImageSkippedException e) {
        return new Decoded(entry, hash, null, e.reason());
      }
      float[][] tensors = new float[1 + views][];
      tensors[0] = preprocessor.eval(image);
      for (int v = 1; v <= views; v++) tensors[v] = preprocessor.train(image, viewRandom(entry.path(), v));
      return new Decoded(entry, hash, tensors, null);
    } finally {
      decodeNanos.addAndGet(System.nanoTime() - t0);
      decodedTensors.addAndGet(1 + views);
      decoding.release();
    }
  }

  /** Each view's randomness depends only on the seed, the image path and the view number. */
  Random viewRandom(String path, int view) {
    long h = viewSeed * 0x9E3779B97F4A7C15L;
    h = (h ^ path.hashCode()) * 0xBF58476D1CE4E5B9L;
    h = (h ^ view) * 0x94D049BB133111EBL;
    return new Random(h ^ (h >>> 31));
  }
}
