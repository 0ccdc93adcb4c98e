package dev.headstart.head;

import dev.headstart.features.FeatureSplit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The spread of one setting over the seeds train.seeds repeated it with: mean and sample
 * standard deviation of the chosen epoch's validation accuracy (and test accuracy when there is a
 * test split), so a difference between settings can be read against what a new seed alone moves.
 *
 * @param setting the swept values other than the seed
 * @param seeds how many seeds
 */
record SeedSpread(Map<String, String> setting, int seeds, double valMean, double valStd, double testMean,
    double testStd) {

  /** One spread per setting, in the runs' order. */
  static List<SeedSpread> of(List<TrainStage.Run> runs, FeatureSplit test) {
    Map<Map<String, String>, List<TrainStage.Run>> groups = new LinkedHashMap<>();
    for (TrainStage.Run r : runs) {
      Map<String, String> setting = new LinkedHashMap<>(r.point().values());
      setting.remove("seed");
      groups.computeIfAbsent(setting, k -> new ArrayList<>()).add(r);
    }
    List<SeedSpread> out = new ArrayList<>();
    for (Map.Entry<Map<String, String>, List<TrainStage.Run>> g : groups.entrySet()) {
      double[] val = g.getValue().stream().mapToDouble(r -> r.outcome().bestValAccuracy()).toArray();
      double[] tst = test == null ? new double[0]
          : g.getValue().stream().mapToDouble(r -> r.outcome().testAccuracy(test.labels())).toArray();
      out.add(new SeedSpread(g.getKey(), val.length, mean(val), std(val), mean(tst), std(tst)));
    }
    return out;
  }

  static double mean(double[] v) {
    if (v.length == 0) return Double.NaN;
    double s = 0;
    for (double x : v) s += x;
    return s / v.length;
  }

  /** Sample standard deviation (n - 1), NaN below two values. */
  static double std(double[] v) {
    if (v.length < 2) return Double.NaN;
    double m = mean(v);
    double s = 0;
    for (double x : v) s += (x - m) * (x - m);
    return Math.sqrt(s / (v.length - 1));
  }

  String describe() {
    String s = String.format(Locale.ROOT, "%s over %d seeds: val acc %.4f ± %.4f (mean ± sd)",
        setting.isEmpty() ? "the head" : setting.toString(), seeds, valMean, valStd);
    return Double.isNaN(testMean) ? s : s + String.format(Locale.ROOT, ", test acc %.4f ± %.4f", testMean, testStd);
  }
}
