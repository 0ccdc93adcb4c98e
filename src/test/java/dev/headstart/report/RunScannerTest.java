package dev.headstart.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstart.runs.ClassificationMetrics;
import dev.headstart.runs.HistoryRow;
import dev.headstart.runs.Prediction;
import dev.headstart.runs.RunMetrics;
import dev.headstart.runs.RunWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunScannerTest {
  @TempDir Path dir;

  /** A class with no validation images has NaN accuracy in metrics.json; the run must still load. */
  @Test
  void runWithAnEmptyClassAndNaNLoadsAndReports() throws IOException {
    List<String> classes = List.of("a", "b", "NA");
    int[] labels = {0, 0, 1, 1};
    int[] predicted = {0, 1, 1, 1};
    ClassificationMetrics cm = ClassificationMetrics.of(labels, predicted, classes);
    assertThat(cm.perClassAccuracy().get("NA")).isNaN();
    try (RunWriter w = RunWriter.create(dir, "head-nan")) {
      w.writeConfig(RunFixtures.config(RunFixtures.SPECS.get(0)));
      w.appendHistory(List.of(new HistoryRow(1, "train", 0.9, 0.5, 0.1), new HistoryRow(1, "val", 0.8, 0.75, 0.05)));
      w.writePredictions(List.of(
          new Prediction("val/a/1.png", 0, "a", 0, "a", 0.9), new Prediction("val/a/2.png", 0, "a", 1, "b", 0.6),
          new Prediction("val/b/1.png", 1, "b", 1, "b", 0.8), new Prediction("val/b/2.png", 1, "b", 1, "b", 0.7)));
      w.commit(new RunMetrics("head-nan", "head", 1, cm.accuracy(), 0.8, 0.5, 1, 0.3, 0.15, 0.0, 8, 4, classes,
          cm.perClassAccuracy(), cm.confusion()));
    }
    assertThat(Files.readString(dir.resolve("head-nan/metrics.json"))).contains("NaN");

    RunScan scan = RunScanner.scan(dir);
    assertThat(scan.skipped()).isEmpty();
    LoadedRun run = scan.runs().get(0);
    assertThat(run.metrics().perClassAccuracy().get("NA")).isNaN();
    // "NA" is a class name here, not a missing value
    assertThat(run.predictions().rowCount()).isEqualTo(4);

    ReportStage.Result r = ReportStage.run(new ReportStage.Options(dir, dir.resolve("out"), Optional.empty(), 4,
        List.of()));
    assertThat(r.tables().perClass().stringColumn("class").asList()).containsExactly("a", "b", "NA");
    assertThat(r.tables().perClass().doubleColumn("accuracy").isMissing(2)).isTrue();
    assertThat(Files.readString(r.index())).contains("No end-to-end finetune run was found");
    // the gallery falls back to "image not found" for images that are not there, naming the path
    assertThat(Files.readString(r.index())).contains("image not found").contains("val/a/2.png");
  }
}
