package dev.headstart.cli;

import dev.headstart.core.UserException;

import dev.headstart.engine.EngineGuard;
import dev.headstart.engine.Workload;

import dev.headstart.config.PipelineConfig;
import dev.headstart.runner.PipelineRunner;
import dev.headstart.runner.PipelineStage;
import dev.headstart.config.ConfigException;
import dev.headstart.core.Reporter;
import dev.headstart.core.Stage;
import dev.headstart.extract.ExtractStage;
import dev.headstart.finetune.FinetuneStage;
import dev.headstart.head.TrainStage;
import dev.headstart.report.ReportStage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Map;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** ./run: the make-like runner over pipeline.yaml. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Runs the stages listed in pipeline.yaml (run.stages) in dependency order:",
      "extract -> train -> report, and finetune -> report. A stage is skipped when",
      "nothing it depends on changed since its last success: its config keys, the",
      "image files (path, size, mtime), the backbone files (SHA-256), the features",
      "or runs it reads, and the headstart version. Fingerprints: run.state.",
      "",
      "Examples:",
      "  ./run                          whole pipeline on the bundled example",
      "  ./run --dry-run                what would run, and why",
      "  ./run --set train.lr=0.01      new head settings: reruns train, report",
      "  ./run --force extract          rerun one stage even if up to date",
      "  ./run --only train             just the train stage (if out of date)",
      "  ./run --from train             rerun train and everything after it"
    })
public final class RunCommand implements Callable<Integer> {
  @Mixin ConfigOptions config;

  @Option(names = {"-n", "--dry-run"}, description = "Show what would run and why; run nothing.")
  boolean dryRun;

  @Option(names = "--force", paramLabel = "STAGE", split = ",",
      description = "Run this stage even if it is up to date (repeatable: extract, train, finetune, report).")
  List<String> force = new ArrayList<>();

  @Option(names = "--from", paramLabel = "STAGE",
      description = "Run this stage and every stage after it, up to date or not.")
  String from;

  @Option(names = "--only", paramLabel = "STAGE", description = "Run only this stage (when out of date, or with --force).")
  String only;

  @Override
  public Integer call() throws Exception {
    PipelineConfig pipeline = config.load();
    Set<PipelineStage> forced = EnumSet.noneOf(PipelineStage.class);
    for (String f : force) forced.add(stage("--force", f));
    PipelineStage fromStage = from == null ? null : stage("--from", from);
    PipelineStage onlyStage = only == null ? null : stage("--only", only);

    // one JVM runs every stage, and libtorch takes oneDNN's cap once: the safest any stage needs
    if (!dryRun) {
      DeviceCheck.before("backbone.device", pipeline.backbone().device());
      EngineGuard.prepare(workloads(pipeline));
    }
    Map<PipelineStage, Stage<?>> stages = Map.of(PipelineStage.EXTRACT, new ExtractStage(),
        PipelineStage.TRAIN, new TrainStage(), PipelineStage.FINETUNE, new FinetuneStage(),
        PipelineStage.REPORT, new ReportStage());
    Reporter reporter = Reporter.stderr();
    PipelineRunner runner = new PipelineRunner(pipeline, stage -> {
      System.err.println("run: " + stage.id() + " ...");
      PipelineConfig settings = pipeline;
      if (stage == PipelineStage.TRAIN) TrainCommand.oneLibtorchThreadForHeads();
      try {
        stages.get(stage).run(settings, reporter);
        return 0;
      } catch (UserException | ConfigException e) {
        System.err.println("error: " + e.getMessage());
        return 2;
      } catch (IOException e) {
        System.err.println("error: " + stage.id() + " failed: " + e.getMessage());
        return 2;
      }
    }, System.err);
    PipelineRunner.Outcome outcome =
        runner.run(new PipelineRunner.Options(forced, fromStage, onlyStage, dryRun));
    return outcome.exitCode();
  }

  private static Set<Workload> workloads(PipelineConfig pipeline) {
    Set<Workload> w = EnumSet.noneOf(Workload.class);
    for (String stage : pipeline.run().stages()) {
      switch (stage) {
        case "extract" -> w.add("bf16".equals(pipeline.extract().precision())
            ? Workload.BF16_INFERENCE : Workload.FP32_INFERENCE);
        case "train" -> w.add(Workload.TRAINING);
        case "finetune" -> {
          w.add(Workload.TRAINING);
          w.add(Workload.FP32_INFERENCE);
        }
        default -> { }
      }
    }
    return w;
  }

  private static PipelineStage stage(String option, String name) {
    try {
      return PipelineStage.of(name.trim());
    } catch (IllegalArgumentException e) {
      throw new UserException(option + ": unknown stage '" + name + "'"
          + dev.headstart.config.DidYouMean.hint(name, List.of("extract", "train", "finetune", "report"))
          + "; stages are extract, train, finetune, report");
    }
  }
}
