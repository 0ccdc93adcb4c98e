package dev.headstart.engine;

import java.util.List;
import java.util.Map;

/**
 * What the engine check found on one machine: for each workload the fastest oneDNN cap under
 * which no battery case crashed or miscomputed ("none" when every cap failed), and every trial.
 *
 * @param key what the result is valid for (CPU, flags, libtorch, DJL, headstart, battery)
 * @param chosen workload name -> ONEDNN_MAX_CPU_ISA value, or "none"
 */
public record EngineChoice(int version, String key, String cpu, String libtorch, String djl,
    String headstart, String checkedAt, double seconds, Map<String, String> chosen, List<Trial> trials) {

  public static final int VERSION = 1;
  public static final String NONE = "none";

  /**
   * One child process's verdict on one workload under one cap.
   *
   * @param outcome ok, wrong or crashed
   * @param worstCase the case that failed (or, when ok, the one furthest from its reference)
   */
  public record Trial(String isa, String workload, String outcome, String worstCase, double worstDiff,
      int cases, String detail) {}

  /** The cap chosen for a workload, or null when none passed. */
  public Isa isaFor(Workload w) {
    String v = chosen.get(w.name());
    return v == null || v.equals(NONE) ? null : Isa.parse(v);
  }

  /** One line: "fp32 inference AVX, bf16 inference ALL, training AVX". */
  public String summary() {
    StringBuilder sb = new StringBuilder();
    for (Workload w : Workload.values()) {
      if (sb.length() > 0) sb.append(", ");
      sb.append(w.label).append(' ').append(chosen.getOrDefault(w.name(), "?"));
    }
    return sb.toString();
  }
}
