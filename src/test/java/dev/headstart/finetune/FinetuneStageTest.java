package dev.headstart.finetune;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.repository.zoo.ZooModel;
import dev.headstart.cli.Headstart;
import dev.headstart.extract.BackboneLoader;
import dev.headstart.extract.ImageDecoder;
import dev.headstart.extract.Preprocessor;
import dev.headstart.extract.RgbImage;
import dev.headstart.io.Json;
import dev.headstart.runs.RunConfig;
import dev.headstart.runs.RunLayout;
import dev.headstart.runs.RunMetrics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The finetune stage end to end on a generated three-class image folder and the tiny_cnn fixture:
 * one invocation trains finetune, partial and scratch runs (a few seconds on 2 cores), and the
 * tests check what each mode promises from the run folders it wrote.
 */
class FinetuneStageTest {
  static final Path FIXTURES = Path.of("src/test/resources/fixtures/backbones").toAbsolutePath();
  static final Path TINY_TRAINABLE = FIXTURES.resolve("tiny_cnn-trainable.pt");

  @TempDir static Path dir;
  static Path runs;
  static String stderr;

  @BeforeAll
  static void trainAllModes() throws IOException {
    TinyImageFolder.create(dir.resolve("images"), 24, 12, 1);
    Path yaml = dir.resolve("pipeline.yaml");
    Files.writeString(yaml, String.join("\n",
        "data:", "  root: images",
        "backbone:", "  uri: " + FIXTURES.resolve("tiny_cnn.pt"),
        "finetune:", "  runs: runs", "  batch_size: 8", "  threads: 2", ""));
    PrintStream old = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int code;
    try {
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      code = Headstart.execute("finetune", "--config", yaml.toString(),
          "--modes", "finetune,partial,scratch", "--epochs", "4", "--lr", "0.01",
          "--train-blocks", "1", "--seed", "3", "--step-size", "3");
    } finally {
      System.setErr(old);
    }
    stderr = captured.toString(StandardCharsets.UTF_8);
    assertThat(code).as(stderr).isZero();
    runs = dir.resolve("runs");
  }

  static Path run(String mode) throws IOException {
    try (Stream<Path> s = Files.list(runs)) {
      return s.filter(p -> p.getFileName().toString().startsWith(mode + "-tiny_cnn-lr0.01-e4-"))
          .findFirst().orElseThrow();
    }
  }

  /** history.csv as split -> val/train accuracy per epoch. */
  static List<Double> accuracies(Path run, String split) throws IOException {
    List<Double> out = new ArrayList<>();
    for (String line : Files.readAllLines(run.resolve(RunLayout.HISTORY))) {
      String[] f = line.split(",");
      if (f[1].equals(split)) out.add(Double.parseDouble(f[3]));
    }
    return out;
  }

  @Test
  void everyModeWritesTheRunLayoutWithProgressOnStderr() throws IOException {
    for (String mode : List.of("finetune", "partial", "scratch")) {
      Path run = run(mode);
      assertThat(run.resolve(RunLayout.CONFIG)).isRegularFile();
      assertThat(run.resolve(RunLayout.PREDICTIONS)).isRegularFile();
      assertThat(Files.readAllLines(run.resolve(RunLayout.HISTORY)))
          .hasSize(1 + 2 * 4).first().isEqualTo(RunLayout.HISTORY_HEADER);
      RunMetrics m = Json.read(run.resolve(RunLayout.METRICS), RunMetrics.class);
      assertThat(m.method()).isEqualTo(mode);
      assertThat(m.trainCount()).isEqualTo(72);
      assertThat(m.valCount()).isEqualTo(36);
      assertThat(m.secondsPerEpoch()).isPositive();
      RunConfig c = Json.read(run.resolve(RunLayout.CONFIG), RunConfig.class);
      assertThat(c.dataFingerprint()).startsWith("sha256:");
      assertThat(c.backbone().get("sha256")).asString().hasSize(64);
      assertThat(c.hyperparameters()).containsEntry("mode", mode);
      assertThat(run.resolve(c.weights())).isRegularFile();
    }
    assertThat(stderr).contains("batches/s").contains("ETA").contains("loss");
  }

  @Test
  void finetuneImprovesValidationAccuracyOverItsFirstEpoch() throws IOException {
    List<Double> val = accuracies(run("finetune"), "val");
    assertThat(val.get(0)).isLessThan(0.95);
    assertThat(val.stream().mapToDouble(Double::doubleValue).max().orElseThrow())
        .isGreaterThan(val.get(0)).isGreaterThanOrEqualTo(0.8);
  }

  @Test
  void partialLeavesTheFrozenBlocksBitIdentical() throws IOException {
    Map<String, float[]> pretrained = pretrainedBackbone();
    try (FinetunedModel m = FinetunedModel.load(run("partial"))) {
      Map<String, float[]> after = m.backboneParameters();
      assertThat(after.keySet()).containsExactlyElementsOf(pretrained.keySet());
      for (String name : pretrained.keySet()) {
        boolean same = Arrays.equals(pretrained.get(name), after.get(name));
        if (name.startsWith("features.2.")) {
          assertThat(same).as("trained block parameter %s changed", name).isFalse();
        } else {
          assertThat(same).as("frozen parameter %s is bit-identical", name).isTrue();
        }
      }
      assertThat(m.config().hyperparameters().get("trained_parameters")).asList()
          .containsExactly("features.2.0.weight", "features.2.1.weight", "features.2.1.bias");
    }
  }

  @Test
  void finetuneTrainsEveryBackboneBlock() throws IOException {
    Map<String, float[]> pretrained = pretrainedBackbone();
    try (FinetunedModel m = FinetunedModel.load(run("finetune"))) {
      m.backboneParameters().forEach((name, values) ->
          assertThat(Arrays.equals(values, pretrained.get(name))).as(name).isFalse());
    }
  }

  @Test
  void bestEpochWeightsReloadedGiveTheRecordedValidationAccuracy() throws IOException {
    for (String mode : List.of("finetune", "scratch")) {
      Path run = run(mode);
      RunMetrics metrics = Json.read(run.resolve(RunLayout.METRICS), RunMetrics.class);
      List<String> lines = Files.readAllLines(run.resolve(RunLayout.PREDICTIONS));
      try (FinetunedModel m = FinetunedModel.load(run)) {
        Preprocessor pre = m.preprocessor();
        ImageDecoder decoder = new ImageDecoder(1 << 24);
        int correct = 0;
        for (String line : lines.subList(1, lines.size())) {
          String[] f = line.split(",");
          RgbImage img = decode(decoder, dir.resolve("images").resolve(f[0]));
          float[] x = pre.eval(img);
          float[] probs = m.probabilities(x, 1)[0];
          // predict reuses one batch buffer: only the first n images count
          assertThat(m.probabilities(Arrays.copyOf(x, 3 * x.length), 1)[0]).containsExactly(probs);
          int predicted = argmax(probs);
          assertThat(predicted).as(f[0]).isEqualTo(Integer.parseInt(f[3]));
          assertThat((double) probs[predicted]).isCloseTo(Double.parseDouble(f[5]),
              org.assertj.core.data.Offset.offset(1e-4));
          if (predicted == Integer.parseInt(f[1])) correct++;
        }
        assertThat((double) correct / (lines.size() - 1)).isEqualTo(metrics.bestValAccuracy());
      }
    }
  }

  @Test
  void scratchRunRecordsItsInitAndLearns() throws IOException {
    Path run = run("scratch");
    RunConfig c = Json.read(run.resolve(RunLayout.CONFIG), RunConfig.class);
    assertThat(c.hyperparameters().get("init")).asString().contains("kaiming_normal");
    Map<String, float[]> pretrained = pretrainedBackbone();
    try (FinetunedModel m = FinetunedModel.load(run)) {
      m.backboneParameters().forEach((name, values) ->
          assertThat(Arrays.equals(values, pretrained.get(name))).as(name).isFalse());
    }
    RunMetrics metrics = Json.read(run.resolve(RunLayout.METRICS), RunMetrics.class);
    assertThat(metrics.bestValAccuracy()).isGreaterThan(1.0 / 3);
  }

  @Test
  void adamwCosineMlpHeadOnASpatialBackboneReloadsWithItsRecordedAccuracy() throws IOException {
    Path other = dir.resolve("runs-spatial");
    int code = Headstart.execute("finetune", "--config", dir.resolve("pipeline.yaml").toString(),
        "--backbone", FIXTURES.resolve("tiny_cnn_spatial.pt").toString(), "--runs", other.toString(),
        "--modes", "finetune", "--epochs", "2", "--optimizer", "adamw", "--scheduler", "cosine",
        "--head", "mlp", "--lr", "0.003");
    assertThat(code).isZero();
    Path run;
    try (Stream<Path> s = Files.list(other)) {
      run = s.filter(p -> p.getFileName().toString().startsWith("finetune-tiny_cnn_spatial-")).findFirst()
          .orElseThrow();
    }
    RunMetrics metrics = Json.read(run.resolve(RunLayout.METRICS), RunMetrics.class);
    assertThat(reloadedAccuracy(run)).isEqualTo(metrics.bestValAccuracy());
    RunConfig c = Json.read(run.resolve(RunLayout.CONFIG), RunConfig.class);
    assertThat(c.hyperparameters()).containsEntry("optimizer", "adamw").containsEntry("head", "mlp");
  }

  @Test
  void aHeldOutTestSplitIsScoredWithTheBestValidationEpochsWeights() throws IOException {
    Path other = dir.resolve("runs-test");
    int code = Headstart.execute("finetune", "--config", dir.resolve("pipeline.yaml").toString(),
        "--set", "data.test_fraction=0.25", "--runs", other.toString(), "--modes", "finetune", "--epochs", "3",
        "--lr", "0.01", "--class-weights", "balanced");
    assertThat(code).isZero();
    Path run;
    try (Stream<Path> s = Files.list(other)) {
      run = s.filter(p -> p.getFileName().toString().startsWith("finetune-tiny_cnn-")).findFirst().orElseThrow();
    }
    RunMetrics metrics = Json.read(run.resolve(RunLayout.METRICS), RunMetrics.class);
    // 6 of each class's 24 train images became test images; val is untouched
    assertThat(metrics.trainCount()).isEqualTo(54);
    assertThat(metrics.valCount()).isEqualTo(36);
    assertThat(metrics.test().count()).isEqualTo(18);
    List<String> lines = Files.readAllLines(run.resolve(RunLayout.PREDICTIONS_TEST));
    assertThat(lines).hasSize(19).first().isEqualTo(RunLayout.PREDICTIONS_HEADER);
    assertThat(lines.subList(1, lines.size())).allMatch(l -> l.startsWith("train/"));
    // the saved (best validation epoch) weights give exactly the recorded test accuracy
    assertThat(reloadedAccuracy(run, RunLayout.PREDICTIONS_TEST)).isEqualTo(metrics.test().accuracy());
    assertThat(reloadedAccuracy(run)).isEqualTo(metrics.bestValAccuracy());
    RunConfig c = Json.read(run.resolve(RunLayout.CONFIG), RunConfig.class);
    assertThat(c.hyperparameters()).containsEntry("class_weights", "balanced");
  }

  /** Val accuracy of a run's saved weights, recomputed from the images through FinetunedModel. */
  static double reloadedAccuracy(Path run) throws IOException {
    return reloadedAccuracy(run, RunLayout.PREDICTIONS);
  }

  /** Accuracy of a run's saved weights on the images a predictions file lists, recomputed from the images. */
  static double reloadedAccuracy(Path run, String predictionsFile) throws IOException {
    List<String> lines = Files.readAllLines(run.resolve(predictionsFile));
    try (FinetunedModel m = FinetunedModel.load(run)) {
      Preprocessor pre = m.preprocessor();
      ImageDecoder decoder = new ImageDecoder(1 << 24);
      int correct = 0;
      for (String line : lines.subList(1, lines.size())) {
        String[] f = line.split(",");
        float[] probs = m.probabilities(pre.eval(decode(decoder, dir.resolve("images").resolve(f[0]))), 1)[0];
        if (argmax(probs) == Integer.parseInt(f[1])) correct++;
      }
      return (double) correct / (lines.size() - 1);
    }
  }

  @Test
  void unknownModeIsRefusedWithTheKeyNamed() {
    PrintStream old = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int code;
    try {
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      code = Headstart.execute("finetune", "--config", dir.resolve("pipeline.yaml").toString(),
          "--modes", "fintune");
    } finally {
      System.setErr(old);
    }
    assertThat(code).isEqualTo(2);
    assertThat(captured.toString(StandardCharsets.UTF_8))
        .contains("'finetune.modes[0]' must be one of [finetune, partial, scratch], got 'fintune'");
  }

  static Map<String, float[]> pretrainedBackbone() {
    try (ZooModel<NDList, NDList> model = BackboneLoader.loadTorchScript(TINY_TRAINABLE, Device.cpu(), true)) {
      Map<String, float[]> out = new LinkedHashMap<>();
      ((PtSymbolBlock) model.getBlock()).getParameters()
          .forEach(p -> out.put(p.getKey(), p.getValue().getArray().toFloatArray()));
      return out;
    }
  }

  private static RgbImage decode(ImageDecoder decoder, Path file) {
    try {
      return decoder.decode(file);
    } catch (Exception e) {
      throw new AssertionError(file + ": " + e.getMessage(), e);
    }
  }

  private static int argmax(float[] v) {
    int best = 0;
    for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
    return best;
  }
}
