package dev.headstart.config;

import java.util.List;

/** Range checks for configuration records; each failure names the key and the accepted range. */
public final class Check {
  private Check() {}

  public static void positive(String key, double value) {
    if (!(value > 0)) throw new ConfigException("'" + key + "' must be greater than 0, got " + value);
  }

  public static void nonNegative(String key, double value) {
    if (!(value >= 0)) throw new ConfigException("'" + key + "' must be 0 or more, got " + value);
  }

  public static void fraction(String key, double value) {
    if (!(value >= 0 && value < 1)) {
      throw new ConfigException("'" + key + "' must be at least 0 and below 1, got " + value);
    }
  }

  public static void oneOf(String key, String value, List<String> allowed) {
    if (!allowed.contains(value)) {
      throw new ConfigException("'" + key + "' must be one of " + allowed + ", got '" + value + "'"
          + DidYouMean.hint(value, allowed));
    }
  }
}
