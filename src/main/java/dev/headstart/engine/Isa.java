package dev.headstart.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The instruction sets oneDNN (libtorch's CPU kernels) may be capped at through
 * {@code ONEDNN_MAX_CPU_ISA}, fastest first. A cap only removes kernels, so every later entry is
 * at least as safe as an earlier one; on a CPU without a set the cap changes nothing.
 */
public enum Isa {
  ALL("ALL", null),
  AVX512_CORE("AVX512_CORE", "avx512f"),
  AVX2("AVX2", "avx2"),
  AVX("AVX", "avx"),
  SSE41("SSE41", "sse4_1");

  /** The name oneDNN reads from ONEDNN_MAX_CPU_ISA. */
  public final String envValue;
  private final String cpuFlag;

  Isa(String envValue, String cpuFlag) {
    this.envValue = envValue;
    this.cpuFlag = cpuFlag;
  }

  /** The caps worth trying on a CPU with these flags: a cap above what it has is the same as ALL. */
  public static List<Isa> candidates(Set<String> cpuFlags) {
    List<Isa> out = new ArrayList<>();
    out.add(ALL);
    for (Isa isa : values()) {
      if (isa != ALL && cpuFlags.contains(isa.cpuFlag)) out.add(isa);
    }
    return out;
  }

  /** The next safer cap on this CPU, or null when this is the safest. */
  public Isa safer(Set<String> cpuFlags) {
    List<Isa> c = candidates(cpuFlags);
    int i = c.indexOf(this);
    return i >= 0 && i + 1 < c.size() ? c.get(i + 1) : null;
  }

  /** True when this cap allows no more than {@code other} does. */
  public boolean atLeastAsSafeAs(Isa other) {
    return ordinal() >= other.ordinal();
  }

  /** The safer of two caps. */
  public static Isa safest(Isa a, Isa b) {
    return a.ordinal() >= b.ordinal() ? a : b;
  }

  /**
   * Parses ONEDNN_MAX_CPU_ISA's value; names oneDNN knows but this list does not (AVX2_VNNI,
   * AVX512_CORE_BF16, ...) map to the nearest entry at or below them.
   */
  public static Isa parse(String value) {
    if (value == null || value.isBlank()) return ALL;
    String v = value.trim().toUpperCase(Locale.ROOT);
    for (Isa isa : values()) {
      if (isa.envValue.equals(v)) return isa;
    }
    if (v.startsWith("AVX10") || v.startsWith("AVX512")) return AVX512_CORE;
    if (v.startsWith("AVX2")) return AVX2;
    if (v.startsWith("AVX")) return AVX;
    if (v.startsWith("SSE")) return SSE41;
    return ALL;
  }
}
