package dev.headstart.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The per-machine engine check: runs {@link EngineBatteryMain} in child processes under each oneDNN
 * cap this CPU can take, fastest first, and keeps for every workload the first cap under which all
 * its cases agree with their references. A child killed by a native crash (SIGFPE in a kernel's
 * blocking arithmetic, say) fails the workload whose case was running; the workloads it had not
 * reached are run again in a fresh child.
 */
public final class EngineCheck {
  private static final long CHILD_TIMEOUT_SECONDS = 300;

  private final CpuInfo cpu;
  private final Path workDir;
  private final Consumer<String> log;
  private final String batteryMain;

  public EngineCheck(CpuInfo cpu, Path workDir, Consumer<String> log) {
    this(cpu, workDir, log, EngineBatteryMain.class.getName());
  }

  /** With another child main class that speaks EngineBatteryMain's protocol (tests). */
  EngineCheck(CpuInfo cpu, Path workDir, Consumer<String> log, String batteryMain) {
    this.cpu = cpu;
    this.workDir = workDir;
    this.log = log;
    this.batteryMain = batteryMain;
  }

  /** What one child printed and how it ended. */
  record ChildRun(List<String[]> results, String[] crashedIn, String detail) {}

  public EngineChoice run(String key) throws IOException {
    long t0 = System.nanoTime();
    Files.createDirectories(workDir);
    Set<Workload> remaining = EnumSet.allOf(Workload.class);
    Map<String, String> chosen = new LinkedHashMap<>();
    for (Workload w : Workload.values()) chosen.put(w.name(), EngineChoice.NONE);
    List<EngineChoice.Trial> trials = new ArrayList<>();
    for (Isa isa : Isa.candidates(cpu.flags())) {
      if (remaining.isEmpty()) break;
      Set<Workload> todo = EnumSet.copyOf(remaining);
      while (!todo.isEmpty()) {
        ChildRun run = runChild(isa, todo);
        boolean progress = false;
        for (Workload w : List.copyOf(todo)) {
          List<String[]> mine = run.results().stream().filter(r -> r[1].equals(w.name())).toList();
          String[] wrong = mine.stream().filter(r -> r[2].equals("wrong")).findFirst().orElse(null);
          boolean crashedHere = run.crashedIn() != null && run.crashedIn()[1].equals(w.name());
          // the child runs workloads in enum order: those before the crashed one finished
          boolean finished = run.crashedIn() == null
              || (!crashedHere && !run.crashedIn()[1].equals("-")
                  && w.ordinal() < Workload.valueOf(run.crashedIn()[1]).ordinal());
          if (wrong != null) {
            trials.add(new EngineChoice.Trial(isa.envValue, w.name(), "wrong", wrong[0],
                Double.parseDouble(wrong[3]), mine.size(), null));
            todo.remove(w);
            progress = true;
          } else if (crashedHere) {
            trials.add(new EngineChoice.Trial(isa.envValue, w.name(), "crashed", run.crashedIn()[0],
                Double.NaN, mine.size(), run.detail()));
            todo.remove(w);
            progress = true;
          } else if (finished) {
            String[] worst = mine.stream()
                .max((a, b) -> Double.compare(Double.parseDouble(a[3]), Double.parseDouble(b[3])))
                .orElse(new String[] {"-", w.name(), "ok", "0"});
            trials.add(new EngineChoice.Trial(isa.envValue, w.name(), "ok", worst[0],
                Double.parseDouble(worst[3]), mine.size(), null));
            chosen.put(w.name(), isa.envValue);
            remaining.remove(w);
            todo.remove(w);
            progress = true;
          }
        }
        if (!progress) {
          // died before any case (libtorch failed to load, out of memory): every workload fails here
          for (Workload w : todo) {
            trials.add(new EngineChoice.Trial(isa.envValue, w.name(), "crashed", "(start-up)",
                Double.NaN, 0, run.detail()));
          }
          todo.clear();
        }
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    return new EngineChoice(EngineChoice.VERSION, key, cpu.describe(), EngineVersions.LIBTORCH,
        EngineVersions.DJL, dev.headstart.config.HeadstartVersion.VERSION, Instant.now().toString(),
        Math.round(seconds * 10) / 10.0, chosen, trials);
  }

  private ChildRun runChild(Isa isa, Set<Workload> workloads) throws IOException {
    String list = workloads.stream().map(Enum::name).collect(Collectors.joining(","));
    log.accept("  oneDNN " + isa.envValue + ": " + list.toLowerCase().replace('_', ' '));
    CrashSafeChild child = CrashSafeChild.run(batteryMain,
        List.of("--workloads", list, "--nets", workDir.resolve("nets").toString()), isa, workDir,
        EngineBatteryMain.START, EngineBatteryMain.RESULT, CHILD_TIMEOUT_SECONDS);
    List<String[]> results = child.results().stream().map(r -> r.split(" ")).toList();
    if (!child.died()) return new ChildRun(results, null, null);
    String[] diedIn = child.diedIn() != null ? child.diedIn().split(" ")
        : results.isEmpty() ? new String[] {"(start-up)", "-"} : null; // null: finished its cases, failed on exit
    return new ChildRun(results, diedIn == null ? null : new String[] {diedIn[0], diedIn[1]}, child.detail());
  }
}
