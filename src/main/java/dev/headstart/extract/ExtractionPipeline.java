package dev.headstart.extract;

import dev.headstart.core.ProgressMeter;
import dev.headstart.core.UserException;
import dev.headstart.core.CrashPoint;
import dev.headstart.features.FeaturePartWriter;
import dev.headstart.features.FeatureStoreLayout;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * The extraction loop: decoder threads read, check, decode and preprocess images (the views
 * each job asks for) ahead of one predictor thread, which batches the tensors, runs the backbone
 * (on the CPU in its own thread; on GPUs through {@link ForwardLanes}, several batches in flight)
 * and appends the rows, keyed by content hash and view, to the run's current Parquet part; a
 * part is published (renamed into place) every {@code partRows} rows, so a killed extract keeps
 * what its finished parts hold. At most {@code window} images are in flight, so memory is
 * bounded by the batch size, never by the dataset. Results are consumed in job order, so the
 * parts are the same whatever the thread count.
 */
final class ExtractionPipeline {
  /** One image after the decoder thread: its tensors (one per requested view), or why not. */
  private record Decoded(ExtractJob job, float[][] tensors, String skipReason) {}

  /** A row waiting for its batch's forward pass. */
  private record Pending(String hash, int view) {}

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ExtractionPipeline.class);

  private final JobDecoder jobDecoder;
  private final Preprocessor preprocessor;
  private final Backbone backbone;
  private final Path dir;
  private final Configuration conf;
  private final String fingerprint;
  private final String runId;
  private final int partRows;
  private final int batchSize;
  private final BatchSizing sizing;
  private final int threads;
  private final boolean strict;
  private final ProgressMeter progress;
  private final AtomicLong decodeNanos = new AtomicLong();
  private final AtomicLong decodedTensors = new AtomicLong();
  private final List<ImageFailure> failures = new ArrayList<>();
  private ThreadBalance balance;
  // how many decoders may run at once; ThreadBalance may change it
  private final Decoders decoding;
  // whether decoders and the forward pass take turns on the cores (ThreadBalance decides)
  private final CoreTurns turns = new CoreTurns();
  private int decoders;
  private long forwardNanos;
  private long writeNanos;
  private int partsWritten;
  private long rowsWritten;
  private int imagesRun;
  private FeaturePartWriter writer;
  // each tap of the backbone in its column: the lanes carry an image's outputs joined end to end
  private final TapRows tapRows;

  /**
   * dir: the fingerprint folder the parts go to; runId: names this run's parts apart from
   * every other run's.
   */
  ExtractionPipeline(ImageFiles files, ImageDecoder decoder, Preprocessor preprocessor, Backbone backbone, Path dir,
      Configuration conf, String fingerprint, String runId, int partRows, int batchSize, int threads, long viewSeed,
      boolean strict, ProgressMeter progress) {
    this.jobDecoder = new JobDecoder(files, decoder, preprocessor, viewSeed);
    this.preprocessor = preprocessor;
    this.backbone = backbone;
    this.tapRows = TapRows.of(backbone.source());
    this.dir = dir;
    this.conf = conf;
    this.fingerprint = fingerprint;
    this.runId = runId;
    this.partRows = partRows;
    this.sizing = BatchSizing.of(batchSize, gpuMemory(backbone), lanesPerGpu(backbone), preprocessor.tensorSize(),
        backbone.precision(), Runtime.getRuntime().maxMemory());
    this.batchSize = sizing.batchSize();
    if (batchSize == 0) LOG.info("extract: batch size {}", sizing.why());
    this.threads = threads;
    // fair: images start decoding in the order the predictor will take them
    this.decoding = new Decoders(threads);
    this.decoders = threads;
    this.strict = strict;
    this.progress = progress;
  }

  /** Lets {@code balance} move libtorch's threads and the decoders after the first batches (null = never). */
  void balanceThreads(ThreadBalance balance) {
    this.balance = balance;
  }

  /** Allows {@code n} decoders at once from now on (fewer: running ones finish their image first). */
  void allowDecoders(int n) {
    if (n > decoders) decoding.release(n - decoders);
    else if (n < decoders) decoding.reduce(decoders - n);
    decoders = n;
  }

  /** Decoders and the forward pass take turns on the cores from now on, or share them. */
  void takeTurns(boolean on) {
    turns.set(on);
  }

  /** A fair semaphore whose permits can also be taken away. */
  private static final class Decoders extends Semaphore {
    Decoders(int permits) {
      super(permits, true);
    }

    void reduce(int n) {
      reducePermits(n);
    }
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

  List<ImageFailure> failures() {
    return failures;
  }

  int partsWritten() {
    return partsWritten;
  }

  long rowsWritten() {
    return rowsWritten;
  }

  int imagesRun() {
    return imagesRun;
  }

  void run(List<ExtractJob> jobs) throws IOException {
    // a thread per core at most, `threads` of them decoding at once until ThreadBalance says more
    int poolSize = Math.max(threads, Runtime.getRuntime().availableProcessors());
    ExecutorService pool = Executors.newFixedThreadPool(poolSize, r -> {
      Thread t = new Thread(r, "headstart-decode");
      t.setDaemon(true);
      return t;
    });
    try {
      Iterator<ExtractJob> todo = jobs.iterator();
      ArrayDeque<Future<Decoded>> inFlight = new ArrayDeque<>();
      // two batches of tensors in flight (an image brings one per view), whatever the dataset
      int maxViews = jobs.stream().mapToInt(ExtractJob::rows).max().orElse(1);
      int window = Math.max(2 * poolSize, 2 * batchSize / maxViews + 1);
      ForwardLanes<List<Pending>> lanes = new ForwardLanes<>(backbone.lanes(), batchSize * preprocessor.tensorSize(),
          (lane, batch) -> turns.forward(() -> TapRows.join(backbone.forwardTaps(lane, batch))), LOG::warn);
      ForwardLanes.Done<List<Pending>> written = this::write;
      List<Pending> pending = new ArrayList<>(batchSize);
      try {
      for (int i = 0; i < jobs.size(); i++) {
        while (inFlight.size() < window && todo.hasNext()) {
          ExtractJob next = todo.next();
          inFlight.add(pool.submit(() -> decode(next)));
        }
        Decoded d = take(inFlight.poll());
        if (progress.advance(1)) {
          progress.show(String.format(Locale.ROOT, "extract: %d/%d images, %.1f images/s, ETA %s",
              progress.done(), progress.total(), progress.rate(), progress.eta()));
        }
        if (d.skipReason() != null) {
          if (strict) {
            throw new UserException("--strict: " + d.job().entry().path() + " (in data.root): " + d.skipReason()
                + "; fix or remove the file, or run without --strict to skip it");
          }
          failures.add(new ImageFailure(d.job(), d.skipReason()));
          continue;
        }
        imagesRun++;
        int[] views = d.job().views();
        for (int k = 0; k < views.length; k++) {
          System.arraycopy(d.tensors()[k], 0, lanes.buffer(), pending.size() * preprocessor.tensorSize(),
              preprocessor.tensorSize());
          pending.add(new Pending(d.job().contentHash(), views[k]));
          if (pending.size() == batchSize) flush(pending, lanes, written);
        }
      }
      if (!pending.isEmpty()) flush(pending, lanes, written);
      lanes.drain(written);
      } finally {
        lanes.close();
      }
      publish();
    } catch (IOException | RuntimeException e) {
      if (writer != null) writer.abort();
      throw e;
    } finally {
      pool.shutdownNow();
    }
  }

  /** Publishes the current part: from now on its rows survive any crash. */
  private void publish() throws IOException {
    if (writer == null) return;
    long w0 = System.nanoTime();
    writer.close();
    writeNanos += System.nanoTime() - w0;
    writer = null;
    partsWritten++;
    CrashPoint.reach("extract-part-published");
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
  private void flush(List<Pending> pending, ForwardLanes<List<Pending>> lanes, ForwardLanes.Done<List<Pending>> written)
      throws IOException {
    lanes.submit(new ArrayList<>(pending), pending.size(), preprocessor.inputSize(), written);
    pending.clear();
  }

  /**
   * A finished batch: its timing to the balance, its rows to the current part (a new one when it
   * is full), every tap's features of an image in one row, from its one forward pass.
   */
  private void write(List<Pending> batch, float[][] features, long nanos) throws IOException {
    long w0 = System.nanoTime();
    forwardNanos += nanos;
    if (balance != null) balance.afterBatch(nanos, batch.size(), decodeNanos.get(), decodedTensors.get());
    for (int i = 0; i < batch.size(); i++) {
      if (writer == null) {
        writer = FeaturePartWriter.open(new Path(dir, FeatureStoreLayout.partName(runId, partsWritten)), conf,
            fingerprint, null, tapRows.extraColumns());
      }
      Pending p = batch.get(i);
      writer.write(tapRows.row(p.hash(), p.view(), features[i]));
      rowsWritten++;
      if (writer.rows() >= partRows) publish();
    }
    writeNanos += System.nanoTime() - w0;
  }

  /** On a decoder thread: read, check the bytes are the ones hashed, decode, preprocess the views. */
  private Decoded decode(ExtractJob job) {
    decoding.acquireUninterruptibly();
    try {
      // timed inside the turn: waiting for a forward pass to end is not decoding
      JobDecoder.Decoded d = turns.decode(() -> {
        long t0 = System.nanoTime();
        try {
          return jobDecoder.decode(job.contentHash(), job.entry().path(), job.views());
        } finally {
          decodeNanos.addAndGet(System.nanoTime() - t0);
        }
      });
      return new Decoded(job, d.tensors(), d.skipReason());
    } finally {
      decodedTensors.addAndGet(job.rows());
      decoding.release();
    }
  }
}
