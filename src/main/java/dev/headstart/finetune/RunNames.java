package dev.headstart.finetune;

import dev.headstart.io.Hashing;
import dev.headstart.io.Json;
import dev.headstart.runs.Method;
import java.math.BigDecimal;
import java.util.Map;

/**
 * Run folder names: {@code <mode>-<backbone>-lr<lr>-e<epochs>-<hash>}, the hash of all the
 * mode's settings, so runs with different settings never overwrite each other and a rerun with
 * the same settings replaces its earlier self; or {@code <name>-<mode>} when finetune.name is set.
 */
final class RunNames {
  private RunNames() {}

  static String of(String prefix, Method method, String backbone, double lr, int epochs,
      Map<String, Object> settings) {
    if (prefix != null && !prefix.isBlank()) return prefix + "-" + method.id();
    String hash = Hashing.sha256(Json.write(settings)).substring(0, 8);
    String lrText = BigDecimal.valueOf(lr).stripTrailingZeros().toPlainString();
    return method.id() + "-" + safe(backbone) + "-lr" + lrText + "-e" + epochs + "-" + hash;
  }

  private static String safe(String s) {
    return s.replaceAll("[^A-Za-z0-9_.-]", "_");
  }
}
