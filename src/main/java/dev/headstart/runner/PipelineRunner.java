package dev.headstart.runner;

import dev.headstart.config.HeadstartVersion;
import dev.headstart.config.PipelineConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The make-like runner: runs the configured stages in dependency order and skips a stage when
 * everything it depends on (its fingerprint parts) is unchanged since its last success and its
 * outputs still exist, as DVC's repro does. A stage that fails stops the run; the stages before
 * it keep their outputs and their recorded state.
 */
public final class PipelineRunner {

  /**
   * Runs one stage and returns its exit status; the command line's calls the stage in this
   * process. A stage whose inputs changed is simply run again: extract's store keeps every
   * backbone's features apart and computes only what it lacks, so nothing is ever replaced.
   */
  public interface StageExecutor {
    int execute(PipelineStage stage);
  }

  /**
   * @param force stages to run even when up to date
   * @param from run this stage and every later one even when up to date (null = none)
   * @param only run just this stage (null = all configured stages)
   */
  public record Options(Set<PipelineStage> force, PipelineStage from, PipelineStage only, boolean dryRun) {}

  /** What happened: the decisions, and the exit code of the stage that failed (0 if none). */
  public record Outcome(List<Decision> decisions, int exitCode, PipelineStage failed) {}

  private final PipelineConfig config;
  private final StateStore store;
  private final StageExecutor executor;
  private final PrintStream log;

  public PipelineRunner(PipelineConfig config, StageExecutor executor, PrintStream log) {
    this.config = config;
    this.store = new StateStore(config.resolvePath(config.run().state()));
    this.executor = executor;
    this.log = log;
  }

  public Outcome run(Options options) throws IOException {
    List<PipelineStage> stages = new ArrayList<>(new TreeSet<>(
        config.run().stages().stream().map(PipelineStage::of).toList()));
    if (options.only() != null) stages = List.of(options.only());

    StageInputs inputs = new StageInputs(config);
    StageOutputs outputs = new StageOutputs(config);
    Set<String> willRun = new HashSet<>();
    List<Decision> decisions = new ArrayList<>();

    for (PipelineStage stage : stages) {
      Map<String, String> parts = inputs.parts(stage);
      Decision d = decide(stage, parts, options, willRun, outputs);
      decisions.add(d);
      log.println(d);
      if (!d.run()) continue;
      willRun.add(stage.id());
      if (options.dryRun()) continue;

      Map<String, Long> before = outputs.snapshot(stage);
      long t0 = System.nanoTime();
      int rc = executor.execute(stage);
      double seconds = (System.nanoTime() - t0) / 1e9;
      if (rc != 0) {
        log.printf(Locale.ROOT, "run: stage '%s' failed (exit %d) after %.1f s; the stages before it "
            + "are kept, fix the error above and rerun ./run%n", stage.id(), rc, seconds);
        return new Outcome(decisions, rc, stage);
      }
      store.write(new StageState(stage.id(), StageInputs.fingerprint(parts), parts,
          outputs.after(stage, before), Instant.now().toString(), seconds, HeadstartVersion.VERSION));
      log.printf(Locale.ROOT, "run: %s done in %.1f s%n", stage.id(), seconds);
    }
    return new Outcome(decisions, 0, null);
  }

  private Decision decide(PipelineStage stage, Map<String, String> parts, Options options,
      Set<String> willRun, StageOutputs outputs) {
    if (options.force().contains(stage)) return new Decision(stage, true, "forced with --force");
    if (options.from() != null && stage.compareTo(options.from()) >= 0) {
      return new Decision(stage, true, "forced with --from " + options.from().id());
    }
    Optional<StageState> last = store.read(stage);
    if (last.isEmpty()) return new Decision(stage, true, "never ran");
    if (options.dryRun()) {
      for (String up : stage.upstream()) {
        if (willRun.contains(up)) return new Decision(stage, true, "upstream stage " + up + " reruns");
      }
    }
    StageState state = last.get();
    if (!StageInputs.fingerprint(parts).equals(state.fingerprint())) {
      return new Decision(stage, true, describeChanges(state.parts(), parts));
    }
    String missing = outputs.firstMissing(state.outputs());
    if (missing != null) return new Decision(stage, true, "output missing: " + missing);
    return new Decision(stage, false, "up to date");
  }

  static List<String> changedKeys(Map<String, String> before, Map<String, String> now) {
    Set<String> keys = new TreeSet<>(before.keySet());
    keys.addAll(now.keySet());
    List<String> changed = new ArrayList<>();
    for (String k : keys) {
      if (before.get(k) == null || !before.get(k).equals(now.get(k))) changed.add(k);
    }
    return changed;
  }

  static String describeChanges(Map<String, String> before, Map<String, String> now) {
    List<String> changes = new ArrayList<>();
    for (String k : changedKeys(before, now)) {
      String a = before.get(k);
      String b = now.get(k);
      boolean hash = k.endsWith("files") || k.equals("features") || k.equals("runs");
      changes.add(hash ? k + " changed" : k + ": " + shorten(a) + " -> " + shorten(b));
    }
    if (changes.size() > 3) {
      int more = changes.size() - 3;
      changes = new ArrayList<>(changes.subList(0, 3));
      changes.add("and " + more + " more");
    }
    return String.join("; ", changes);
  }

  private static String shorten(String s) {
    if (s == null) return "(none)";
    return s.length() > 40 ? s.substring(0, 37) + "..." : s;
  }
}
