package dev.headstart.engine;

import java.util.List;

/**
 * Speaks EngineBatteryMain's protocol with scripted outcomes per oneDNN cap, so the engine check's
 * decisions can be tested on any CPU: under ALL the fp32 case "crashy" kills the process (as a
 * SIGFPE would) and training is wrong; under AVX512_CORE fp32 is wrong and training passes; under
 * AVX2 everything passes.
 */
public final class FakeBatteryMain {
  private FakeBatteryMain() {}

  public static void main(String[] args) {
    String isa = System.getenv(EngineGuard.ISA_VARIABLE);
    List<String> workloads = List.of(args[1].split(","));
    for (String w : workloads) {
      for (String c : List.of("first", "crashy")) {
        System.out.println(EngineBatteryMain.START + c + " " + w);
        System.out.flush();
        boolean wrong = false;
        if (w.equals("FP32_INFERENCE") && c.equals("crashy") && isa.equals("ALL")) {
          Runtime.getRuntime().halt(134);
        }
        if (w.equals("FP32_INFERENCE") && isa.equals("AVX512_CORE")) wrong = true;
        if (w.equals("TRAINING") && isa.equals("ALL") && c.equals("first")) wrong = true;
        System.out.println(EngineBatteryMain.RESULT + c + " " + w + " " + (wrong ? "wrong 0.25" : "ok 1e-7"));
        System.out.flush();
        if (wrong) break;
      }
    }
    System.exit(0);
  }
}
