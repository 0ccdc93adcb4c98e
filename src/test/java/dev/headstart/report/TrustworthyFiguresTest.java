package dev.headstart.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.headstart.runs.ClassificationMetrics;
import dev.headstart.runs.HistoryRow;
import dev.headstart.runs.Prediction;
import dev.headstart.runs.RunConfig;
import dev.headstart.runs.RunMetrics;
import dev.headstart.runs.RunWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Row;
import tech.tablesaw.api.Table;
import tech.tablesaw.io.csv.CsvReadOptions;

/**
 * The report's held-out test figures, intervals, paired verdict and imbalance warning, on run
 * folders written with the real RunWriter whose predictions are chosen image by image, so every
 * expected figure is a count this test makes.
 */
class TrustworthyFiguresTest {
  @TempDir Path dir;
  private static final List<String> CLASSES = List.of("x", "y");

  /** Images right (true) or wrong (false) of one split; labels alternate x, y unless given. */
  private static boolean[] right(int n, int wrong, int offset) {
    boolean[] r = new boolean[n];
    for (int i = 0; i < n; i++) r[i] = true;
    for (int i = 0; i < wrong; i++) r[(offset + i) % n] = false;
    return r;
  }

  private static List<Prediction> predictions(String split, boolean[] right, int[] labels) {
    List<Prediction> out = new ArrayList<>();
    for (int i = 0; i < right.length; i++) {
      int label = labels[i];
      int p = right[i] ? label : 1 - label;
      out.add(new Prediction(split + "/" + CLASSES.get(label) + "/img" + i + ".png", label, CLASSES.get(label), p,
          CLASSES.get(p), 0.8));
    }
    return out;
  }

  private static int[] alternating(int n) {
    int[] l = new int[n];
    for (int i = 0; i < n; i++) l[i] = i % 2;
    return l;
  }

  private void writeRun(Path runs, String name, String method, boolean[] val, int[] valLabels, boolean[] test,
      Map<String, Object> hyper) throws IOException {
    try (RunWriter w = RunWriter.create(runs, name)) {
      w.writeConfig(new RunConfig(name, method, Map.of("name", "tiny"), "", "", Map.of(), CLASSES, hyper,
          "weights/w", "2026-12-02T00:00:00Z", "0.1.0"));
      double acc = 0;
      for (boolean b : val) if (b) acc++;
      acc /= val.length;
      w.appendHistory(List.of(new HistoryRow(1, "train", 0.5, acc, 1), new HistoryRow(1, "val", 0.6, acc, 1)));
      List<Prediction> vp = predictions("val", val, valLabels);
      w.writePredictions(vp);
      ClassificationMetrics vm = ClassificationMetrics.of(vp.stream().mapToInt(Prediction::label).toArray(),
          vp.stream().mapToInt(Prediction::predicted).toArray(), CLASSES);
      RunMetrics.TestMetrics tm = null;
      if (test != null) {
        List<Prediction> tp = predictions("test", test, alternating(test.length));
        w.writeTestPredictions(tp);
        tm = RunMetrics.TestMetrics.of(ClassificationMetrics.of(tp.stream().mapToInt(Prediction::label).toArray(),
            tp.stream().mapToInt(Prediction::predicted).toArray(), CLASSES), tp.size());
      }
      w.commit(new RunMetrics(name, method, 1, vm.accuracy(), 0.6, acc, 1, 10, 10, 0, 100, val.length, CLASSES,
          vm.perClassAccuracy(), vm.confusion()).with("accuracy", tm));
    }
  }

  private ReportStage.Result report(Path runs) throws IOException {
    return ReportStage.run(new ReportStage.Options(runs, dir.resolve("out"), Optional.empty(), 0, List.of()));
  }

  private Table summary() {
    return Table.read().usingOptions(CsvReadOptions.builder(dir.resolve("out/summary.csv").toFile())
        .missingValueIndicator("").columnTypesPartial(ReportPipelineTest::decimal).build());
  }

  private static boolean[] test60(int wrongFrom, int wrong) {
    return right(60, wrong, wrongFrom);
  }

  @Test
  void testFiguresAreTheValidationChosenRunsAndTheVerdictSaysTheHeadIsClearlyBetter() throws IOException {
    Path runs = dir.resolve("runs");
    int[] val40 = alternating(40);
    // head-a: best on validation (36/40), 50/60 on test (wrong on images 0..9)
    writeRun(runs, "head-a", "head", right(40, 4, 0), val40, test60(0, 10), Map.of("seed", 0.0, "lr", 0.01));
    // head-b: second on validation (34/40) but the best on test (58/60): never chosen for that
    writeRun(runs, "head-b", "head", right(40, 6, 0), val40, test60(0, 2), Map.of("seed", 1.0, "lr", 0.01));
    // finetune: 40/60 on test, wrong on 0..19; against head-a: head-a alone right on 10..19 (10 images),
    // the finetune alone right on none
    writeRun(runs, "finetune-a", "finetune", right(40, 8, 0), val40, test60(0, 20), Map.of("seed", 0.0));
    ReportStage.Result r = report(runs);

    assertThat(r.tables().best().orElseThrow().name()).isEqualTo("head-a");
    assertThat(r.verdict().headline()).contains("run head-a").contains("90.0% validation accuracy")
        .contains("83.3%").contains("60 held-out test images").doesNotContain("96.7%");
    Table s = summary();
    Row best = s.row(0);
    assertThat(best.getString("run")).isEqualTo("head-a");
    assertThat(best.getDouble("test_accuracy")).isCloseTo(50 / 60.0, within(1e-9));
    Wilson vi = Wilson.of(36, 40);
    Wilson ti = Wilson.of(50, 60);
    assertThat(best.getDouble("val_accuracy_ci_low")).isCloseTo(vi.low(), within(1e-9));
    assertThat(best.getDouble("val_accuracy_ci_high")).isCloseTo(vi.high(), within(1e-9));
    assertThat(best.getDouble("test_accuracy_ci_low")).isCloseTo(ti.low(), within(1e-9));
    assertThat(best.getDouble("test_accuracy_ci_high")).isCloseTo(ti.high(), within(1e-9));
    assertThat(best.getInt("test_images")).isEqualTo(60);
    assertThat(s.columnNames()).contains("val_balanced_accuracy", "val_macro_f1", "test_balanced_accuracy",
        "test_macro_f1", "val_recall_x", "val_recall_y", "test_recall_x", "test_recall_y");

    PairedComparison c = r.tables().headVsFinetune().orElseThrow();
    assertThat(c.split()).isEqualTo("test");
    assertThat(c.images()).isEqualTo(60);
    assertThat(c.test().b()).isEqualTo(10);
    assertThat(c.test().c()).isZero();
    // 2 * 0.5^10
    assertThat(c.test().exactP()).isCloseTo(2 * Math.pow(0.5, 10), within(1e-15));
    assertThat(r.verdict().headVsFinetune()).isEqualTo("better");
    String html = Files.readString(r.index());
    assertThat(html).contains("Verdict: the head is better than the finetune")
        .contains("the test split was used for nothing but the test figures")
        .contains("83.3% [")
        .contains("test accuracy");
    assertThat(r.verdict().details()).noneMatch(d -> d.contains("imbalanced"));
  }

  @Test
  void aSmallDifferenceIsNoClearDifferenceAndNoTestSplitIsSaid() throws IOException {
    Path runs = dir.resolve("runs");
    int[] val40 = alternating(40);
    // head 36/40 (wrong on 0..3), finetune 34/40 (wrong on 3..8), no test split: paired on
    // validation, the head alone right on 4..8 (b = 5), the finetune alone on 0..2 (c = 3)
    writeRun(runs, "head-a", "head", right(40, 4, 0), val40, null, Map.of("seed", 0.0));
    writeRun(runs, "finetune-a", "finetune", right(40, 6, 3), val40, null, Map.of("seed", 0.0));
    ReportStage.Result r = report(runs);
    PairedComparison c = r.tables().headVsFinetune().orElseThrow();
    assertThat(c.split()).isEqualTo("validation");
    assertThat(c.test().b()).isEqualTo(5);
    assertThat(c.test().c()).isEqualTo(3);
    // 2 * P(X <= 3) for X ~ Binomial(8, 1/2) = 2 * 93 / 256
    assertThat(c.test().exactP()).isCloseTo(2 * 93 / 256.0, within(1e-15));
    assertThat(c.verdict()).isEqualTo(PairedComparison.UNCLEAR);
    assertThat(r.verdict().headVsFinetune()).isEqualTo("no clear difference at this sample size");
    String html = Files.readString(r.index());
    assertThat(html).contains("There is no test split, so these are validation figures")
        .contains("no clear difference at this sample size")
        .doesNotContain("test accuracy</th>");
    assertThat(summary().doubleColumn("test_accuracy").isMissing(0)).isTrue();
  }

  @Test
  void imbalancedClassesAreWarnedAboutAndSeedsAreSummarized() throws IOException {
    Path runs = dir.resolve("runs");
    // 32 validation images of x, 8 of y: 4 times as many
    int[] labels = new int[40];
    for (int i = 32; i < 40; i++) labels[i] = 1;
    writeRun(runs, "head-s0", "head", right(40, 4, 30), labels, null, Map.of("seed", 0.0, "lr", 0.01));
    writeRun(runs, "head-s1", "head", right(40, 2, 30), labels, null, Map.of("seed", 1.0, "lr", 0.01));
    writeRun(runs, "head-s2", "head", right(40, 6, 30), labels, null, Map.of("seed", 2.0, "lr", 0.01));
    writeRun(runs, "head-other", "head", right(40, 6, 30), labels, null, Map.of("seed", 0.0, "lr", 0.1));
    ReportStage.Result r = report(runs);
    assertThat(r.verdict().details()).anyMatch(d -> d.contains("the classes are imbalanced")
        && d.contains("'x' has 32 images, 4.0× the 8 of 'y'"));
    Table seeds = r.tables().seeds();
    assertThat(seeds.rowCount()).isEqualTo(1);
    assertThat(seeds.intColumn("seeds").get(0)).isEqualTo(3);
    assertThat(seeds.doubleColumn("val_accuracy_mean").get(0)).isCloseTo((36 + 38 + 34) / 120.0, within(1e-12));
    assertThat(seeds.doubleColumn("val_accuracy_sd").get(0)).isCloseTo(0.05, within(1e-12));
    assertThat(dir.resolve("out/seeds.csv")).exists();
    assertThat(Files.readString(r.index())).contains("id=\"seeds\"").contains("90.0% ± 5.0");
    // balanced accuracy: head-s0 is wrong on images 30..33, two of x and two of y
    Row s0 = summary().where(summary().stringColumn("run").isEqualTo("head-s0")).row(0);
    assertThat(s0.getDouble("val_balanced_accuracy")).isCloseTo((30 / 32.0 + 6 / 8.0) / 2, within(1e-9));
    assertThat(s0.getDouble("val_recall_y")).isCloseTo(6 / 8.0, within(1e-9));
  }
}
