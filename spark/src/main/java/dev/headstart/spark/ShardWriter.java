package dev.headstart.spark;

import dev.headstart.core.CrashPoint;
import dev.headstart.extract.Backbone;
import dev.headstart.extract.ImageBatch;
import dev.headstart.extract.ImageDecoder;
import dev.headstart.extract.ImageFiles;
import dev.headstart.extract.JobDecoder;
import dev.headstart.extract.Preprocessor;
import dev.headstart.extract.TapRows;
import dev.headstart.features.FeaturePartWriter;
import dev.headstart.features.FeatureStoreLayout;
import dev.headstart.features.HadoopFs;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.TaskContext;

/**
 * One shard on an executor: decodes and preprocesses its images with headstart's own code,
 * batches them through this JVM's backbone on a predictor of the task's own, and writes ONE part
 * ({@code part-<run>-s<shard>.parquet}) under a temporary name of the task attempt's own,
 * renamed into place when complete. A retried attempt writes the same part again and the rename
 * replaces it whole, so a shard's rows appear once or not at all.
 */
final class ShardWriter {
  private ShardWriter() {}

  static ShardResult write(TaskSettings s, ShardSpec shard) throws IOException {
    long t0 = System.nanoTime();
    Backbone backbone = BackboneHolder.get(s);
    Preprocessor preprocessor = new Preprocessor(backbone.card());
    ImageDecoder imageDecoder = new ImageDecoder(s.maxPixels(), !s.reducedDecode());
    if (s.reducedDecode() && !imageDecoder.reduces()) {
      // the driver's fingerprint says reduced-size decoding; full-size rows under it would be wrong
      throw new IllegalStateException("this executor cannot decode JPEGs at reduced size as the driver does: "
          + ImageDecoder.jpegDecoder() + "; install libturbojpeg0 on every node, or set extract.exact_decode: true");
    }
    JobDecoder decoder = new JobDecoder(ImageFiles.of(s.dataRoot()), imageDecoder, preprocessor, s.viewSeed());
    Configuration conf = HadoopFs.configuration();
    org.apache.hadoop.fs.Path part = new org.apache.hadoop.fs.Path(HadoopFs.toPath(s.dir()),
        FeatureStoreLayout.partName(s.runId() + "-s", shard.index()));
    TaskContext task = TaskContext.get();
    String attempt = task == null ? "driver" : "attempt" + task.taskAttemptId();
    Map<String, String> failures = new LinkedHashMap<>();
    int size = preprocessor.tensorSize();
    float[] buffer = new float[s.batchSize() * size];
    List<String> hashes = new ArrayList<>();
    List<Integer> views = new ArrayList<>();
    int images = 0;
    long forwardNanos = 0;
    // a backbone exported with taps: every tap's features in its own column of the same row
    TapRows taps = TapRows.of(backbone.source());
    FeaturePartWriter writer = FeaturePartWriter.open(part, conf, s.fingerprint(), attempt, taps.extraColumns());
    try (Backbone.Session session = backbone.openSession()) {
      for (ShardSpec.JobSpec job : shard.jobs()) {
        JobDecoder.Decoded d = decoder.decode(job.contentHash(), job.path(), job.views());
        if (d.skipReason() != null) {
          failures.put(job.contentHash(), d.skipReason());
          continue;
        }
        images++;
        for (int k = 0; k < job.views().length; k++) {
          System.arraycopy(d.tensors()[k], 0, buffer, hashes.size() * size, size);
          hashes.add(job.contentHash());
          views.add(job.views()[k]);
          if (hashes.size() == s.batchSize()) forwardNanos += flush(session, buffer, hashes, views, preprocessor, taps, writer);
        }
      }
      if (!hashes.isEmpty()) forwardNanos += flush(session, buffer, hashes, views, preprocessor, taps, writer);
    } catch (IOException | RuntimeException e) {
      writer.abort();
      throw e;
    }
    boolean wrote = writer.rows() > 0;
    long rows = writer.rows();
    if (wrote) {
      writer.close();
      CrashPoint.reach("spark-shard-published");
    } else {
      writer.abort();
    }
    return new ShardResult(shard.index(), images, rows, wrote, failures, (System.nanoTime() - t0) / 1e9,
        forwardNanos / 1e9);
  }

  private static long flush(Backbone.Session session, float[] buffer, List<String> hashes, List<Integer> views,
      Preprocessor preprocessor, TapRows taps, FeaturePartWriter writer) throws IOException {
    long f0 = System.nanoTime();
    float[][] features = TapRows.join(session.forwardTaps(new ImageBatch(buffer, hashes.size(), preprocessor.inputSize())));
    long nanos = System.nanoTime() - f0;
    for (int i = 0; i < hashes.size(); i++) writer.write(taps.row(hashes.get(i), views.get(i), features[i]));
    hashes.clear();
    views.clear();
    return nanos;
  }
}
