package dev.headstart.head;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.headstart.cli.Headstart;
import dev.headstart.features.FeatureRow;
import dev.headstart.features.FeatureSplit;
import dev.headstart.features.FeatureStoreReader;
import dev.headstart.features.ManifestIO;
import dev.headstart.features.SyntheticStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The train stage end to end through ./train's command line, on synthetic feature stores. */
class TrainCommandTest {
  @TempDir Path dir;
  private String store;
  private Path runs;

  private static final List<String> TWO = List.of("cats", "dogs");

  @BeforeEach
  void setUp() {
    store = dir.resolve("features").toString();
    runs = dir.resolve("runs");
  }

  private int train(String... args) {
    List<String> all = new ArrayList<>(List.of("train", "--config", dir.resolve("pipeline.yaml").toString(),
        "--features", store, "--runs", runs.toString()));
    all.addAll(List.of(args));
    return Headstart.execute(all.toArray(String[]::new));
  }

  /** Runs ./train and returns its exit code and stderr. */
  private Object[] trainCapturingErr(String... args) {
    PrintStream old = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      int code = train(args);
      return new Object[] {code, err.toString(StandardCharsets.UTF_8)};
    } finally {
      System.setErr(old);
    }
  }

  private static JsonObject json(Path file) throws Exception {
    return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
  }

  private List<Path> runDirs() throws Exception {
    if (!Files.exists(runs)) return List.of();
    try (Stream<Path> s = Files.list(runs)) {
      return s.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
    }
  }

  /** history.csv without the seconds column, which is wall time and differs run to run. */
  private static List<String> historyWithoutTimes(Path run) throws Exception {
    return Files.readAllLines(run.resolve("history.csv")).stream()
        .map(l -> l.substring(0, l.lastIndexOf(','))).toList();
  }

  @Test
  void wellSeparatedClassesReachFullValidationAccuracy() throws Exception {
    SyntheticStore.write(store, TWO, 60, 20, 16, 3.0, 0);
    assertThat(train("--epochs", "8", "--batch-size", "8", "--lr", "0.01", "--name", "sep")).isZero();
    Path run = runs.resolve("sep");
    JsonObject metrics = json(run.resolve("metrics.json"));
    assertThat(metrics.get("best_val_accuracy").getAsDouble()).isEqualTo(1.0);
    assertThat(metrics.get("val_count").getAsInt()).isEqualTo(40);
    assertThat(metrics.getAsJsonObject("per_class_accuracy").get("dogs").getAsDouble()).isEqualTo(1.0);
    assertThat(metrics.getAsJsonArray("confusion").get(0).getAsJsonArray().get(0).getAsInt()).isEqualTo(20);
    assertThat(Files.readAllLines(run.resolve("history.csv"))).hasSize(1 + 2 * 8);
    assertThat(Files.readAllLines(run.resolve("predictions.csv"))).hasSize(1 + 40);
    JsonObject config = json(run.resolve("config.json"));
    assertThat(config.get("method").getAsString()).isEqualTo("head");
    assertThat(config.get("features_fingerprint").getAsString()).isEqualTo(SyntheticStore.FINGERPRINT);
    assertThat(config.getAsJsonObject("backbone").get("sha256").getAsString()).isEqualTo("abc123");
    assertThat(config.getAsJsonObject("hyperparameters").get("epochs").getAsInt()).isEqualTo(8);
    assertThat(run.resolve("weights/head.params")).isRegularFile();
  }

  @Test
  void theSameSeedGivesTheSameHistoryTwice() throws Exception {
    SyntheticStore.write(store, List.of("a", "b", "c"), 40, 15, 12, 0.7, 0);
    String[] mlp = {"--head", "mlp", "--hidden", "16", "--dropout", "0.3", "--epochs", "5",
        "--optimizer", "adam", "--lr", "0.01"};
    assertThat(train(concat(mlp, "--name", "one", "--seed", "11"))).isZero();
    assertThat(train(concat(mlp, "--name", "two", "--seed", "11"))).isZero();
    assertThat(train(concat(mlp, "--name", "other", "--seed", "12"))).isZero();
    List<String> one = historyWithoutTimes(runs.resolve("one"));
    assertThat(historyWithoutTimes(runs.resolve("two"))).isEqualTo(one);
    assertThat(historyWithoutTimes(runs.resolve("other"))).isNotEqualTo(one);
    assertThat(Files.readAllBytes(runs.resolve("two/weights/head.params")))
        .isEqualTo(Files.readAllBytes(runs.resolve("one/weights/head.params")));
  }

  @Test
  void aSweepOfFourPointsWritesFourRunsAndARanking() throws Exception {
    SyntheticStore.write(store, List.of("a", "b", "c"), 40, 15, 12, 0.6, 0);
    assertThat(train("--epochs", "4", "--sweep", "lr=0.1,0.0001", "head=linear,mlp", "--hidden", "8",
        "--name", "grid")).isZero();
    List<Path> dirs = runDirs();
    assertThat(dirs).hasSize(4);
    for (Path d : dirs) assertThat(d.resolve("metrics.json")).isRegularFile();
    List<String> csv = Files.readAllLines(runs.resolve("grid.csv"));
    assertThat(csv.get(0)).startsWith("rank,run,head,lr,best_val_accuracy");
    assertThat(csv).hasSize(5);
    double previous = 2;
    List<String> names = new ArrayList<>();
    for (String line : csv.subList(1, 5)) {
      String[] f = line.split(",");
      double acc = Double.parseDouble(f[4]);
      assertThat(acc).isLessThanOrEqualTo(previous);
      previous = acc;
      names.add(f[1]);
      double recorded = json(runs.resolve(f[1]).resolve("metrics.json")).get("best_val_accuracy").getAsDouble();
      assertThat(acc).isCloseTo(recorded, org.assertj.core.data.Offset.offset(1e-6));
    }
    assertThat(names).doesNotHaveDuplicates();
    assertThat(dirs.stream().map(p -> p.getFileName().toString())).containsExactlyInAnyOrderElementsOf(names);
  }

  @Test
  void theBestEpochsWeightsReloadedGiveTheRecordedValidationAccuracy() throws Exception {
    SyntheticStore.write(store, List.of("a", "b", "c"), 40, 20, 12, 0.5, 0);
    assertThat(train("--epochs", "12", "--head", "mlp", "--hidden", "16", "--standardize", "--name", "best",
        "--optimizer", "sgd", "--lr", "0.05")).isZero();
    Path run = runs.resolve("best");
    JsonObject metrics = json(run.resolve("metrics.json"));
    double recorded = metrics.get("best_val_accuracy").getAsDouble();
    int bestEpoch = metrics.get("best_epoch").getAsInt();
    // the best epoch is not simply the last one here, which is what makes the check meaningful
    List<String> valLines = Files.readAllLines(run.resolve("history.csv")).stream()
        .filter(l -> l.contains(",val,")).toList();
    assertThat(Double.parseDouble(valLines.get(bestEpoch - 1).split(",")[3]))
        .isCloseTo(recorded, org.assertj.core.data.Offset.offset(1e-6));
    assertThat(valLines.stream().mapToDouble(l -> Double.parseDouble(l.split(",")[3])).max().orElseThrow())
        .isCloseTo(recorded, org.assertj.core.data.Offset.offset(1e-6));

    FeatureSplit val = new FeatureStoreReader(store).load(List.of("val"), List.of(), false).split("val");
    try (NDManager m = NDManager.newBaseManager()) {
      SequentialBlock head = HeadIO.loadFromRun(run, m);
      NDArray x = m.create(val.features(), new Shape(val.rows(), val.dim()));
      long[] pred = head.forward(new ParameterStore(m, false), new NDList(x), false).singletonOrThrow()
          .argMax(1).toLongArray();
      int correct = 0;
      for (int i = 0; i < pred.length; i++) if (pred[i] == val.labels()[i]) correct++;
      assertThat((double) correct / val.rows()).isEqualTo(recorded);
      List<String> predictions = Files.readAllLines(run.resolve("predictions.csv"));
      for (int i = 0; i < pred.length; i++) {
        assertThat(Integer.parseInt(predictions.get(i + 1).split(",")[3])).as("row %d: %s", i, predictions.get(i + 1)).isEqualTo((int) pred[i]);
      }
    }
  }

  private void assertRefused(String expected, String... args) throws Exception {
    Object[] r = trainCapturingErr(args);
    assertThat((int) r[0]).as("exit code, stderr: %s", r[1]).isEqualTo(2);
    assertThat((String) r[1]).contains(expected);
    assertThat(runDirs()).as("no run may start").isEmpty();
  }

  @Test
  void aMissingOrEmptyFeaturesFolderIsRefused() throws Exception {
    assertRefused("does not exist");
    Files.createDirectories(Path.of(store));
    assertRefused("is empty");
  }

  @Test
  void aSplitWithoutRowsIsRefused() throws Exception {
    List<FeatureRow> train = SyntheticStore.rows("train", TWO, 5, 4, 2.0, 0, 1);
    SyntheticStore.writeSplit(store, "train", train, 1);
    SyntheticStore.writeManifest(store, SyntheticStore.manifest(TWO, 4, 0, Map.of("train", train.size())));
    assertRefused("split 'val'");
  }

  @Test
  void aLabelOutsideTheClassListIsRefused() throws Exception {
    SyntheticStore.write(store, TWO, 5, 3, 4, 2.0, 0);
    List<FeatureRow> val = new ArrayList<>(SyntheticStore.rows("val", TWO, 3, 4, 2.0, 0, 2));
    FeatureRow r = val.get(0);
    val.set(0, new FeatureRow(r.path(), "val", 2, "birds", 0, r.contentHash(), r.features()));
    SyntheticStore.writeSplit(store, "val", val, 1);
    assertRefused("label 2, outside");
  }

  @Test
  void nanFeaturesAreRefusedNamingTheImage() throws Exception {
    SyntheticStore.write(store, TWO, 5, 3, 4, 2.0, 0);
    List<FeatureRow> train = SyntheticStore.rows("train", TWO, 5, 4, 2.0, 0, 1);
    train.get(3).features()[0] = Float.NaN;
    SyntheticStore.writeSplit(store, "train", train, 2);
    assertRefused(train.get(3).path());
  }

  @Test
  void outOfRangeHyperparametersAreRefused() throws Exception {
    SyntheticStore.write(store, TWO, 5, 3, 4, 2.0, 0);
    assertRefused("'train.lr' must be greater than 0", "--lr", "-0.1");
    assertRefused("'train.dropout' must be at least 0 and below 1", "--dropout", "1.0");
    assertRefused("'train.head' must be one of", "--head", "cnn");
    assertRefused("unknown key 'train.sweep.lrr'", "--sweep", "lrr=0.1,0.2");
    assertRefused("'train.momentum'", "--sweep", "momentum=0.9,1.5");
    assertRefused("'train.name' must be a plain folder name", "--name", "../elsewhere");
    assertRefused("'train.batch_size' must be 0 or more", "--batch-size", "-4");
  }

  @Test
  void patienceStopsWhenValidationLossStopsFalling() throws Exception {
    SyntheticStore.write(store, List.of("a", "b", "c"), 40, 15, 12, 0.5, 0);
    // a large constant learning rate overfits quickly, so val loss turns up early
    assertThat(train("--epochs", "60", "--patience", "2", "--lr", "0.5", "--scheduler", "none", "--head", "mlp",
        "--hidden", "64", "--dropout", "0", "--name", "patient")).isZero();
    JsonObject metrics = json(runs.resolve("patient/metrics.json"));
    int epochs = metrics.get("epochs").getAsInt();
    assertThat(epochs).isLessThan(60);
    List<Double> valLoss = Files.readAllLines(runs.resolve("patient/history.csv")).stream()
        .filter(l -> l.contains(",val,")).map(l -> Double.parseDouble(l.split(",")[2])).toList();
    assertThat(valLoss).hasSize(epochs);
    double lowestBefore = valLoss.subList(0, epochs - 2).stream().mapToDouble(Double::doubleValue).min().orElseThrow();
    // the last two epochs did not go below the lowest loss before them: exactly why it stopped
    assertThat(valLoss.get(epochs - 1)).isGreaterThanOrEqualTo(lowestBefore);
    assertThat(valLoss.get(epochs - 2)).isGreaterThanOrEqualTo(lowestBefore);
    assertThat(json(runs.resolve("patient/config.json")).getAsJsonObject("hyperparameters")
        .get("stopped_early").getAsBoolean()).isTrue();
  }

  @Test
  void augmentedViewsTrainOnlyWhenAskedAndNeverValidate() throws Exception {
    SyntheticStore.write(store, TWO, 30, 10, 8, 3.0, 2);
    assertThat(train("--epochs", "2", "--name", "plain")).isZero();
    assertThat(train("--epochs", "2", "--use-views", "--name", "views")).isZero();
    JsonObject plain = json(runs.resolve("plain/metrics.json"));
    JsonObject views = json(runs.resolve("views/metrics.json"));
    assertThat(plain.get("train_count").getAsInt()).isEqualTo(60);
    assertThat(views.get("train_count").getAsInt()).isEqualTo(180);
    assertThat(views.get("val_count").getAsInt()).isEqualTo(20);
    assertThat(Files.readAllLines(runs.resolve("views/predictions.csv"))).hasSize(21);
  }

  @Test
  void headsTrainedTogetherInASweepMatchTheSameHeadsTrainedAlone() throws Exception {
    SyntheticStore.write(store, List.of("a", "b", "c"), 40, 15, 12, 0.6, 0);
    assertThat(train("--epochs", "5", "--sweep", "lr=0.1,0.01", "head=linear,mlp", "--hidden", "8",
        "--dropout", "0", "--name", "together")).isZero();
    assertThat(train("--epochs", "5", "--lr", "0.01", "--head", "mlp", "--hidden", "8", "--dropout", "0",
        "--name", "alone")).isZero();
    String together = HeadRunWriter.name(dev.headstart.config.RecordBinder.bind("train",
        Map.of("epochs", 5, "lr", 0.01, "head", "mlp", "hidden", List.of(8), "dropout", 0.0),
        dev.headstart.config.TrainConfig.DEFAULTS), SyntheticStore.FINGERPRINT);
    Path inSweep = runs.resolve(together);
    Path solo = runs.resolve("alone");
    assertThat(historyWithoutTimes(inSweep)).isEqualTo(historyWithoutTimes(solo));
    assertThat(Files.readAllBytes(inSweep.resolve("weights/head.params")))
        .isEqualTo(Files.readAllBytes(solo.resolve("weights/head.params")));
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
