package dev.headstart.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * Runs that differ only in their seed (./train --seeds N, or a sweep over seed): one group per
 * setting, with the mean and sample standard deviation of its validation (and test) accuracy, so a
 * gap between two settings can be read against what a new seed alone moves.
 */
final class SeedGroups {
  /** Outcomes and bookkeeping recorded among the hyperparameters, not settings. */
  private static final List<String> NOT_SETTINGS = List.of("seed", "epochs_run", "stopped_early", "features", "threads");

  private SeedGroups() {}

  /** The groups of two or more runs: runs, seeds, the four statistics; empty when there are none. */
  static Table of(List<LoadedRun> runs) {
    Map<String, List<LoadedRun>> groups = new LinkedHashMap<>();
    for (LoadedRun r : runs) {
      if (r.config().hyperparameters() == null || !r.config().hyperparameters().containsKey("seed")) continue;
      Map<String, Object> setting = new TreeMap<>(r.config().hyperparameters());
      NOT_SETTINGS.forEach(setting::remove);
      groups.computeIfAbsent(r.method().id() + " " + setting, k -> new ArrayList<>()).add(r);
    }
    StringColumn method = StringColumn.create("method");
    StringColumn members = StringColumn.create("runs");
    IntColumn seeds = IntColumn.create("seeds");
    DoubleColumn valMean = DoubleColumn.create("val_accuracy_mean");
    DoubleColumn valSd = DoubleColumn.create("val_accuracy_sd");
    DoubleColumn testMean = DoubleColumn.create("test_accuracy_mean");
    DoubleColumn testSd = DoubleColumn.create("test_accuracy_sd");
    for (List<LoadedRun> g : groups.values()) {
      if (g.size() < 2) continue;
      method.append(g.get(0).method().id());
      members.append(String.join(" ", g.stream().map(LoadedRun::name).toList()));
      seeds.append(g.size());
      double[] val = g.stream().mapToDouble(r -> r.metrics().bestValAccuracy()).toArray();
      valMean.append(mean(val));
      valSd.append(sd(val));
      if (g.stream().allMatch(LoadedRun::hasTest)) {
        double[] test = g.stream().mapToDouble(r -> r.metrics().test().accuracy()).toArray();
        testMean.append(mean(test));
        testSd.append(sd(test));
      } else {
        testMean.appendMissing();
        testSd.appendMissing();
      }
    }
    return Table.create("seeds", method, members, seeds, valMean, valSd, testMean, testSd);
  }

  static double mean(double[] v) {
    double s = 0;
    for (double x : v) s += x;
    return s / v.length;
  }

  /** Sample standard deviation (n - 1). */
  static double sd(double[] v) {
    double m = mean(v);
    double s = 0;
    for (double x : v) s += (x - m) * (x - m);
    return Math.sqrt(s / (v.length - 1));
  }
}
