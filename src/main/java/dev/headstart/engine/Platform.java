package dev.headstart.engine;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where numbers were computed, for provenance (manifest.json, every run's config.json) and the
 * doctor: CPU, the instruction sets oneDNN was allowed and why, libtorch and DJL versions, threads,
 * device and precision.
 */
public final class Platform {
  private Platform() {}

  public static Map<String, Object> describe(String device, String precision) {
    CpuInfo cpu = CpuInfo.current();
    EngineGuard.Applied applied = EngineGuard.applied();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cpu_model", cpu.model());
    m.put("cpu_vendor", cpu.vendor());
    m.put("cpu_family", cpu.family());
    m.put("cpu_isa_flags", String.join(" ", cpu.isaFlags()));
    m.put("cpu_cache_sizes_hidden", cpu.cacheSizesHidden());
    m.put("cores", cpu.cores());
    m.putAll(applied.describe());
    m.put("libtorch", EngineVersions.LIBTORCH);
    LibtorchFolder own = LibtorchSwitch.installed();
    m.put("libtorch_source", own == null ? "pytorch-native-cpu jar" : own.dir() + " (" + own.version() + ")");
    if (device != null && device.contains("gpu")) {
      m.put("gpus", String.join(", ", Gpus.list().stream().map(Gpus.Gpu::describe).toList()));
    }
    m.put("djl", EngineVersions.DJL);
    m.put("intra_op_threads", LibtorchThreads.current());
    m.put("device", device);
    m.put("precision", precision);
    m.put("java", System.getProperty("java.version"));
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
    return m;
  }

  /** One line for reports: "AMD EPYC · oneDNN AVX (engine check) · libtorch 2.7.1 · cpu fp32". */
  public static String line(Map<?, ?> platform) {
    if (platform == null) return "";
    return platform.get("cpu_model") + " · oneDNN " + platform.get("onednn_max_cpu_isa") + " ("
        + platform.get("chosen_by") + ") · libtorch " + platform.get("libtorch") + " · "
        + platform.get("device") + " " + platform.get("precision");
  }
}
