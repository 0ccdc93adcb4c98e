package dev.headstart.head;

import dev.headstart.config.HeadKind;

import java.util.stream.Collectors;
import dev.headstart.runs.RunNames;
import dev.headstart.config.RecordBinder;
import dev.headstart.config.TrainConfig;
import dev.headstart.config.HeadstartVersion;
import dev.headstart.features.FeatureSplit;
import dev.headstart.features.LoadedFeatures;
import dev.headstart.features.Manifest;
import dev.headstart.runs.ClassificationMetrics;
import dev.headstart.runs.Method;
import dev.headstart.runs.Prediction;
import dev.headstart.runs.RunConfig;
import dev.headstart.runs.RunLayout;
import dev.headstart.runs.RunMetrics;
import dev.headstart.runs.RunWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes one head run in the shared run layout: config.json (hyperparameters and provenance:
 * features fingerprint, backbone, preprocessing, classes), history.csv, predictions.csv on val
 * (and predictions_test.csv on test when there is a test split), weights/head.params (the best
 * epoch) and metrics.json last.
 */
public final class HeadRunWriter {
  /** The head's weights inside the run folder, as RunConfig.weights records it. */
  public static final String WEIGHTS = RunLayout.WEIGHTS_DIR + "/" + HeadIO.FILE_NAME;

  private HeadRunWriter() {}

  /**
   * The manifest's backbone record, with the platform the features were computed on kept as
   * features_platform and this process's own (where the head trained) as platform.
   */
  private static Map<String, Object> backbone(Manifest manifest) {
    Map<String, Object> b = new LinkedHashMap<>(manifest.backbone() == null ? Map.of() : manifest.backbone());
    Object features = b.remove("platform");
    if (features != null) b.put("features_platform", features);
    // heads train on the CPU (TrainingData's manager)
    b.put("platform", dev.headstart.engine.Platform.describe(ai.djl.Device.cpu().toString(), "fp32"));
    return b;
  }

  /** Keys that say where things go or how a sweep is run, not what the head learns. */
  private static final List<String> NOT_SETTINGS = List.of("features", "runs", "name", "sweep", "parallel", "seeds");

  /**
   * The default run name of a head: {@code head-linear-sgd-lr0.001-bs8-e25-<hash>} (with the tap
   * after the head kind when the backbone has taps: {@code head-linear-layer3-...}), the hash over
   * every setting that changes the result and the features' fingerprint.
   */
  public static String name(TrainConfig c, String featuresFingerprint) {
    List<String> parts = new ArrayList<>(List.of("head", c.classifier().head().id()));
    if (!c.tap().isBlank()) parts.add(RunNames.safe(c.tap()));
    if (c.classifier().head() == HeadKind.MLP) {
      parts.add("h" + c.classifier().hidden().stream().map(String::valueOf).collect(Collectors.joining("x")));
    }
    parts.addAll(List.of(c.optimization().optimizer().id(), "lr" + RunNames.number(c.optimization().lr()), "bs" + c.batchSize(), "e" + c.epochs()));
    Map<String, Object> m = settings(c);
    m.put("features_fingerprint", featuresFingerprint);
    return RunNames.of(parts, m, 6);
  }

  /** The settings that decide a head's result, snake_case (what its name's hash covers). */
  public static Map<String, Object> settings(TrainConfig c) {
    Map<String, Object> m = new LinkedHashMap<>(RecordBinder.toMap(c));
    NOT_SETTINGS.forEach(m::remove);
    // a one-output store's features have no tap name: such runs keep the names they always had
    if (c.tap().isBlank()) m.remove("tap");
    return m;
  }

  public static Path write(Path runsDir, String name, TrainOutcome o, LoadedFeatures features,
      double setupSeconds) throws IOException {
    Manifest manifest = features.manifest();
    List<String> classes = manifest.classes();
    FeatureSplit val = features.split("val");
    try (RunWriter w = RunWriter.create(runsDir, name)) {
      w.writeConfig(new RunConfig(name, Method.HEAD.id(), backbone(manifest), manifest.fingerprint(), "",
          manifest.preprocessing(), classes, hyperparameters(o, features.location()), WEIGHTS, Instant.now().toString(),
          HeadstartVersion.VERSION));
      w.appendHistory(o.history());
      w.writePredictions(predictions(val, o.valPredicted(), o.valProbability(), classes));
      RunMetrics.TestMetrics test = null;
      FeatureSplit testSplit = TrainingData.testSplit(features);
      if (o.testPredicted() != null && testSplit != null) {
        w.writeTestPredictions(predictions(testSplit, o.testPredicted(), o.testProbability(), classes));
        test = RunMetrics.TestMetrics.of(ClassificationMetrics.of(testSplit.labels(), o.testPredicted(), classes),
            testSplit.rows());
      }
      Files.write(w.workDir().resolve(WEIGHTS), o.bestParameters());
      ClassificationMetrics cm = ClassificationMetrics.of(val.labels(), o.valPredicted(), classes);
      return w.commit(new RunMetrics(name, Method.HEAD.id(), o.bestEpoch(), o.bestValAccuracy(), o.bestValLoss(),
          o.finalTrainAccuracy(), o.epochsRun(), o.seconds() + setupSeconds, o.secondsPerEpoch(), setupSeconds,
          features.split("train").rows(), val.rows(), classes, cm.perClassAccuracy(), cm.confusion())
          .with(o.config().selectBy().id(), test));
    }
  }

  private static List<Prediction> predictions(FeatureSplit split, int[] predicted, float[] probability,
      List<String> classes) {
    List<Prediction> out = new ArrayList<>(split.rows());
    for (int i = 0; i < split.rows(); i++) {
      int label = split.labels()[i];
      int p = predicted[i];
      out.add(new Prediction(split.paths()[i], label, classes.get(label), p, classes.get(p), probability[i]));
    }
    return out;
  }

  /**
   * The train settings as run, plus the head's shape (input_dim, num_classes) so that
   * {@link HeadSpec#fromHyperparameters} rebuilds the block from config.json alone.
   */
  static Map<String, Object> hyperparameters(TrainOutcome o, String featuresLocation) {
    Map<String, Object> hp = new LinkedHashMap<>(settings(o.config()));
    hp.put("input_dim", o.spec().inputDim());
    hp.put("num_classes", o.spec().numClasses());
    hp.put("features", featuresLocation);
    hp.put("epochs_run", o.epochsRun());
    hp.put("stopped_early", o.stoppedEarly());
    return hp;
  }
}
