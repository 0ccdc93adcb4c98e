package dev.headstart.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.headstart.cli.Headstart;
import dev.headstart.features.Manifest;
import dev.headstart.features.ManifestIO;
import dev.headstart.io.Json;
import dev.headstart.runs.HistoryRow;
import dev.headstart.runs.RunConfig;
import dev.headstart.runs.RunLayout;
import dev.headstart.runs.RunMetrics;
import dev.headstart.runs.RunWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.ColumnType;
import tech.tablesaw.api.Row;
import tech.tablesaw.api.Table;
import tech.tablesaw.io.csv.CsvReadOptions;

/**
 * The report on run folders made by the real extract, train and finetune stages (see
 * {@link RealRuns}): every CSV value is checked against the runs' own metrics.json,
 * history.csv and the extract manifest, read here independently of the report's code.
 */
class ReportPipelineTest {
  static RealRuns real;
  static Map<String, RunMetrics> metrics = new LinkedHashMap<>();
  static Map<String, RunConfig> configs = new LinkedHashMap<>();
  static Manifest manifest;
  static String stderr;
  static int exitCode;

  /** This class's own copy of the runs and its own reports: the shared fixture stays as made. */
  @org.junit.jupiter.api.io.TempDir static Path own;

  static Path runs() {
    return own.resolve("runs");
  }

  static Path reports() {
    return own.resolve("reports");
  }

  @BeforeAll
  static void report() throws IOException {
    real = RealRuns.get();
    Path runs = runs();
    try (Stream<Path> all = Files.walk(real.runs())) {
      for (Path p : all.toList()) {
        Path to = runs.resolve(real.runs().relativize(p).toString());
        if (Files.isDirectory(p)) Files.createDirectories(to);
        else Files.copy(p, to);
      }
    }
    try (Stream<Path> dirs = Files.list(runs)) {
      for (Path d : dirs.filter(Files::isDirectory).sorted().toList()) {
        if (d.getFileName().toString().startsWith(".")) continue;
        metrics.put(d.getFileName().toString(), Json.read(d.resolve(RunLayout.METRICS), RunMetrics.class));
        configs.put(d.getFileName().toString(), Json.read(d.resolve(RunLayout.CONFIG), RunConfig.class));
      }
    }
    manifest = ManifestIO.read(real.root.resolve("features").toString());
    // an interrupted run beside the real ones: RunWriter's partial folder, never committed
    RunWriter interrupted = RunWriter.create(runs, "interrupted-finetune");
    interrupted.writeConfig(configs.values().iterator().next());
    interrupted.appendHistory(List.of(new HistoryRow(1, "train", 1.1, 0.4, 2.0)));
    interrupted.close();

    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream old = System.err;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      exitCode = Headstart.execute("report", "--config", real.yaml.toString(), "--runs", runs.toString(),
          "--out", reports().toString());
    } finally {
      System.setErr(old);
    }
    stderr = err.toString(StandardCharsets.UTF_8);
    assertThat(exitCode).as(stderr).isZero();
  }

  static Table read(String name) {
    return Table.read().usingOptions(CsvReadOptions.builder(reports().resolve(name).toFile())
        .missingValueIndicator("").columnTypesPartial(ReportPipelineTest::decimal).build());
  }

  /**
   * Columns that hold decimals: Tablesaw's type guess would make "1.0" or "1.000000" integers
   * when every run scored 100%.
   */
  static Optional<ColumnType> decimal(String column) {
    return column.contains("accuracy") || column.contains("seconds") || column.contains("speedup")
        || column.contains("loss") || column.equals("lr") ? Optional.of(ColumnType.DOUBLE) : Optional.empty();
  }

  static String baseline() {
    return metrics.entrySet().stream().filter(e -> e.getValue().method().equals("finetune"))
        .map(Map.Entry::getKey).findFirst().orElseThrow();
  }

  @Test
  void theRealStagesMadeEveryMethodTheReportCompares() {
    assertThat(metrics.values().stream().map(RunMetrics::method).toList())
        .containsOnly("head", "finetune", "scratch").contains("head", "finetune", "scratch");
    assertThat(metrics).hasSize(5); // one head, a two-point sweep, finetune, scratch
  }

  @Test
  void summaryRowsHoldEachRunsMetricsAndTheSpeedUps() {
    Table summary = read("summary.csv");
    assertThat(summary.rowCount()).isEqualTo(metrics.size());
    assertThat(summary.stringColumn("run").asList()).containsExactlyInAnyOrderElementsOf(metrics.keySet());
    double extraction = manifest.timings().get("seconds");
    assertThat(extraction).isPositive();
    RunMetrics base = metrics.get(baseline());
    double previous = Double.POSITIVE_INFINITY;
    for (Row r : summary) {
      String run = r.getString("run");
      RunMetrics m = metrics.get(run);
      RunConfig c = configs.get(run);
      assertThat(r.getString("method")).isEqualTo(m.method());
      assertThat(r.getDouble("best_val_accuracy")).isCloseTo(m.bestValAccuracy(), within(1e-9));
      assertThat(r.getDouble("best_val_accuracy")).isLessThanOrEqualTo(previous); // best first
      previous = r.getDouble("best_val_accuracy");
      assertThat(r.getInt("best_epoch")).isEqualTo(m.bestEpoch());
      assertThat(r.getDouble("final_train_accuracy")).isCloseTo(m.finalTrainAccuracy(), within(1e-9));
      assertThat(r.getDouble("wall_seconds")).isCloseTo(m.wallSeconds(), within(1e-9));
      assertThat(r.getDouble("seconds_per_epoch")).isCloseTo(m.secondsPerEpoch(), within(1e-9));
      assertThat(r.getDouble("lr")).isCloseTo(((Number) c.hyperparameters().get("lr")).doubleValue(), within(1e-12));
      assertThat(r.getInt("batch_size")).isEqualTo(((Number) c.hyperparameters().get("batch_size")).intValue());
      assertThat(r.getString("optimizer")).isEqualTo(c.hyperparameters().get("optimizer"));
      double charged = m.method().equals("head") ? extraction : 0;
      assertThat(r.getDouble("extraction_seconds")).isCloseTo(charged, within(1e-9));
      assertThat(r.getDouble("speedup_vs_finetune"))
          .isCloseTo(base.wallSeconds() / (m.wallSeconds() + charged), within(1e-3));
      assertThat(r.getDouble("speedup_vs_finetune_without_extraction"))
          .isCloseTo(base.wallSeconds() / m.wallSeconds(), within(1e-3));
    }
    assertThat(summary.where(summary.stringColumn("run").isEqualTo(baseline())).stringColumn("role").get(0))
        .contains("finetune_baseline");
  }

  @Test
  void epochsRunCountsTheEpochsEachRunWrote() throws IOException {
    Table summary = read("summary.csv");
    for (Row r : summary) {
      long trainRows = Files.readAllLines(runs().resolve(r.getString("run")).resolve(RunLayout.HISTORY)).stream()
          .filter(l -> l.contains(",train,")).count();
      assertThat(r.getInt("epochs_run")).isEqualTo((int) trainRows).isPositive();
    }
  }

  @Test
  void historyPerClassAndConfusionMatchTheRunFolders() throws IOException {
    Table history = read("history.csv");
    int lines = 0;
    for (String run : metrics.keySet()) {
      lines += Files.readAllLines(runs().resolve(run).resolve(RunLayout.HISTORY)).size() - 1;
    }
    assertThat(history.rowCount()).isEqualTo(lines);
    assertThat(history.stringColumn("run").unique().asList()).containsExactlyInAnyOrderElementsOf(metrics.keySet());

    Table perClass = read("per_class.csv");
    assertThat(perClass.rowCount()).isEqualTo(metrics.size() * RealRuns.CLASSES.size());
    for (Row r : perClass) {
      RunMetrics m = metrics.get(r.getString("run"));
      assertThat(r.getDouble("accuracy")).isCloseTo(m.perClassAccuracy().get(r.getString("class")), within(1e-9));
      assertThat(r.getInt("support")).isEqualTo(RealRuns.VAL_PER_CLASS);
    }

    Table confusion = read("confusion.csv");
    Table summary = read("summary.csv");
    String best = summary.stringColumn("run").get(0);
    for (String[] roleRun : new String[][] {{"best", best}, {"finetune_baseline", baseline()}}) {
      Table t = confusion.where(confusion.stringColumn("role").isEqualTo(roleRun[0]));
      RunMetrics m = metrics.get(roleRun[1]);
      assertThat(t.stringColumn("run").unique().asList()).containsExactly(roleRun[1]);
      assertThat(t.rowCount()).isEqualTo(RealRuns.CLASSES.size() * RealRuns.CLASSES.size());
      for (Row r : t) {
        int i = m.classes().indexOf(r.getString("true_class"));
        int j = m.classes().indexOf(r.getString("predicted_class"));
        assertThat(r.getInt("count")).isEqualTo(m.confusion()[i][j]);
      }
    }
  }

  @Test
  void reportFilesAreReadableByOthers() throws IOException {
    for (String f : List.of("summary.csv", "history.csv", "per_class.csv", "confusion.csv", "sweep.csv", "index.html")) {
      assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
          Files.getPosixFilePermissions(reports().resolve(f)))).as(f).isEqualTo("rw-r--r--");
    }
  }

  @Test
  void theSweepRankingIsCollected() {
    Table sweep = read("sweep.csv");
    assertThat(sweep.rowCount()).isEqualTo(2);
    assertThat(sweep.columnNames()).contains("sweep_file", "rank", "run", "lr", "best_val_accuracy");
    for (int i = 0; i < sweep.rowCount(); i++) {
      assertThat(metrics.get(sweep.stringColumn("run").get(i)).bestValAccuracy())
          .isCloseTo(sweep.numberColumn("best_val_accuracy").getDouble(i), within(1e-6));
    }
  }

  @Test
  void theInterruptedRunIsSkippedAndNamed() throws IOException {
    assertThat(stderr).contains(".interrupted-finetune.partial").contains("half-written");
    assertThat(read("summary.csv").stringColumn("run").asList()).noneMatch(s -> s.contains("interrupted"));
    assertThat(Files.readString(reports().resolve("index.html"))).contains(".interrupted-finetune.partial");
  }

  @Test
  void pageShowsEscapedClassNamesAndTheImagesTheRunsPredicted() throws IOException {
    String html = Files.readString(reports().resolve("index.html"));
    assertThat(html).contains("&lt;red &amp; co&gt;").doesNotContain("<red & co>");
    assertThat(html.split("data:image/png;base64,", -1).length - 1).isEqualTo(12);
    assertThat(html).doesNotContain("image not found");
    assertThat(html).contains("Best here:").contains("training images in 3 classes");
  }
}
