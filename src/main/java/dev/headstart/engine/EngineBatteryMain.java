package dev.headstart.engine;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The child process of the engine check: runs the battery's cases for the workloads it is given,
 * under whatever ONEDNN_MAX_CPU_ISA its parent set, and prints one line before and one after each
 * case, so the parent can name the case that crashed the process. A workload stops at its first
 * wrong case.
 *
 * <p>Usage: {@code EngineBatteryMain --workloads FP32_INFERENCE,TRAINING --nets DIR}
 */
public final class EngineBatteryMain {
  static final String START = "battery start ";
  static final String RESULT = "battery result ";

  private EngineBatteryMain() {}

  public static void main(String[] args) throws Exception {
    List<Workload> workloads = new ArrayList<>();
    Path nets = Path.of(System.getProperty("java.io.tmpdir"), "headstart-battery");
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--workloads" -> {
          for (String w : args[i + 1].split(",")) workloads.add(Workload.valueOf(w));
        }
        case "--nets" -> nets = Path.of(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    PrintStream out = System.out;
    Set<Workload> failed = new HashSet<>();
    try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
      for (EngineBattery.Case c : EngineBattery.cases(workloads, nets)) {
        if (failed.contains(c.workload())) continue;
        out.println(START + c.name() + " " + c.workload());
        out.flush();
        double diff;
        try {
          diff = c.body().run(manager);
        } catch (Exception | LinkageError e) {
          diff = Double.POSITIVE_INFINITY;
          System.err.println(c.name() + ": " + e);
        }
        boolean ok = diff <= EngineBattery.tolerance(c.workload());
        if (!ok) failed.add(c.workload());
        out.println(RESULT + c.name() + " " + c.workload() + " " + (ok ? "ok" : "wrong") + " " + diff);
        out.flush();
      }
    }
    System.exit(0);
  }
}
