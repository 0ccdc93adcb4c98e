package dev.headstart.runs;

import dev.headstart.io.Hashing;
import dev.headstart.io.Json;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * Default run folder names for every method: readable parts from the settings
 * ({@code head-linear-sgd-lr0.001-bs8-e25}, {@code finetune-resnet18-lr0.002-e15}) plus a short
 * hash of every setting that changes the result, so two different settings never write into the
 * same folder and a rerun with the same settings replaces its earlier self.
 */
public final class RunNames {
  private RunNames() {}

  /** parts joined by '-', then the first hashChars hex digits of the settings' hash. */
  public static String of(List<String> parts, Map<String, Object> settings, int hashChars) {
    return String.join("-", parts) + "-" + Hashing.sha256(Json.write(settings)).substring(0, hashChars);
  }

  /** 0.001 stays 0.001, 1.0E-4 becomes 0.0001, 0.1 stays 0.1: names without exponents. */
  public static String number(double v) {
    return new BigDecimal(Double.toString(v)).stripTrailingZeros().toPlainString();
  }

  /** A name part that is safe in a folder name. */
  public static String safe(String s) {
    return s.replaceAll("[^A-Za-z0-9_.-]", "_");
  }
}
