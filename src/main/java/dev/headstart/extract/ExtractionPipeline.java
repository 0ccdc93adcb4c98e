package dev.headstart.extract;

import dev.headstart.core.ProgressMeter;
import dev.headstart.core.UserException;
import dev.headstart.core.CrashPoint;
import dev.headstart.features.FeaturePartWriter;
import dev.headstart.features.FeatureStoreLayout;
import dev.headstart.features.StoredRow;
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
 * The extraction loop: decoder threads read, check, decode and preprocess images (the views
 * each job asks for) ahead of one predictor thread, which batches the tensors, runs the backbone
 * and appends the rows, keyed by content hash and view, to the run's current Parquet part; a
 * part is published (renamed into place) every {@code partRows} rows, so a killed extract keeps
 * what its finished parts hold. At most {@code window} images are in flight, so memory is
 * bounded by the batch size, never by the dataset. Results are consumed in job order, so the
 * parts are the same whatever the thread count.
 */
final class ExtractionPipeline {
  /** An image whose bytes could not be decoded (or changed under the extract): skipped. */
  record Failure(ExtractJob job, String reason) {}

  /** One image after the decoder thread: its tensors (one per requested view), or why not. */
  private record Decoded(ExtractJob job, float[][] tensors, String skipReason) {}

  /** A row waiting for its batch's forward pass. */
  private record Pending(String hash, int view) {}

  private final ImageDecoder decoder;
  private final Preprocessor preprocessor;
  private final Backbone backbone;
  private final Path dir;
  private final Configuration conf;
  private final String fingerprint;
  private final List<String> tapColumns;
  private final String runId;
  private final int partRows;
  private final int batchSize;
  private final int threads;
  private final long viewSeed;
  private final boolean strict;
  private final ProgressMeter progress;
  private final AtomicLong decodeNanos = new AtomicLong();
  private final AtomicLong decodedTensors = new AtomicLong();
  private final List<Failure> failures = new ArrayList<>();
  private ThreadBalance balance;
  // how many decoders may run at once; ThreadBalance may raise it
  private final Semaphore decoding;
  private int decoders;
  private long forwardNanos;
  private long writeNanos;
  private int partsWritten;
  private long rowsWritten;
  private int imagesRun;
  private FeaturePartWriter writer;

  /**
   * dir: the fingerprint folder the parts go to; runId: names this run's parts apart from
   * every other run's.
   */
  ExtractionPipeline(ImageDecoder decoder, Preprocessor preprocessor, Backbone backbone, Path dir,
      Configuration conf, String fingerprint, List<String> tapColumns, String runId, int partRows, int batchSize,
      int threads, long viewSeed, boolean strict, ProgressMeter progress) {
    this.tapColumns = List.copyOf(tapColumns);
    this.decoder = decoder;
    this.preprocessor = preprocessor;
    this.backbone = backbone;
    this.dir = dir;
    this.conf = conf;
    this.fingerprint = fingerprint;
    this.runId = runId;
    this.partRows = partRows;
    this.batchSize = batchSize;
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

  double decodeSeconds() {
    return decodeNanos.get() / 1e9;
  }

  double forwardSeconds() {
    return forwardNanos / 1e9;
  }

  double writeSeconds() {
    return writeNanos / 1e9;
  }

  List<Failure> failures() {
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
      float[] buffer = new float[batchSize * preprocessor.tensorSize()];
      List<Pending> pending = new ArrayList<>(batchSize);
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
            throw new UserException("--strict: " + d.job().entry().file() + ": " + d.skipReason()
                + "; fix or remove the file, or run without --strict to skip it");
          }
          failures.add(new Failure(d.job(), d.skipReason()));
          continue;
        }
        imagesRun++;
        int[] views = d.job().views();
        for (int k = 0; k < views.length; k++) {
          System.arraycopy(d.tensors()[k], 0, buffer, pending.size() * preprocessor.tensorSize(),
              preprocessor.tensorSize());
          pending.add(new Pending(d.job().contentHash(), views[k]));
          if (pending.size() == batchSize) flush(pending, buffer);
        }
      }
      if (!pending.isEmpty()) flush(pending, buffer);
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

  /**
   * Runs the batch through the backbone and appends its rows to the current part: every tap's
   * features of an image in one row, from this one forward pass.
   */
  private void flush(List<Pending> pending, float[] buffer) throws IOException {
    long f0 = System.nanoTime();
    float[][][] outputs = backbone.forwardTaps(new ImageBatch(buffer, pending.size(), preprocessor.inputSize()));
    long f1 = System.nanoTime();
    forwardNanos += f1 - f0;
    if (balance != null) balance.afterBatch(f1 - f0, pending.size(), decodeNanos.get(), decodedTensors.get());
    for (int i = 0; i < pending.size(); i++) {
      if (writer == null) {
        writer = FeaturePartWriter.open(new Path(dir, FeatureStoreLayout.partName(runId, partsWritten)), conf,
            fingerprint, tapColumns);
      }
      Pending p = pending.get(i);
      float[][] taps = new float[outputs.length - 1][];
      for (int t = 1; t < outputs.length; t++) taps[t - 1] = outputs[t][i];
      writer.write(new StoredRow(p.hash(), p.view(), outputs[0][i], taps));
      rowsWritten++;
      if (writer.rows() >= partRows) publish();
    }
    writeNanos += System.nanoTime() - f1;
    pending.clear();
  }

  /** On a decoder thread: read, check the bytes are the ones hashed, decode, preprocess the views. */
  private Decoded decode(ExtractJob job) throws IOException {
    decoding.acquireUninterruptibly();
    long t0 = System.nanoTime();
    try {
      byte[] bytes;
      try {
        bytes = Files.readAllBytes(job.entry().file());
      } catch (IOException e) {
        return new Decoded(job, null, "cannot be read: " + e.getMessage());
      }
      if (!Hashing.sha256(bytes).equals(job.contentHash())) {
        return new Decoded(job, null, "changed while extract ran (its bytes no longer match the hash taken"
            + " when it was listed); rerun ./extract");
      }
      RgbImage image;
      try {
        image = decoder.decode(bytes);
      } catch (ImageSkippedException e) {
        return new Decoded(job, null, e.reason());
      }
      int[] views = job.views();
      float[][] tensors = new float[views.length][];
      for (int k = 0; k < views.length; k++) {
        tensors[k] = views[k] == 0 ? preprocessor.eval(image) : preprocessor.train(image, viewRandom(job.contentHash(), views[k]));
      }
      return new Decoded(job, tensors, null);
    } finally {
      decodeNanos.addAndGet(System.nanoTime() - t0);
      decodedTensors.addAndGet(job.rows());
      decoding.release();
    }
  }

  /**
   * Each view's randomness depends only on the seed, the image's content and the view number:
   * the same bytes get the same views under any path, so a moved image keeps its rows.
   */
  Random viewRandom(String contentHash, int view) {
    long h = viewSeed * 0x9E3779B97F4A7C15L;
    h = (h ^ contentHash.hashCode()) * 0xBF58476D1CE4E5B9L;
    h = (h ^ view) * 0x94D049BB133111EBL;
    return new Random(h ^ (h >>> 31));
  }
}
