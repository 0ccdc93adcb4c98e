import dev.headstart.report.ReportStage;
import dev.headstart.runs.ClassificationMetrics;
import dev.headstart.runs.HistoryRow;
import dev.headstart.runs.Prediction;
import dev.headstart.runs.RunConfig;
import dev.headstart.runs.RunMetrics;
import dev.headstart.runs.RunWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Report-stage benchmark (not a test): writes N run folders with RunWriter (default 200: a big
 * head sweep plus finetune and scratch baselines; 25 epochs, 10 classes, 2,000 validation
 * predictions each) and times ReportStage over them, three times. Prints seconds per report and
 * runs per second. Run:
 *   mvn -q -B -DskipTests package && java -cp target/headstart.jar bench/ReportBench.java [N]
 */
public final class ReportBench {
  static final int EPOCHS = 25, CLASSES = 10, VAL = 2_000;

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    Path dir = Files.createTempDirectory("headstart-report-bench");
    Path runs = dir.resolve("runs");
    List<String> classes = new ArrayList<>();
    for (int c = 0; c < CLASSES; c++) classes.add("class" + c);
    SplittableRandom rnd = new SplittableRandom(1);
    long w0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      String method = i == 0 ? "finetune" : i == 1 ? "scratch" : "head";
      writeRun(runs, method + "-" + i, method, classes, rnd);
    }
    System.out.printf("wrote %d runs in %.2f s%n", n, (System.nanoTime() - w0) / 1e9);
    for (int rep = 0; rep < 3; rep++) {
      long t0 = System.nanoTime();
      ReportStage.Result r = ReportStage.run(new ReportStage.Options(runs, dir.resolve("reports"), Optional.empty(),
          24, List.of()));
      double s = (System.nanoTime() - t0) / 1e9;
      System.out.printf("report %d: %d runs in %.2f s (%.0f runs/s), index.html %.1f MB%n", rep + 1,
          r.tables().runs().size(), s, r.tables().runs().size() / s, Files.size(r.index()) / 1e6);
    }
  }

  static void writeRun(Path runs, String name, String method, List<String> classes, SplittableRandom rnd)
      throws Exception {
    double peak = method.equals("scratch") ? 0.6 : 0.8 + 0.15 * rnd.nextDouble();
    double perEpoch = method.equals("head") ? 0.05 : 20;
    try (RunWriter w = RunWriter.create(runs, name)) {
      w.writeConfig(new RunConfig(name, method, Map.of("name", "bench"), "", "", Map.of(), classes,
          Map.of("lr", 0.01, "batch_size", 16.0, "optimizer", "sgd", "head", "linear"), "w", "", "bench"));
      List<HistoryRow> rows = new ArrayList<>();
      for (int e = 1; e <= EPOCHS; e++) {
        double acc = peak * (1 - Math.exp(-0.3 * e));
        rows.add(new HistoryRow(e, "train", 2 * Math.exp(-0.2 * e), acc + 0.05, perEpoch * 0.8));
        rows.add(new HistoryRow(e, "val", 2 * Math.exp(-0.15 * e), acc, perEpoch * 0.2));
      }
      w.appendHistory(rows);
      int[] labels = new int[VAL];
      int[] predicted = new int[VAL];
      List<Prediction> predictions = new ArrayList<>();
      for (int i = 0; i < VAL; i++) {
        labels[i] = i % classes.size();
        predicted[i] = rnd.nextDouble() < peak ? labels[i] : rnd.nextInt(classes.size());
        predictions.add(new Prediction("val/" + classes.get(labels[i]) + "/" + i + ".png", labels[i],
            classes.get(labels[i]), predicted[i], classes.get(predicted[i]), 0.5 + 0.5 * rnd.nextDouble()));
      }
      w.writePredictions(predictions);
      ClassificationMetrics m = ClassificationMetrics.of(labels, predicted, classes);
      w.commit(new RunMetrics(name, method, EPOCHS, m.accuracy(), 0.5, peak, EPOCHS, EPOCHS * perEpoch,
          perEpoch, 0.5, 5000, VAL, classes, m.perClassAccuracy(), m.confusion()));
    }
  }
}
