package dev.headstart.head;

import dev.headstart.config.ConfigException;
import dev.headstart.config.RecordBinder;
import dev.headstart.config.TrainConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The points of a sweep: the cartesian product of {@code train.sweep} (key -> values) applied
 * to the base settings. Keys are train keys (lr, weight_decay, head, hidden, tap, ...) or the short
 * forms wd, bs, ls; an mlp's hidden sizes are written 256x128. Every point is bound and checked
 * before any training starts, so a bad value fails the sweep at once.
 */
public final class SweepGrid {
  private static final Map<String, String> ALIASES = Map.of(
      "wd", "weight_decay", "bs", "batch_size", "ls", "label_smoothing", "opt", "optimizer", "sched", "scheduler");

  /** One point: its settings, and the swept values that make it (snake_case key -> value). */
  public record Point(TrainConfig config, Map<String, String> values) {}

  private SweepGrid() {}

  public static String canonicalKey(String key) {
    return ALIASES.getOrDefault(key.trim(), key.trim());
  }

  public static List<Point> expand(TrainConfig base, Map<String, List<String>> sweep) {
    // sorted keys: the same grid always expands in the same order, whatever map it came in
    Map<String, List<String>> axes = new TreeMap<>();
    sweep.forEach((k, v) -> {
      String key = canonicalKey(k);
      if (v.isEmpty()) throw new ConfigException("'train.sweep." + k + "' has no values; give a list such as 0.1,0.01");
      if (axes.put(key, v) != null) throw new ConfigException("'train.sweep' names " + key + " twice");
    });
    if (axes.containsKey("features")) {
      throw new ConfigException("'train.sweep.features' cannot be swept: train.features is the feature store;"
          + " to compare a backbone's taps sweep 'tap', e.g. --sweep tap=layer2,layer3,layer4");
    }
    for (String k : List.of("sweep", "name", "runs", "parallel", "seeds")) {
      if (axes.containsKey(k)) throw new ConfigException("'train.sweep." + k + "' cannot be swept");
    }
    Map<String, Object> fixed = new LinkedHashMap<>(RecordBinder.toMap(base));
    fixed.put("sweep", Map.of());
    fixed.put("name", "");
    TrainConfig start = RecordBinder.bind("train", fixed, TrainConfig.DEFAULTS);
    List<Point> points = new ArrayList<>();
    points.add(new Point(start, new LinkedHashMap<>()));
    for (Map.Entry<String, List<String>> axis : axes.entrySet()) {
      List<Point> next = new ArrayList<>();
      for (Point p : points) {
        for (String value : axis.getValue()) {
          Map<String, String> values = new LinkedHashMap<>(p.values());
          values.put(axis.getKey(), value.trim());
          Map<String, Object> override = new LinkedHashMap<>();
          override.put(axis.getKey(), axis.getKey().equals("hidden") ? value.trim().replace('x', ',') : value.trim());
          next.add(new Point(RecordBinder.bind("train.sweep", override, p.config()), values));
        }
      }
      points = next;
    }
    return points;
  }
}
