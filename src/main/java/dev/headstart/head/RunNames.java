package dev.headstart.head;

import dev.headstart.config.RecordBinder;
import dev.headstart.config.TrainConfig;
import dev.headstart.io.Hashing;
import dev.headstart.io.Json;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Default run names, derived from the settings: readable ({@code head-linear-sgd-lr0.001-bs8-e25})
 * plus a short hash of every setting that changes the result and of the features' fingerprint,
 * so two different settings never write into the same run folder.
 */
public final class RunNames {
  /** Keys that say where things go or how a sweep is run, not what the head learns. */
  private static final List<String> NOT_SETTINGS = List.of("features", "runs", "name", "sweep", "parallel");

  private RunNames() {}

  public static String of(TrainConfig c, String featuresFingerprint) {
    StringBuilder sb = new StringBuilder("head-").append(c.head());
    if (c.head().equals(HeadSpec.MLP)) {
      sb.append("-h").append(c.hidden().stream().map(String::valueOf).collect(Collectors.joining("x")));
    }
    sb.append('-').append(c.optimizer()).append("-lr").append(number(c.lr()))
        .append("-bs").append(c.batchSize()).append("-e").append(c.epochs())
        .append('-').append(hash(c, featuresFingerprint));
    return sb.toString();
  }

  /** The settings that decide a run's result, snake_case (what the hash covers). */
  public static Map<String, Object> settings(TrainConfig c) {
    Map<String, Object> m = new LinkedHashMap<>(RecordBinder.toMap(c));
    NOT_SETTINGS.forEach(m::remove);
    return m;
  }

  static String hash(TrainConfig c, String featuresFingerprint) {
    Map<String, Object> m = settings(c);
    m.put("features_fingerprint", featuresFingerprint);
    return Hashing.sha256(Json.GSON.toJson(m)).substring(0, 6);
  }

  /** 0.001 stays 0.001, 1.0E-4 becomes 0.0001, 0.1 stays 0.1: names without exponents. */
  public static String number(double v) {
    return new BigDecimal(Double.toString(v)).stripTrailingZeros().toPlainString();
  }
}
