import dev.headstart.config.TrainConfig;
import dev.headstart.features.FeaturePartWriter;
import dev.headstart.features.FeatureRow;
import dev.headstart.features.FeatureStoreReader;
import dev.headstart.features.LoadedFeatures;
import dev.headstart.features.Manifest;
import dev.headstart.features.ManifestIO;
import dev.headstart.head.HeadTrainer;
import dev.headstart.head.TrainOutcome;
import dev.headstart.head.TrainingData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Train-stage benchmark (not a test): 10,000 train and 2,000 val rows of 512 features, 10
 * classes. Prints seconds to load the features from Parquet, for one 25-epoch linear-head run,
 * and for a 16-point sweep. Run: bench/train_bench.sh
 */
public final class TrainBench {
  static final int TRAIN = 10_000, VAL = 2_000, DIM = 512, CLASSES = 10;

  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("headstart-train-bench");
    String store = dir.resolve("features").toString();
    List<String> classes = new ArrayList<>();
    for (int c = 0; c < CLASSES; c++) classes.add("class" + c);
    write(store, "train", TRAIN, classes, 1);
    write(store, "val", VAL, classes, 2);
    Map<String, Manifest.SplitCounts> splits = new LinkedHashMap<>();
    splits.put("train", new Manifest.SplitCounts(TRAIN, TRAIN, 0));
    splits.put("val", new Manifest.SplitCounts(VAL, VAL, 0));
    ManifestIO.write(store, new Manifest("bench", "now", "bench", Map.of("name", "synthetic"), Map.of(), classes,
        DIM, 0, splits, List.of(), Map.of(), "none", true));

    // warm-up: class loading, libtorch start, JIT
    new FeatureStoreReader(store).load(List.of("train", "val"), List.of(), false);
    long t0 = System.nanoTime();
    LoadedFeatures f = new FeatureStoreReader(store).load(List.of("train", "val"), List.of(), false);
    double load = (System.nanoTime() - t0) / 1e9;
    System.out.printf("load: %.3f s (%d + %d rows x %d)%n", load, TRAIN, VAL, DIM);

    int bs = args.length > 0 ? Integer.parseInt(args[0]) : TrainConfig.DEFAULTS.batchSize();
    try (TrainingData data = TrainingData.of(f)) {
      HeadTrainer trainer = new HeadTrainer(data);
      TrainConfig cfg = with(TrainConfig.DEFAULTS, bs);
      trainer.train(with(cfg, bs), s -> {}); // warm-up
      long t1 = System.nanoTime();
      TrainOutcome o = trainer.train(with(cfg, bs), s -> {});
      double run = (System.nanoTime() - t1) / 1e9;
      System.out.printf("one run: %.3f s (linear, %s, batch %d, %d epochs, best val acc %.4f)%n", run,
          cfg.optimizer(), bs, cfg.epochs(), o.bestValAccuracy());
    }
  }

  static TrainConfig with(TrainConfig c, int bs) {
    return new TrainConfig(c.features(), c.runs(), c.name(), "linear", c.hidden(), c.dropout(), c.standardize(),
        c.optimizer(), c.lr(), c.momentum(), c.weightDecay(), bs, c.epochs(), c.scheduler(), c.stepSize(),
        c.gamma(), c.labelSmoothing(), c.seed(), c.patience(), c.useViews(), Map.of(), c.parallel());
  }

  static void write(String store, String split, int rows, List<String> classes, long seed) throws Exception {
    SplittableRandom rnd = new SplittableRandom(seed);
    SplittableRandom cr = new SplittableRandom(99);
    float[][] centre = new float[classes.size()][DIM];
    for (float[] c : centre) for (int d = 0; d < DIM; d++) c[d] = (float) cr.nextGaussian() * 0.15f;
    try (FeaturePartWriter w = FeaturePartWriter.open(store, split, 0)) {
      for (int i = 0; i < rows; i++) {
        int c = i % classes.size();
        float[] x = new float[DIM];
        for (int d = 0; d < DIM; d++) x[d] = centre[c][d] + (float) rnd.nextGaussian();
        w.write(new FeatureRow(split + "/" + i + ".png", split, c, classes.get(c), 0, "h" + i, x));
      }
    }
  }
}
