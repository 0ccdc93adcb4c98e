package dev.headstart.config;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * backbone.device (and predict's --device), parsed: {@code auto} (every GPU this process sees when
 * libtorch can use them, else the CPU), {@code cpu}, {@code gpu} (every GPU seen; an error without
 * one) or {@code gpu:0,1} (those CUDA indices, in that order).
 *
 * @param kind auto, cpu or gpu
 * @param gpus the CUDA indices asked for; empty for all of them (or for auto and cpu)
 */
public record DeviceSetting(Kind kind, List<Integer> gpus) {
  public enum Kind { AUTO, CPU, GPU }

  public static final List<String> FORMS = List.of("auto", "cpu", "gpu", "gpu:0,1");

  public DeviceSetting {
    gpus = List.copyOf(gpus);
  }

  /** Parses a setting; the key names it in the error ("backbone.device"). */
  public static DeviceSetting parse(String key, String value) {
    String v = value == null ? "" : value.trim().toLowerCase(java.util.Locale.ROOT);
    switch (v) {
      case "auto" -> {
        return new DeviceSetting(Kind.AUTO, List.of());
      }
      case "cpu" -> {
        return new DeviceSetting(Kind.CPU, List.of());
      }
      case "gpu" -> {
        return new DeviceSetting(Kind.GPU, List.of());
      }
      default -> { }
    }
    if (!v.startsWith("gpu:")) {
      throw new ConfigException("'" + key + "' must be one of auto, cpu, gpu or gpu:N,M (CUDA indices), got '"
          + value + "'" + DidYouMean.hint(v, List.of("auto", "cpu", "gpu")));
    }
    Set<Integer> ids = new LinkedHashSet<>();
    for (String part : v.substring(4).split(",", -1)) {
      String p = part.trim();
      if (!p.matches("\\d{1,3}")) {
        throw new ConfigException("'" + key + "' lists GPUs as gpu:0,1 (CUDA indices, 0 or more), got '" + value
            + "'");
      }
      if (!ids.add(Integer.parseInt(p))) {
        throw new ConfigException("'" + key + "' names GPU " + p + " twice in '" + value + "'");
      }
    }
    return new DeviceSetting(Kind.GPU, new ArrayList<>(ids));
  }

  /** The setting as written in pipeline.yaml. */
  @Override
  public String toString() {
    if (kind != Kind.GPU || gpus.isEmpty()) return kind.name().toLowerCase(java.util.Locale.ROOT);
    return "gpu:" + String.join(",", gpus.stream().map(String::valueOf).toList());
  }
}
