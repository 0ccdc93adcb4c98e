import dev.headstart.config.PipelineConfig;
import dev.headstart.config.PipelineConfigLoader;
import dev.headstart.config.RecordBinder;
import dev.headstart.config.TrainConfig;
import dev.headstart.features.FeaturePartWriter;
import dev.headstart.features.FeatureStoreLayout;
import dev.headstart.features.HadoopFs;
import dev.headstart.features.IndexEntry;
import dev.headstart.features.StoreIndex;
import dev.headstart.features.StoredRow;
import dev.headstart.features.FeatureStoreReader;
import dev.headstart.features.LoadedFeatures;
import dev.headstart.features.Manifest;
import dev.headstart.features.ManifestIO;
import dev.headstart.head.HeadTrainer;
import dev.headstart.head.TrainOutcome;
import dev.headstart.head.TrainStage;
import dev.headstart.head.TrainingData;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Train-stage benchmark (not a test): 10,000 train and 2,000 val rows of 512 features, 10
 * classes, written with the real FeaturePartWriter. Measures seconds to load the features from
 * Parquet, for one 25-epoch linear-head run, and for a 16-point sweep (lr x weight_decay x
 * label_smoothing, loading once and writing 16 run folders), each after a warm-up.
 * Prints one JSON line per figure on stdout ("figure": machine, load, run, sweep, end) and the
 * same in words on stderr; bench/train_bench.sh pipes the JSON into
 * {@code bench/train_report.py record}, which adds date, command and machine and appends them
 * to bench/records/train.jsonl (bench/TRAIN_RESULTS.md is written from those records only).
 * Run: bench/train_bench.sh [batch sizes, default: 16 (the default) and 256]
 */
public final class TrainBench {
  static final int TRAIN = 10_000, VAL = 2_000, DIM = 512, CLASSES = 10;

  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("headstart-train-bench");
    String store = dir.resolve("features").toString();
    List<String> classes = new ArrayList<>();
    for (int c = 0; c < CLASSES; c++) classes.add("class" + c);
    List<IndexEntry> index = new ArrayList<>();
    write(store, "train", TRAIN, classes, 1, index);
    write(store, "val", VAL, classes, 2, index);
    StoreIndex.write(HadoopFs.toPath(store), HadoopFs.configuration(), index);
    Map<String, Manifest.SplitCounts> splits = new LinkedHashMap<>();
    splits.put("train", new Manifest.SplitCounts(TRAIN, TRAIN, 0));
    splits.put("val", new Manifest.SplitCounts(VAL, VAL, 0));
    ManifestIO.write(store, new Manifest("bench", "now", FINGERPRINT, Map.of("name", "synthetic"), Map.of(), classes,
        DIM, 0, splits, List.of(), Map.of(), "none", true, FeatureStoreLayout.LAYOUT, StoreIndex.listingId(index),
        FeatureStoreLayout.ROWS + "/" + FeatureStoreLayout.dirName(FINGERPRINT), List.of()));
    String loadBefore = loadAverage();
    System.err.printf("machine: %d cores, load average %s%n", Runtime.getRuntime().availableProcessors(), loadBefore);
    System.out.printf(Locale.ROOT, "{\"figure\": \"machine\", \"cores\": %d, \"load_before\": \"%s\", "
        + "\"train_rows\": %d, \"val_rows\": %d, \"dim\": %d, \"classes\": %d}%n",
        Runtime.getRuntime().availableProcessors(), loadBefore, TRAIN, VAL, DIM, CLASSES);

    new FeatureStoreReader(store).load(List.of("train", "val"), List.of(), false); // warm-up
    LoadedFeatures f = null;
    for (int i = 0; i < 3; i++) {
      long t0 = System.nanoTime();
      long c0 = cpu();
      f = new FeatureStoreReader(store).load(List.of("train", "val"), List.of(), false);
      double wall = (System.nanoTime() - t0) / 1e9, cpu = (cpu() - c0) / 1e9;
      System.err.printf(Locale.ROOT, "load from Parquet: %.3f s wall, %.3f s cpu (%d + %d rows x %d floats)%n",
          wall, cpu, TRAIN, VAL, DIM);
      System.out.printf(Locale.ROOT, "{\"figure\": \"load\", \"try\": %d, \"wall_s\": %.4f, \"cpu_s\": %.4f}%n",
          i + 1, wall, cpu);
    }

    List<Integer> batches = new ArrayList<>();
    for (String a : args) batches.add(Integer.parseInt(a));
    if (batches.isEmpty()) batches = List.of(TrainConfig.DEFAULTS.batchSize(), 256);
    try (TrainingData data = TrainingData.of(f)) {
      HeadTrainer trainer = new HeadTrainer(data);
      trainer.train(TrainConfig.DEFAULTS, s -> {}); // warm-up: libtorch start, JIT
      for (int bs : batches) {
        TrainConfig cfg = withBatch(TrainConfig.DEFAULTS, bs);
        long t1 = System.nanoTime();
        long c1 = cpu();
        TrainOutcome o = trainer.train(cfg, s -> {});
        double wall = (System.nanoTime() - t1) / 1e9, cpu = (cpu() - c1) / 1e9;
        System.err.printf(Locale.ROOT, "one %d-epoch linear run, batch %d: %.3f s wall, %.3f s cpu (best val acc %.4f)%n",
            cfg.epochs(), bs, wall, cpu, o.bestValAccuracy());
        System.out.printf(Locale.ROOT, "{\"figure\": \"run\", \"batch\": %d, \"epochs\": %d, \"wall_s\": %.4f, "
            + "\"cpu_s\": %.4f, \"best_val_accuracy\": %.4f}%n", bs, cfg.epochs(), wall, cpu, o.bestValAccuracy());
      }
    }

    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    for (int bs : batches) {
      Map<String, String> overrides = new LinkedHashMap<>();
      overrides.put("train.features", store);
      overrides.put("train.runs", dir.resolve("runs-" + bs).toString());
      overrides.put("train.batch_size", String.valueOf(bs));
      overrides.put("train.sweep.lr", "0.1,0.03,0.01,0.001");
      overrides.put("train.sweep.weight_decay", "0,0.0001");
      overrides.put("train.sweep.label_smoothing", "0,0.1");
      PipelineConfig pc = PipelineConfigLoader.load(dir.resolve("pipeline.yaml"), overrides);
      long t2 = System.nanoTime();
      long c2 = cpu();
      TrainStage.Result r = new TrainStage().run(pc, dev.headstart.core.Reporter.of(quiet));
      double wall = (System.nanoTime() - t2) / 1e9, cpu = (cpu() - c2) / 1e9;
      double best = r.runs().stream().mapToDouble(x -> x.outcome().bestValAccuracy()).max().orElse(0);
      System.err.printf(Locale.ROOT, "%d-point sweep, batch %d: %.3f s wall, %.3f s cpu (load once + %d runs + %d run"
          + " folders; best val acc %.4f)%n", r.runs().size(), bs, wall, cpu, r.runs().size(), r.runs().size(), best);
      System.out.printf(Locale.ROOT, "{\"figure\": \"sweep\", \"batch\": %d, \"points\": %d, \"wall_s\": %.4f, "
          + "\"cpu_s\": %.4f, \"best_val_accuracy\": %.4f}%n", bs, r.runs().size(), wall, cpu, best);
    }
    String loadAfter = loadAverage();
    System.err.printf("machine after: load average %s%n", loadAfter);
    System.out.printf("{\"figure\": \"end\", \"load_after\": \"%s\"}%n", loadAfter);
  }

  static String loadAverage() throws java.io.IOException {
    return Files.readString(Path.of("/proc/loadavg")).trim().replace("\"", "");
  }

  /**
   * CPU seconds of this thread (libtorch runs its ops in the calling thread with one intra-op
   * thread): on a machine shared with other work, what the wall time would be with a free core.
   */
  static long cpu() {
    return java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
  }

  static TrainConfig withBatch(TrainConfig c, int bs) {
    return RecordBinder.bind("train", Map.<String, Object>of("batch_size", bs), c);
  }

  /** Ten Gaussian classes around random centres: about 90% separable by a linear head. */
  static final String FINGERPRINT = "bench0000000000000000";

  static void write(String store, String split, int rows, List<String> classes, long seed, List<IndexEntry> index)
      throws Exception {
    SplittableRandom rnd = new SplittableRandom(seed);
    SplittableRandom cr = new SplittableRandom(99);
    float[][] centre = new float[classes.size()][DIM];
    for (float[] c : centre) for (int d = 0; d < DIM; d++) c[d] = (float) cr.nextGaussian() * 0.15f;
    org.apache.hadoop.fs.Path part = new org.apache.hadoop.fs.Path(FeatureStoreLayout.fingerprintDir(
        HadoopFs.toPath(store), FINGERPRINT), FeatureStoreLayout.partName(split, 0));
    try (FeaturePartWriter w = FeaturePartWriter.open(part, HadoopFs.configuration(), FINGERPRINT)) {
      for (int i = 0; i < rows; i++) {
        int c = i % classes.size();
        float[] x = new float[DIM];
        for (int d = 0; d < DIM; d++) x[d] = centre[c][d] + (float) rnd.nextGaussian();
        w.write(new StoredRow(split + "-h" + i, 0, x));
        index.add(new IndexEntry(split + "/" + i + ".png", split, c, classes.get(c), split + "-h" + i));
      }
    }
  }
}
