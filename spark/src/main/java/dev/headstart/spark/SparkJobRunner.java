package dev.headstart.spark;

import dev.headstart.config.ExtractConfig;
import dev.headstart.config.SparkSettings;
import dev.headstart.core.ProgressMeter;
import dev.headstart.extract.ExtractJob;
import dev.headstart.extract.ImageFailure;
import dev.headstart.extract.JobRunner;
import dev.headstart.extract.LocalJobRunner;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * Runs an extract's jobs as a Spark job: cut into deterministic shards (contiguous runs of the
 * listing's order), one task and one part each. The driver plans before and commits after
 * exactly as the local extract does, so the store is the same whichever engine wrote it; a rerun
 * plans only the keys the store still lacks, so finished shards are never redone.
 */
public final class SparkJobRunner implements JobRunner {
  private final JavaSparkContext sc;

  public SparkJobRunner(JavaSparkContext sc) {
    this.sc = sc;
  }

  @Override
  public Outcome run(Context c, List<ExtractJob> jobs) {
    ExtractConfig ex = c.config().extract();
    List<ShardSpec> shards = shards(jobs, shardCount(ex.spark(), jobs.size()));
    TaskSettings settings = new TaskSettings(c.config().backbone().isModelZoo() ? c.config().backbone().uri()
        : c.source().inferenceFile("fp32").toAbsolutePath().toString(),
        c.source().cardFile() == null ? "" : c.source().cardFile().toAbsolutePath().toString(),
        c.config().backbone().device(), ex.precision(), c.backboneSha(), ex.maxPixels(), batchSize(ex), ex.seed(),
        c.dir().toString(), c.fingerprint(), c.runId(), c.config().baseDir().toAbsolutePath().toString(),
        c.files().location(), LocalJobRunner.reducedDecode(ex));
    c.reporter().info("extract (spark, %s): %d images in %d shards", sc.master(), jobs.size(), shards.size());
    ProgressMeter progress = new ProgressMeter(c.reporter().progress(), shards.size(), 30, false);
    SparkListener listener = new SparkListener() {
      @Override
      public void onTaskEnd(SparkListenerTaskEnd end) {
        synchronized (progress) {
          if (progress.advance(1)) {
            progress.show(String.format(Locale.ROOT, "extract (spark): %d/%d shards, ETA %s", progress.done(),
                progress.total(), progress.eta()));
          }
        }
      }
    };
    sc.sc().addSparkListener(listener);
    long t0 = System.nanoTime();
    List<ShardResult> results;
    try {
      results = sc.parallelize(shards, shards.size()).map(shard -> ShardWriter.write(settings, shard)).collect();
    } finally {
      sc.sc().removeSparkListener(listener);
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    Map<String, ExtractJob> byHash = new HashMap<>();
    for (ExtractJob j : jobs) byHash.put(j.contentHash(), j);
    List<ImageFailure> failures = new ArrayList<>();
    int images = 0;
    long rows = 0;
    int parts = 0;
    double forward = 0;
    for (ShardResult r : results) {
      images += r.images();
      rows += r.rows();
      if (r.wrotePart()) parts++;
      forward += r.forwardSeconds();
      r.failures().forEach((hash, reason) -> failures.add(new ImageFailure(byHash.get(hash), reason)));
    }
    Map<String, Double> timings = new LinkedHashMap<>();
    timings.put("images_per_second", images / Math.max(seconds, 1e-9));
    timings.put("spark_job_seconds", seconds);
    timings.put("spark_shards", (double) shards.size());
    timings.put("spark_default_parallelism", (double) sc.defaultParallelism());
    timings.put("forward_seconds", forward);
    return new Outcome(failures, images, rows, parts, timings, String.format(Locale.ROOT,
        "spark %s: %d shards in %.1f s, %.1f images/s", sc.master(), shards.size(), seconds,
        images / Math.max(seconds, 1e-9)));
  }

  /** extract.batch_size, or for 0 (auto) the CPU's batch of the local extract: executors run the CPU libtorch. */
  static int batchSize(ExtractConfig ex) {
    return ex.batchSize() > 0 ? ex.batchSize() : CPU_BATCH;
  }

  static final int CPU_BATCH = 32;

  /** As configured, else four per core Spark reports; never more than there are jobs. */
  int shardCount(SparkSettings spark, int jobs) {
    int n = spark.shards() > 0 ? spark.shards() : 4 * Math.max(1, sc.defaultParallelism());
    return Math.max(1, Math.min(n, jobs));
  }

  /** Contiguous runs of the jobs in their (listing) order, as even as they can be. */
  static List<ShardSpec> shards(List<ExtractJob> jobs, int count) {
    List<ShardSpec> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int from = (int) ((long) jobs.size() * i / count);
      int to = (int) ((long) jobs.size() * (i + 1) / count);
      List<ShardSpec.JobSpec> specs = new ArrayList<>(to - from);
      for (ExtractJob j : jobs.subList(from, to)) {
        specs.add(new ShardSpec.JobSpec(j.contentHash(), j.entry().path(), j.views()));
      }
      out.add(new ShardSpec(i, specs));
    }
    return out;
  }
}
