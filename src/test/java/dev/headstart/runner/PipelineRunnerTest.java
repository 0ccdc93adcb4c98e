package dev.headstart.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstart.config.PipelineConfig;
import dev.headstart.config.PipelineConfigLoader;
import dev.headstart.io.Hashing;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runner's decisions, with stages stood in by small executors that write what each real stage
 * writes (the manifest, run folders, the report files), so that fingerprints of real files decide.
 */
class PipelineRunnerTest {
  @TempDir Path dir;
  private final List<String> executed = new ArrayList<>();
  private PipelineStage failing;

  @BeforeEach
  void project() throws IOException {
    Files.createDirectories(dir.resolve("images/train/cat"));
    Files.createDirectories(dir.resolve("images/val/cat"));
    Files.write(dir.resolve("images/train/cat/a.png"), new byte[] {1, 2, 3});
    Files.write(dir.resolve("images/val/cat/b.png"), new byte[] {4, 5});
    Files.createDirectories(dir.resolve("bb"));
    Files.write(dir.resolve("bb/net.pt"), new byte[] {9, 9, 9});
    // a complete model card, as tools/export_backbone.py writes it: the runner finds files as the stages do
    Files.writeString(dir.resolve("bb/net.json"), "{\"name\":\"net\",\"input_size\":32,\"resize\":36,"
        + "\"mean\":[0.5,0.5,0.5],\"std\":[0.2,0.2,0.2],\"inference_file\":\"net.pt\",\"trainable_file\":\"net-t.pt\"}");
    Files.write(dir.resolve("bb/net-t.pt"), new byte[] {8, 8});
    Files.writeString(dir.resolve("pipeline.yaml"), String.join("\n",
        "data:", "  root: images", "backbone:", "  uri: bb/net.pt", "extract:", "  out: work/features", ""));
  }

  private PipelineConfig config(Map<String, String> overrides) {
    return PipelineConfigLoader.load(dir.resolve("pipeline.yaml"), overrides);
  }

  /** Writes what the real stage would write, derived from its real inputs. */
  private int stage(PipelineStage stage, PipelineConfig c) {
    executed.add(stage.id());
    if (stage == failing) return 1;
    try {
      switch (stage) {
        case EXTRACT -> {
          Path features = dir.resolve("work/features");
          Files.createDirectories(features);
          Files.writeString(features.resolve("manifest.json"),
              "{\"fingerprint\":\"" + Hashing.sha256(dir.resolve("bb/net.pt")) + "\"}");
          Files.writeString(features.resolve("index.parquet"), "the listing");
        }
        case TRAIN -> writeRun("head-lr" + c.train().optimization().lr(), c.train().optimization().lr());
        case FINETUNE -> writeRun("finetune-e" + c.finetune().epochs(), c.finetune().epochs());
        case REPORT -> {
          Files.createDirectories(dir.resolve("reports"));
          Files.writeString(dir.resolve("reports/summary.csv"), "run\n");
          Files.writeString(dir.resolve("reports/index.html"), "<html></html>");
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return 0;
  }

  private void writeRun(String name, double value) throws IOException {
    Path run = dir.resolve("runs").resolve(name);
    Files.createDirectories(run);
    Files.writeString(run.resolve("config.json"), "{}");
    // like the real metrics.json, it records the wall time, so a rerun always rewrites it
    Files.writeString(run.resolve("metrics.json"), "{\"value\":" + value + ",\"wall\":" + System.nanoTime() + "}");
  }

  private PipelineRunner.Outcome run(Map<String, String> overrides, PipelineRunner.Options options) throws IOException {
    executed.clear();
    PipelineConfig c = config(overrides);
    PrintStream log = new PrintStream(new ByteArrayOutputStream());
    return new PipelineRunner(c, s -> stage(s, c), log).run(options);
  }

  private static PipelineRunner.Options plain() {
    return new PipelineRunner.Options(Set.of(), null, null, false);
  }

  @Test
  void skipsStagesThatAreUpToDate() throws IOException {
    assertThat(run(Map.of(), plain()).exitCode()).isZero();
    assertThat(executed).containsExactly("extract", "train", "finetune", "report");
    PipelineRunner.Outcome second = run(Map.of(), plain());
    assertThat(executed).isEmpty();
    assertThat(second.decisions()).allSatisfy(d -> assertThat(d.reason()).isEqualTo("up to date"));
  }

  @Test
  void aHeadHyperparameterRerunsTrainAndReportOnly() throws IOException {
    run(Map.of(), plain());
    PipelineRunner.Outcome o = run(Map.of("train.lr", "0.25"), plain());
    assertThat(executed).containsExactly("train", "report");
    assertThat(o.decisions().get(1).reason())
        .contains("train.lr: " + dev.headstart.config.TrainConfig.DEFAULTS.optimization().lr() + " -> 0.25");
    assertThat(Files.exists(dir.resolve("runs/head-lr0.25/metrics.json"))).isTrue();
  }

  @Test
  void aChangedBackboneFileRerunsEverything() throws IOException {
    run(Map.of(), plain());
    Files.write(dir.resolve("bb/net.pt"), new byte[] {7, 7, 7, 7});
    Files.write(dir.resolve("bb/net-t.pt"), new byte[] {6});
    run(Map.of(), plain());
    assertThat(executed).containsExactly("extract", "train", "finetune", "report");
  }

  @Test
  void aChangedImageRerunsTheStagesThatReadImages() throws IOException {
    run(Map.of(), plain());
    Files.write(dir.resolve("images/train/cat/c.png"), new byte[] {1});
    run(Map.of(), plain());
    // extract rewrote an identical manifest (same backbone), so train is still up to date
    assertThat(executed).containsExactly("extract", "finetune", "report");
  }

  @Test
  void aFailingStageStopsTheRunAndKeepsEarlierOutputs() throws IOException {
    failing = PipelineStage.TRAIN;
    PipelineRunner.Outcome o = run(Map.of(), plain());
    assertThat(o.exitCode()).isEqualTo(1);
    assertThat(o.failed()).isEqualTo(PipelineStage.TRAIN);
    assertThat(executed).containsExactly("extract", "train");
    assertThat(dir.resolve("work/features/manifest.json")).exists();

    failing = null;
    run(Map.of(), plain());
    assertThat(executed).containsExactly("train", "finetune", "report");
  }

  @Test
  void dryRunSaysWhatWouldRunAndWhyWithoutRunning() throws IOException {
    run(Map.of(), plain());
    Files.write(dir.resolve("bb/net.pt"), new byte[] {1});
    PipelineRunner.Outcome o = run(Map.of(), new PipelineRunner.Options(Set.of(), null, null, true));
    assertThat(executed).isEmpty();
    assertThat(o.decisions()).extracting(Decision::run).containsExactly(true, true, false, true);
    assertThat(o.decisions().get(0).reason()).contains("backbone files changed");
    assertThat(o.decisions().get(1).reason()).contains("upstream stage extract reruns");
  }

  @Test
  void aDeletedOutputMakesItsStageRunAgain() throws IOException {
    run(Map.of(), plain());
    Files.delete(dir.resolve("reports/index.html"));
    PipelineRunner.Outcome o = run(Map.of(), plain());
    assertThat(executed).containsExactly("report");
    assertThat(o.decisions().get(3).reason()).isEqualTo("output missing: reports/index.html");
  }

  @Test
  void forceFromAndOnly() throws IOException {
    run(Map.of(), plain());
    run(Map.of(), new PipelineRunner.Options(Set.of(PipelineStage.EXTRACT), null, null, false));
    assertThat(executed).containsExactly("extract");
    run(Map.of(), new PipelineRunner.Options(Set.of(), PipelineStage.TRAIN, null, false));
    assertThat(executed).containsExactly("train", "finetune", "report");
    run(Map.of("train.lr", "0.5"), new PipelineRunner.Options(Set.of(), null, PipelineStage.TRAIN, false));
    assertThat(executed).containsExactly("train");
  }
}
