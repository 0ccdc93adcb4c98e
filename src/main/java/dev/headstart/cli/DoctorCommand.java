package dev.headstart.cli;

import dev.headstart.core.UserException;

import dev.headstart.config.HeadstartVersion;
import dev.headstart.config.PipelineConfig;
import dev.headstart.engine.CrashSafeChild;
import dev.headstart.engine.CpuInfo;
import dev.headstart.engine.DevicePlan;
import dev.headstart.engine.Gpus;
import dev.headstart.engine.LibtorchSwitch;
import dev.headstart.engine.EngineChoice;
import dev.headstart.engine.EngineChoices;
import dev.headstart.engine.EngineGuard;
import dev.headstart.engine.EngineVersions;
import dev.headstart.engine.Isa;
import dev.headstart.engine.NativeEnv;
import dev.headstart.engine.Workload;
import dev.headstart.extract.BackboneLoader;
import dev.headstart.extract.BackboneSource;
import dev.headstart.extract.ProbeMain;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** headstart doctor: what libtorch does on this machine, and whether the configured backbone can run. */
@Command(
    name = "doctor",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Says how headstart computes on this machine and whether the configured backbone can be",
      "trusted here: versions, CPU and instruction sets, threads, the libtorch loaded and where from",
      "(HEADSTART_LIBTORCH), the GPUs the NVIDIA driver shows and where backbone.device puts the",
      "backbone, the per-machine engine check (which oneDNN instruction-set cap each workload gets,",
      "and what failed under the faster ones), and the backbone's known-answer check under each cap",
      "and on each GPU backbone.device uses, each in its own child process so that a crash is",
      "reported instead of killing the doctor.",
      "",
      "Exit status 0 when the backbone passes under the cap headstart will use, 1 when it cannot.",
      "",
      "Examples:",
      "  bin/headstart doctor",
      "  bin/headstart doctor --recheck          # run the engine check again (after a driver change)",
      "  bin/headstart doctor --set backbone.uri=backbones/resnet50.pt",
      "  HEADSTART_LIBTORCH=python bin/headstart doctor   # the CUDA torch of python3 (README: On a GPU)"
    })
public final class DoctorCommand implements Callable<Integer> {
  @Mixin ConfigOptions config;

  @Option(names = "--recheck", description = "Run the per-machine engine check again and cache the new result.")
  boolean recheck;

  @Option(names = "--no-probe", description = "Skip the backbone's known-answer checks.")
  boolean noProbe;

  @Override
  public Integer call() throws Exception {
    PrintStream out = System.out;
    CpuInfo cpu = CpuInfo.current();
    out.println("headstart " + HeadstartVersion.VERSION + " · Java " + System.getProperty("java.version") + " · "
        + System.getProperty("os.name") + " " + System.getProperty("os.arch"));
    out.println("engine: DJL " + EngineVersions.DJL + ", PyTorch engine, libtorch " + EngineVersions.LIBTORCH
        + " from " + libtorchSource());
    out.println("CPU: " + cpu.describe());
    if (cpu.cacheSizesHidden()) {
      out.println("  this CPU reports no cache sizes (a virtual machine that hides its topology): oneDNN "
          + "sizes its kernels from them, which is why some caps crash or miscompute here");
    }
    int threads = dev.headstart.engine.LibtorchThreads.userSetting();
    out.println("threads: " + cpu.cores() + " cores; libtorch intra-op threads "
        + (threads > 0 ? threads + " (-Dai.djl.pytorch.num_threads)"
            : "per stage (extract balances them against decoders, finetune gives libtorch the cores left, train uses 1)"));
    if (NativeEnv.givenAtStart(EngineGuard.ISA_VARIABLE)) {
      out.println("environment: " + EngineGuard.ISA_VARIABLE + "=" + System.getenv(EngineGuard.ISA_VARIABLE)
          + " is set, so headstart uses it as given (the known-answer check still guards it)");
    }

    EngineChoice choice = recheck ? null : EngineChoices.cached(cpu);
    out.println();
    if (choice == null) {
      out.println("engine check: running now (child processes, one per cap)...");
      choice = EngineChoices.check(cpu, s -> out.println(s));
    }
    out.println("engine check " + choice.key() + " of " + choice.checkedAt() + " (" + choice.seconds() + " s; "
        + EngineChoices.file(choice.key()) + "):");
    for (EngineChoice.Trial t : choice.trials()) {
      out.printf("  %-11s %-15s %-7s %s%n", t.isa(), label(t.workload()), t.outcome(), trialDetail(t));
    }
    out.println("chosen: " + choice.summary());
    boolean healthy = true;
    for (Workload w : Workload.values()) if (choice.isaFor(w) == null) healthy = false;

    PipelineConfig pipeline = config.load();
    for (String line : gpus(pipeline)) out.println(line);
    if (noProbe) return healthy ? 0 : 1;
    out.println();
    BackboneSource source;
    try {
      source = BackboneLoader.locate(pipeline.backbone(), pipeline.baseDir());
    } catch (UserException e) {
      out.println("backbone: " + e.getMessage());
      return 1;
    }
    if (source.isModelZoo()) {
      out.println("backbone " + source.uri() + ": a model-zoo URL has no known answer to check here");
      return healthy ? 0 : 1;
    }
    List<String> roles = new ArrayList<>(List.of("inference"));
    Path bf16 = source.inferenceFile().resolveSibling(
        source.inferenceFile().getFileName().toString().replaceFirst("\\.pt$", "") + "-bf16.pt");
    if (Files.isRegularFile(bf16)) roles.add("bf16");
    if (source.card().trainableFile() != null) roles.add("trainable");
    out.println("backbone " + source.uri() + " (" + source.card().name() + ", " + source.card().architecture()
        + "): known-answer check under each cap" + (source.card().probe() == null ? " (the card has no probe: "
        + "tools/export_backbone.py --add-probe adds one)" : ""));
    Map<String, Isa> needed = new LinkedHashMap<>();
    needed.put("inference", choice.isaFor(Workload.FP32_INFERENCE));
    needed.put("bf16", choice.isaFor(Workload.BF16_INFERENCE));
    needed.put("trainable", choice.isaFor(Workload.TRAINING));
    boolean usable = true;
    for (Isa isa : Isa.candidates(cpu.flags())) {
      Map<String, String> results = probeChild(pipeline, isa, roles);
      for (String role : roles) {
        String r = results.getOrDefault(role, "not run (the process died on an earlier file)");
        Isa use = needed.get(role);
        boolean chosen = use == isa;
        out.printf("  %-11s %-9s %s%s%n", isa.envValue, role, r, chosen ? "   <- headstart uses this" : "");
        if (chosen && !r.startsWith("ok") && !r.startsWith("unchecked") && !role.equals("bf16")) usable = false;
      }
    }
    DevicePlan plan = gpuPlan(pipeline);
    for (int gpu : plan.gpus()) {
      // the GPU's kernels, not oneDNN's: one child per GPU, under the cap fp32 inference uses
      List<String> onGpu = new ArrayList<>(List.of("device=gpu:" + gpu));
      onGpu.addAll(roles);
      Isa cap = needed.get("inference") != null ? needed.get("inference") : EngineGuard.applied().isa();
      Map<String, String> results = probeChild(pipeline, cap, onGpu);
      for (String role : roles) {
        String r = results.getOrDefault(role, "not run (the process died on an earlier file)");
        out.printf("  %-11s %-9s %s   <- backbone.device uses this GPU%n", "cuda:" + gpu, role, r);
        if (!r.startsWith("ok") && !r.startsWith("unchecked") && !role.equals("bf16")) usable = false;
      }
    }
    out.println(usable && healthy ? "verdict: this backbone runs correctly here with the chosen caps"
        : "verdict: NOT usable as chosen on this machine; see the lines above");
    return usable && healthy ? 0 : 1;
  }

  private static String label(String workload) {
    try {
      return Workload.valueOf(workload).label;
    } catch (IllegalArgumentException e) {
      return workload;
    }
  }

  private static String trialDetail(EngineChoice.Trial t) {
    String cases = t.cases() + " cases";
    return switch (t.outcome()) {
      case "ok" -> cases + ", worst " + String.format("%.2g", t.worstDiff()) + " (" + t.worstCase() + ")";
      case "wrong" -> t.worstCase() + (Double.isFinite(t.worstDiff())
          ? " off by " + String.format("%.2g", t.worstDiff()) + " of its largest value" : " gave NaN or infinity");
      default -> "in " + t.worstCase() + (t.detail() == null ? "" : ": " + t.detail());
    };
  }

  private Map<String, String> probeChild(PipelineConfig pipeline, Isa isa, List<String> roles) throws IOException {
    List<String> args = new ArrayList<>(List.of(pipeline.baseDir().toAbsolutePath().toString(),
        pipeline.backbone().uri(), pipeline.backbone().card()));
    args.addAll(roles);
    CrashSafeChild child = CrashSafeChild.run(ProbeMain.class.getName(), args, isa,
        Path.of(System.getProperty("java.io.tmpdir")), ProbeMain.START, ProbeMain.RESULT, 600);
    Map<String, String> results = new LinkedHashMap<>();
    for (String rest : child.results()) {
      int sp = rest.indexOf(' ');
      results.put(rest.substring(0, sp), format(rest.substring(sp + 1)));
    }
    if (child.diedIn() != null) results.put(child.diedIn(), "CRASHED (" + child.detail() + ")");
    return results;
  }

  private static String format(String result) {
    String[] f = result.split(" ", 3);
    return switch (f[0]) {
      case "ok" -> String.format("ok      max diff %.2g of the largest feature (%.2f s)", Double.parseDouble(f[1]),
          Double.parseDouble(f[2]));
      case "wrong" -> String.format("WRONG   max diff %s of the largest feature", pct(Double.parseDouble(f[1])));
      default -> f[0] + " " + (f.length > 2 ? f[2] : "");
    };
  }

  private static String pct(double v) {
    return !Double.isFinite(v) ? "NaN/inf" : v >= 0.01 ? String.format("%.0f%%", v * 100) : String.format("%.2g", v);
  }

  /** The GPUs backbone.device uses (none when it cannot be planned: the GPU lines say why). */
  private static DevicePlan gpuPlan(PipelineConfig pipeline) {
    try {
      return DevicePlan.current("backbone.device", pipeline.backbone().deviceSetting());
    } catch (UserException e) {
      return new DevicePlan(List.of(), e.getMessage());
    }
  }

  private static String libtorchSource() {
    return LibtorchSwitch.source();
  }

  /**
   * The libtorch DJL actually loaded and where from, the GPUs the driver shows, whether libtorch
   * can use them, and where backbone.device puts the backbone.
   */
  private static List<String> gpus(PipelineConfig pipeline) {
    List<String> lines = new ArrayList<>();
    List<Gpus.Gpu> seen = Gpus.list();
    lines.add("GPUs (NVIDIA driver): " + (seen.isEmpty() ? "none (" + Gpus.whyNone() + ")"
        : String.join(", ", seen.stream().map(Gpus.Gpu::describe).toList())));
    try {
      EngineGuard.prepare(java.util.EnumSet.of(Workload.FP32_INFERENCE), s -> { });
      ai.djl.engine.Engine engine = ai.djl.engine.Engine.getEngine("PyTorch");
      boolean cuda = engine.hasCapability(ai.djl.engine.StandardCapabilities.CUDA);
      lines.add("libtorch loaded: " + engine.getVersion() + " from " + ai.djl.pytorch.jni.LibUtils.getLibtorchPath()
          + (cuda ? " (CUDA build)" : " (CPU build)"));
    } catch (RuntimeException | LinkageError e) {
      lines.add("libtorch loaded: FAILED (" + e.getMessage() + ")");
    }
    String setting = pipeline.backbone().device();
    try {
      DevicePlan plan = DevicePlan.current("backbone.device", pipeline.backbone().deviceSetting());
      lines.add("backbone.device " + setting + " -> " + plan.describe()
          + (plan.gpus().size() > 1 ? " (extract: one predictor per GPU; finetune and predict: the first)" : "")
          + (plan.note() == null ? "" : "; " + plan.note()));
    } catch (UserException e) {
      lines.add("backbone.device " + setting + " -> cannot run: " + e.getMessage());
    }
    return lines;
  }
}
