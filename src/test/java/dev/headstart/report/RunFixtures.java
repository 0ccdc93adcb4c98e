package dev.headstart.report;

import dev.headstart.features.Manifest;
import dev.headstart.io.Json;
import dev.headstart.runs.ClassificationMetrics;
import dev.headstart.runs.HistoryRow;
import dev.headstart.runs.Prediction;
import dev.headstart.runs.RunConfig;
import dev.headstart.runs.RunMetrics;
import dev.headstart.runs.RunWriter;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * Run folders written with the real RunWriter, with values shaped like the seeds' published runs
 * (head fast and accurate, finetune slower, scratch far behind), validation images on disk, and
 * an extract manifest. Every metric is computed from the predictions, so the files agree.
 */
final class RunFixtures {
  /** A class name that must be escaped in HTML, and one with a comma for the CSVs. */
  static final List<String> CLASSES = List.of("ant", "bee", "<b>wasp&co</b>", "fly, house");
  static final int VAL_PER_CLASS = 6;
  static final double EXTRACTION_SECONDS = 12.5;

  /** What one fixture run is: method, epochs, how many validation images it gets right, seconds per epoch. */
  record Spec(String name, String method, int epochs, int correct, double secondsPerEpoch, double setup,
      Map<String, Object> hyper) {
    /** The best validation accuracy: correct of the 24 validation images. */
    double peak() {
      return (double) correct / (CLASSES.size() * VAL_PER_CLASS);
    }
  }

  static final List<Spec> SPECS = List.of(
      new Spec("head-linear", "head", 12, 22, 0.05, 0.2,
          hyper("head", "linear", "optimizer", "sgd", "lr", 0.01, "batch_size", 16.0, "epochs", 12.0)),
      new Spec("head-mlp", "head", 12, 20, 0.08, 0.2,
          hyper("head", "mlp", "optimizer", "adam", "lr", 0.001, "batch_size", 32.0, "epochs", 12.0)),
      new Spec("finetune", "finetune", 8, 21, 9.0, 1.5,
          hyper("head", "linear", "optimizer", "sgd", "lr", 0.001, "batch_size", 8.0, "epochs", 8.0)),
      new Spec("scratch", "scratch", 8, 12, 8.0, 1.0,
          hyper("head", "linear", "optimizer", "sgd", "lr", 0.001, "batch_size", 8.0, "epochs", 8.0)));

  private RunFixtures() {}

  /** Writes images/, features/manifest.json and runs/ under root; returns the runs folder. */
  static Path write(Path root) throws IOException {
    Path images = root.resolve("images");
    List<String> valPaths = writeImages(images);
    writeManifest(root.resolve("features"), images);
    Path runs = root.resolve("runs");
    for (Spec s : SPECS) writeRun(runs, s, valPaths);
    return runs;
  }

  static Map<String, Object> hyper(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
    return m;
  }

  /** The accuracy curve of a run: rises towards peak, best at the last-but-one epoch. */
  static double valAccuracy(Spec s, int epoch) {
    double a = s.peak() * (1 - Math.exp(-0.6 * epoch));
    return epoch == s.epochs() - 1 ? s.peak() : Math.min(a, s.peak() - 0.01);
  }

  static int bestEpoch(Spec s) {
    return s.epochs() - 1;
  }

  static void writeRun(Path runs, Spec s, List<String> valPaths) throws IOException {
    try (RunWriter w = RunWriter.create(runs, s.name())) {
      w.writeConfig(config(s));
      List<HistoryRow> rows = new ArrayList<>();
      for (int e = 1; e <= s.epochs(); e++) {
        double val = valAccuracy(s, e);
        // a weaker run keeps a higher loss floor
        double floor = 1.2 * (1 - s.peak());
        rows.add(new HistoryRow(e, "train", 1.6 * Math.exp(-0.3 * e) + 0.8 * floor, Math.min(1, val + 0.05),
            s.secondsPerEpoch() * 0.8));
        rows.add(new HistoryRow(e, "val", 1.4 * Math.exp(-0.25 * e) + floor, val, s.secondsPerEpoch() * 0.2));
      }
      w.appendHistory(rows);
      List<Prediction> predictions = predictions(s, valPaths);
      w.writePredictions(predictions);
      int[] labels = predictions.stream().mapToInt(Prediction::label).toArray();
      int[] predicted = predictions.stream().mapToInt(Prediction::predicted).toArray();
      ClassificationMetrics cm = ClassificationMetrics.of(labels, predicted, CLASSES);
      w.commit(new RunMetrics(s.name(), s.method(), bestEpoch(s), cm.accuracy(), 0.31, Math.min(1, s.peak() + 0.05),
          s.epochs(), s.setup() + s.epochs() * s.secondsPerEpoch(), s.secondsPerEpoch(), s.setup(),
          CLASSES.size() * 20, valPaths.size(), CLASSES, cm.perClassAccuracy(), cm.confusion()));
    }
  }

  static RunConfig config(Spec s) {
    return new RunConfig(s.name(), s.method(),
        Map.of("uri", "backbones/tiny_cnn.pt", "sha256", "ab12", "name", "tiny_cnn"),
        s.method().equals("head") ? "fp-features" : "", s.method().equals("head") ? "" : "fp-images",
        Map.of("input_size", 32.0), CLASSES, s.hyper(), "weights/best.pt", "2026-11-26T02:00:00Z", "0.1.0");
  }

  /** Predictions with exactly spec.correct right; a mistake predicts the next class. */
  static List<Prediction> predictions(Spec s, List<String> valPaths) {
    int n = valPaths.size();
    int wrong = n - s.correct();
    Random rnd = new Random(s.name().hashCode());
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < n; i++) order.add(i);
    java.util.Collections.shuffle(order, rnd);
    List<Prediction> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int label = i / VAL_PER_CLASS;
      boolean isWrong = order.indexOf(i) < wrong;
      int predicted = isWrong ? (label + 1) % CLASSES.size() : label;
      out.add(new Prediction(valPaths.get(i), label, CLASSES.get(label), predicted, CLASSES.get(predicted),
          isWrong ? 0.55 : 0.9));
    }
    return out;
  }

  /** 28x28 PNGs under images/val/<class index>/; returns their paths relative to images/. */
  static List<String> writeImages(Path images) throws IOException {
    List<String> paths = new ArrayList<>();
    for (int c = 0; c < CLASSES.size(); c++) {
      for (int i = 0; i < VAL_PER_CLASS; i++) {
        String rel = "val/class" + c + "/img" + i + ".png";
        Path file = images.resolve(rel);
        Files.createDirectories(file.getParent());
        BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.getHSBColor(c / (float) CLASSES.size(), 0.7f, 0.9f));
        g.fillRect(0, 0, 28, 28);
        g.setColor(Color.BLACK);
        g.fillOval(4 + i, 4 + i, 12, 12);
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
        paths.add(rel);
      }
    }
    return paths;
  }

  static void writeManifest(Path features, Path images) throws IOException {
    Manifest m = new Manifest("0.1.0", "2026-11-26T01:50:00Z", "fp-features",
        Map.of("uri", "backbones/tiny_cnn.pt", "name", "tiny_cnn"), Map.of("input_size", 32), CLASSES, 32, 0,
        Map.of("train", new Manifest.SplitCounts(CLASSES.size() * 20, CLASSES.size() * 20, 0),
            "val", new Manifest.SplitCounts(CLASSES.size() * VAL_PER_CLASS, CLASSES.size() * VAL_PER_CLASS, 0)),
        List.of(), Map.of("seconds", EXTRACTION_SECONDS, "images_per_second", 8.0),
        images.toAbsolutePath().toString(), true, dev.headstart.features.FeatureStoreLayout.LAYOUT, "listing",
        "rows/fingerprint=fp-features", List.of());
    Json.writeFile(features.resolve(Manifest.FILE_NAME), m);
  }
}
