package dev.headstart.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.headstart.cli.Headstart;
import dev.headstart.runs.HistoryRow;
import dev.headstart.runs.RunWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;
import tech.tablesaw.io.csv.CsvReadOptions;

/** The report stage on run folders written by RunWriter, plus a half-written and an old-layout folder. */
class ReportStageTest {
  @TempDir static Path root;
  static Path runs;
  static Path out;
  static int exitCode;
  static String stderr;

  @BeforeAll
  static void report() throws IOException {
    runs = RunFixtures.write(root);
    // a run that crashed before commit: RunWriter leaves its .name.partial folder
    RunWriter interrupted = RunWriter.create(runs, "interrupted");
    interrupted.writeConfig(RunFixtures.config(RunFixtures.SPECS.get(2)));
    interrupted.appendHistory(List.of(new HistoryRow(1, "train", 1.2, 0.4, 3.0)));
    interrupted.close();
    // a folder from an older layout: metrics.json but no config.json
    Files.createDirectories(runs.resolve("legacy-run"));
    Files.writeString(runs.resolve("legacy-run/metrics.json"), "{\"accuracy\": 0.9}");
    // a folder whose metrics.json never arrived
    Files.createDirectories(runs.resolve("no-metrics"));
    Files.writeString(runs.resolve("no-metrics/history.csv"), "epoch,split,loss,accuracy,seconds\n");
    // an older layout: complete files, but history.csv in wide form
    Path oldLayout = Files.createDirectories(runs.resolve("old-history"));
    Files.copy(runs.resolve("finetune/config.json"), oldLayout.resolve("config.json"));
    Files.copy(runs.resolve("finetune/metrics.json"), oldLayout.resolve("metrics.json"));
    Files.writeString(oldLayout.resolve("history.csv"), "epoch,train_loss,val_loss,val_acc\n1,0.9,0.8,0.7\n");
    // sweep rankings as the train stage writes them (rank,run,<swept keys>,...): one over lr, one
    // over head and dropout under a chosen name; and a CSV that is not a sweep
    Files.writeString(runs.resolve("sweep-1a2b3c.csv"), "rank,run,lr,best_val_accuracy\n"
        + "1,sweep-lr0.01,0.01,0.9\n2,sweep-lr0.001,0.001,0.85\n3,sweep-lr0.1,0.1,0.8\n");
    Files.writeString(runs.resolve("heads.csv"), "rank,run,head,dropout,best_val_accuracy\n"
        + "1,heads-mlp,mlp,0.2,0.875\n2,heads-linear,linear,0.0,0.7\n");
    Files.writeString(runs.resolve("notes.csv"), "name,score\nx,1\n");
    out = root.resolve("reports");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream old = System.err;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      exitCode = Headstart.execute("report", "--config", root.resolve("none.yaml").toString(),
          "--runs", runs.toString(), "--out", out.toString(), "--features", root.resolve("features").toString(),
          "--gallery", "8");
    } finally {
      System.setErr(old);
    }
    stderr = err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void summaryHasOneRowPerCompleteRunBestFirstWithSpeedUps() throws SQLException {
    assertThat(exitCode).as(stderr).isZero();
    Map<String, RunFixtures.Spec> specs = RunFixtures.SPECS.stream()
        .collect(Collectors.toMap(RunFixtures.Spec::name, Function.identity()));
    RunFixtures.Spec finetune = specs.get("finetune");
    double finetuneWall = finetune.setup() + finetune.epochs() * finetune.secondsPerEpoch();
    List<String> order = new ArrayList<>();
    // read with DuckDB, not Tablesaw: the CSV must load in other tools too
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
        Statement st = db.createStatement();
        ResultSet rs = st.executeQuery("SELECT * FROM read_csv_auto('" + out.resolve("summary.csv") + "', header=true)")) {
      while (rs.next()) {
        String run = rs.getString("run");
        order.add(run);
        RunFixtures.Spec s = specs.get(run);
        double wall = s.setup() + s.epochs() * s.secondsPerEpoch();
        double extraction = s.method().equals("head") ? RunFixtures.EXTRACTION_SECONDS : 0;
        assertThat(rs.getString("method")).isEqualTo(s.method());
        assertThat(rs.getString("backbone")).isEqualTo("tiny_cnn");
        assertThat(rs.getString("optimizer")).isEqualTo(s.hyper().get("optimizer"));
        assertThat(rs.getDouble("lr")).isEqualTo((Double) s.hyper().get("lr"));
        assertThat(rs.getInt("batch_size")).isEqualTo(((Double) s.hyper().get("batch_size")).intValue());
        assertThat(rs.getDouble("best_val_accuracy")).isCloseTo(s.peak(), within(1e-9));
        assertThat(rs.getInt("best_epoch")).isEqualTo(RunFixtures.bestEpoch(s));
        assertThat(rs.getDouble("final_train_accuracy")).isCloseTo(Math.min(1, s.peak() + 0.05), within(1e-9));
        assertThat(rs.getDouble("wall_seconds")).isCloseTo(wall, within(1e-9));
        assertThat(rs.getDouble("seconds_per_epoch")).isCloseTo(s.secondsPerEpoch(), within(1e-9));
        assertThat(rs.getDouble("extraction_seconds")).isCloseTo(extraction, within(1e-9));
        assertThat(rs.getDouble("speedup_vs_finetune"))
            .isCloseTo(finetuneWall / (wall + extraction), within(1e-4));
        assertThat(rs.getDouble("speedup_vs_finetune_without_extraction"))
            .isCloseTo(finetuneWall / wall, within(1e-4));
        assertThat(rs.getDouble("accuracy_gain_vs_finetune")).isCloseTo(s.peak() - finetune.peak(), within(1e-4));
      }
    }
    assertThat(order).containsExactly("head-linear", "finetune", "head-mlp", "scratch");
  }

  @Test
  void secondsToTargetCountsEpochsUntilTheTargetAndTheExtractionForHeads() {
    Table summary = read("summary.csv");
    double target = ReportTables.TARGET_SHARE * RunFixtures.SPECS.get(2).peak();
    for (RunFixtures.Spec s : RunFixtures.SPECS) {
      int epoch = 1;
      while (epoch <= s.epochs() && RunFixtures.valAccuracy(s, epoch) < target) epoch++;
      Table row = summary.where(summary.stringColumn("run").isEqualTo(s.name()));
      if (epoch > s.epochs()) {
        assertThat(row.column("seconds_to_target").isMissing(0)).as(s.name()).isTrue();
      } else {
        double expected = s.setup() + epoch * s.secondsPerEpoch()
            + (s.method().equals("head") ? RunFixtures.EXTRACTION_SECONDS : 0);
        assertThat(row.doubleColumn("seconds_to_target").get(0)).as(s.name()).isCloseTo(expected, within(1e-6));
      }
    }
    assertThat(summary.stringColumn("role").asList()).containsExactly("best", "finetune_baseline", "", "");
  }

  @Test
  void historyPerClassAndConfusionHoldEveryRowAndCount() {
    Table history = read("history.csv");
    int expectedRows = RunFixtures.SPECS.stream().mapToInt(s -> 2 * s.epochs()).sum();
    assertThat(history.rowCount()).isEqualTo(expectedRows);
    assertThat(history.columnNames()).containsExactly("run", "method", "epoch", "split", "loss", "accuracy", "seconds");
    Table scratchVal = history.where(history.stringColumn("run").isEqualTo("scratch")
        .and(history.stringColumn("split").isEqualTo("val")).and(history.intColumn("epoch").isEqualTo(7)));
    assertThat(scratchVal.doubleColumn("accuracy").get(0)).isCloseTo(RunFixtures.SPECS.get(3).peak(), within(1e-6));

    Table perClass = read("per_class.csv");
    assertThat(perClass.rowCount()).isEqualTo(RunFixtures.SPECS.size() * RunFixtures.CLASSES.size());
    assertThat(perClass.stringColumn("class").unique().asList())
        .containsExactlyInAnyOrderElementsOf(RunFixtures.CLASSES);
    // per run, the per-class recalls weighted by support give back the overall accuracy
    for (RunFixtures.Spec s : RunFixtures.SPECS) {
      Table t = perClass.where(perClass.stringColumn("run").isEqualTo(s.name()));
      double correct = 0;
      for (int i = 0; i < t.rowCount(); i++) correct += t.doubleColumn("accuracy").get(i) * t.intColumn("support").get(i);
      assertThat(correct).as(s.name()).isCloseTo(s.correct(), within(1e-6));
      assertThat(t.intColumn("support").sum()).isEqualTo(RunFixtures.CLASSES.size() * RunFixtures.VAL_PER_CLASS);
    }

    Table confusion = read("confusion.csv");
    int k = RunFixtures.CLASSES.size();
    assertThat(confusion.rowCount()).isEqualTo(2 * k * k);
    for (String[] roleRun : new String[][] {{"best", "head-linear"}, {"finetune_baseline", "finetune"}}) {
      Table m = confusion.where(confusion.stringColumn("role").isEqualTo(roleRun[0]));
      assertThat(m.stringColumn("run").unique().asList()).containsExactly(roleRun[1]);
      assertThat(m.intColumn("count").sum()).isEqualTo(k * RunFixtures.VAL_PER_CLASS);
      double diagonal = m.where(m.stringColumn("true_class").isEqualTo(m.stringColumn("predicted_class")))
          .intColumn("count").sum();
      RunFixtures.Spec s = RunFixtures.SPECS.stream().filter(x -> x.name().equals(roleRun[1])).findFirst().orElseThrow();
      assertThat(diagonal).isEqualTo(s.correct());
    }
  }

  @Test
  void halfWrittenAndOldLayoutFoldersAreSkippedAndNamed() throws IOException {
    assertThat(stderr).contains(".interrupted.partial").contains("half-written")
        .contains("legacy-run").contains("no config.json")
        .contains("no-metrics").contains("no metrics.json")
        .contains("old-history").contains("history.csv starts with 'epoch,train_loss,val_loss,val_acc'");
    String html = Files.readString(out.resolve("index.html"));
    assertThat(html).contains(".interrupted.partial").contains("legacy-run").contains("no-metrics");
    assertThat(read("summary.csv").stringColumn("run").asList())
        .doesNotContain("interrupted", ".interrupted.partial", "legacy-run", "no-metrics", "old-history");
  }

  @Test
  void sweepRankingsAreStackedOnTheUnionOfTheirColumns() {
    Table sweep = read("sweep.csv");
    assertThat(sweep.columnNames())
        .containsExactly("sweep_file", "rank", "run", "head", "dropout", "best_val_accuracy", "lr");
    assertThat(sweep.stringColumn("run").asList())
        .containsExactly("heads-mlp", "heads-linear", "sweep-lr0.01", "sweep-lr0.001", "sweep-lr0.1");
    assertThat(sweep.stringColumn("sweep_file").asList()).containsOnly("heads.csv", "sweep-1a2b3c.csv");
    assertThat(sweep.doubleColumn("best_val_accuracy").sum()).isCloseTo(0.8 + 0.9 + 0.85 + 0.875 + 0.7, within(1e-9));
    // a cell a sweep has no column for is empty
    assertThat(sweep.doubleColumn("lr").isMissing(0)).isTrue();
    assertThat(sweep.doubleColumn("lr").get(2)).isEqualTo(0.01);
  }

  @Test
  void pageIsSelfContainedAndEscapesClassNames() throws IOException {
    String html = Files.readString(out.resolve("index.html"));
    assertThat(html).contains("&lt;b&gt;wasp&amp;co&lt;/b&gt;").doesNotContain("<b>wasp&co</b>");
    // nothing to fetch: no external scripts, styles, images or fonts (SVG xmlns URIs are names, not fetched)
    assertThat(html.matches("(?s).*(src|href)\\s*=\\s*[\"'](https?|file):.*")).isFalse();
    assertThat(html).doesNotContain("<link", "@import", "url(http");
    assertThat(html).contains("Best here: a classifier head on cached backbone features (run head-linear)");
    assertThat(html.split("<svg", -1).length - 1).isGreaterThanOrEqualTo(7);
    // 8 gallery tiles, thumbnails found through the manifest's data root, mistakes first
    assertThat(html.split("data:image/png;base64,", -1).length - 1).isEqualTo(8);
    assertThat(html).contains("<figure class=\"wrong\"").contains("<figure class=\"right\"");
    assertThat(html).doesNotContain("image not found");
    // the verdict applies the seeds' advice: 80 training images in 4 classes is small
    assertThat(html).contains("80 training images in 4 classes").contains("dataset is small");
  }

  @Test
  void noRunsGivesAPageThatSaysSoAndAMissingFolderAClearError(@TempDir Path dir) throws IOException {
    Path empty = Files.createDirectories(dir.resolve("runs"));
    ReportStage.Result r = ReportStage.run(new ReportStage.Options(empty, dir.resolve("out"),
        java.util.Optional.empty(), 8, List.of()));
    assertThat(r.tables().runs()).isEmpty();
    assertThat(Files.readString(r.index())).contains("No complete runs to compare yet");
    assertThat(Files.readAllLines(dir.resolve("out/summary.csv"))).hasSize(1);

    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream old = System.err;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    int code;
    try {
      code = Headstart.execute("report", "--config", dir.resolve("none.yaml").toString(),
          "--runs", dir.resolve("typo").toString(), "--out", dir.resolve("out2").toString());
    } finally {
      System.setErr(old);
    }
    assertThat(code).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("typo").contains("does not exist");
    assertThat(dir.resolve("out2")).doesNotExist();
  }

  @Test
  void helpDescribesEveryOption() {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    PrintStream old = System.out;
    System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
    int code;
    try {
      code = Headstart.execute("report", "--help");
    } finally {
      System.setOut(old);
    }
    assertThat(code).isZero();
    assertThat(o.toString(StandardCharsets.UTF_8)).contains("--runs", "--out", "--features", "--gallery", "--open",
        "summary.csv", "index.html");
  }

  static Table read(String name) {
    return Table.read().usingOptions(CsvReadOptions.builder(out.resolve(name).toFile()).missingValueIndicator("").columnTypesPartial(ReportPipelineTest::decimal).build());
  }
}
