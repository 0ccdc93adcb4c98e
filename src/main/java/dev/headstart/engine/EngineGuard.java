package dev.headstart.engine;

import dev.headstart.core.UserException;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Applies the engine check's choice to this process before libtorch loads: the safest of the caps
 * its workloads need is set as ONEDNN_MAX_CPU_ISA (through setenv, which oneDNN reads when it
 * starts). A cap the user or a parent process gave in the environment is kept: the
 * backbone's known-answer check still guards it.
 */
public final class EngineGuard {
  public static final String ISA_VARIABLE = "ONEDNN_MAX_CPU_ISA";
  /** A log level the user asks of libtorch; anything but ERROR keeps its warnings (QuietLibtorch). */
  public static final String LOG_VARIABLE = "TORCH_CPP_LOG_LEVEL";
  /** Set by a parent that re-ran a command under a safer cap: why it did. */
  public static final String FALLBACK_VARIABLE = "HEADSTART_ENGINE_FALLBACK";
  /** "off" skips the engine check (oneDNN uncapped; the known-answer check still runs). */
  public static final String CHECK_VARIABLE = "HEADSTART_ENGINE_CHECK";

  private static volatile boolean relaunchAllowed;
  private static volatile Applied applied;

  /**
   * The cap this process runs under and why.
   *
   * @param source "engine check", "environment", "probe fallback", "unchecked" or "fixed"
   */
  public record Applied(Isa isa, String source, String detail) {
    public Map<String, Object> describe() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("onednn_max_cpu_isa", isa.envValue);
      m.put("chosen_by", source);
      if (detail != null) m.put("detail", detail);
      return m;
    }
  }

  private EngineGuard() {}

  /** The command line calls this: a command that needs a safer cap may re-run itself. */
  public static void allowRelaunch() {
    relaunchAllowed = true;
  }

  public static boolean relaunchAllowed() {
    return relaunchAllowed;
  }

  /** The cap in force (or that will be when libtorch loads). */
  public static Applied applied() {
    Applied a = applied;
    if (a != null) return a;
    return new Applied(Isa.parse(NativeEnv.get(ISA_VARIABLE)), "unchecked", null);
  }

  /** Prepares this process for these workloads; a no-op when nothing needs to change. */
  public static synchronized Applied prepare(Set<Workload> workloads) {
    return prepare(workloads, msg -> System.err.println("headstart: " + msg));
  }

  public static synchronized Applied prepare(Set<Workload> workloads, Consumer<String> notice) {
    LibtorchSwitch.install();
    Isa current = Isa.parse(NativeEnv.get(ISA_VARIABLE));
    if (NativeEnv.givenAtStart(ISA_VARIABLE)) {
      String fallback = System.getenv(FALLBACK_VARIABLE);
      applied = new Applied(current, fallback != null ? "probe fallback" : "environment", fallback);
      return applied;
    }
    if ("off".equalsIgnoreCase(System.getenv(CHECK_VARIABLE))) {
      applied = new Applied(current, "unchecked", CHECK_VARIABLE + "=off");
      return applied;
    }
    CpuInfo cpu = CpuInfo.current();
    EngineChoice choice = EngineChoices.cached(cpu);
    if (choice == null) {
      notice.accept("checking how libtorch computes on this CPU (once per machine: a few child "
          + "processes, up to a minute)...");
      choice = EngineChoices.check(cpu, s -> { });
      notice.accept("engine check: " + choice.summary() + " (" + choice.seconds() + " s; cached in "
          + EngineChoices.file(choice.key()) + "; headstart doctor shows the details)");
    }
    Isa needed = Isa.ALL;
    for (Workload w : workloads) {
      Isa isa = choice.isaFor(w);
      if (isa == null) {
        throw new UserException("libtorch " + EngineVersions.LIBTORCH + " crashes or computes wrongly on "
            + "this CPU (" + cpu.model() + ") for " + w.label + " under every oneDNN cap the engine "
            + "check tried; `headstart doctor` lists what failed. Try another machine, or a GPU");
      }
      needed = Isa.safest(needed, isa);
    }
    if (NativeEnv.libtorchLoaded()) {
      if (!current.atLeastAsSafeAs(needed)) {
        String why = "libtorch was loaded under oneDNN " + current.envValue + " before the engine "
            + "check could cap it at " + needed.envValue;
        if (relaunchAllowed) throw new SaferEngineNeeded(needed, why);
        throw new UserException(why + "; start the JVM with " + ISA_VARIABLE + "=" + needed.envValue);
      }
      if (applied == null) applied = new Applied(current, "fixed", "libtorch was loaded before the engine check");
      QuietLibtorch.apply();
      return applied;
    }
    if (!NativeEnv.set(ISA_VARIABLE, needed.envValue)) {
      String why = "cannot set " + ISA_VARIABLE + " inside this JVM";
      if (relaunchAllowed) throw new SaferEngineNeeded(needed, why);
      throw new UserException(why + "; start it with " + ISA_VARIABLE + "=" + needed.envValue
          + " in the environment");
    }
    applied = new Applied(needed, "engine check", "check " + choice.key() + " of " + choice.checkedAt());
    return applied;
  }

  /** Every workload: for a process that may do anything (tests, the pipeline runner). */
  public static Applied prepareAll() {
    return prepare(EnumSet.allOf(Workload.class));
  }
}
