package dev.headstart.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The CPU as Linux describes it: vendor, model, the instruction-set flags that decide which oneDNN
 * kernels run, and whether the kernel sees any cache sizes (virtual machines that hide them make
 * oneDNN size its blocking from zeros).
 *
 * @param isaFlags the flags among {@link #ISA_FLAGS} that this CPU has
 */
public record CpuInfo(String vendor, String model, String family, int cores, Set<String> flags,
    List<String> isaFlags, boolean cacheSizesHidden) {

  /** Flags that select oneDNN kernels; what provenance and the doctor show. */
  public static final List<String> ISA_FLAGS = List.of("sse4_1", "avx", "avx2", "fma", "avx512f",
      "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16", "avx512_fp16", "avx_vnni", "amx_tile",
      "amx_bf16", "amx_int8");

  private static volatile CpuInfo current;

  /** This machine's CPU (read once). */
  public static CpuInfo current() {
    CpuInfo c = current;
    if (c == null) {
      c = read(Path.of("/proc/cpuinfo"), Path.of("/sys/devices/system/cpu/cpu0/cache"));
      current = c;
    }
    return c;
  }

  static CpuInfo read(Path cpuinfo, Path cacheDir) {
    String vendor = "unknown";
    String model = System.getProperty("os.arch");
    String family = "";
    Set<String> flags = new TreeSet<>();
    try {
      for (String line : Files.readAllLines(cpuinfo)) {
        if (line.isBlank()) break; // the first processor is enough: all cores are alike here
        int colon = line.indexOf(':');
        if (colon < 0) continue;
        String key = line.substring(0, colon).trim();
        String value = line.substring(colon + 1).trim();
        switch (key) {
          case "vendor_id" -> vendor = value;
          case "model name" -> model = value;
          case "cpu family" -> family = value;
          case "flags" -> flags.addAll(Arrays.asList(value.split("\\s+")));
          default -> { }
        }
      }
    } catch (IOException e) {
      // not Linux, or /proc hidden: nothing known, every cap stays a candidate
    }
    Set<String> isa = new LinkedHashSet<>();
    for (String f : ISA_FLAGS) if (flags.contains(f)) isa.add(f);
    boolean hidden = !Files.isDirectory(cacheDir);
    return new CpuInfo(vendor, model, family, Runtime.getRuntime().availableProcessors(),
        Set.copyOf(flags), List.copyOf(isa), hidden);
  }

  /** One line for logs and reports: "AMD EPYC (AuthenticAMD, family 26): avx2 avx512f ...". */
  public String describe() {
    return model + " (" + vendor + (family.isEmpty() ? "" : ", family " + family) + ", " + cores
        + " cores): " + String.join(" ", isaFlags) + (cacheSizesHidden ? "; cache sizes hidden" : "");
  }
}
