package dev.headstart.report;

import dev.headstart.runs.Method;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * Heads by depth: for a backbone exported with taps, the best head of each tap (or concatenation
 * of taps) the runs trained on, what that says about the data, and the tutorials' advice applied
 * to it. Shown when heads were trained on two taps or more (a sweep over {@code tap}).
 *
 * @param table one row per tap, best first: tap, depth (1 = shallowest; 0 for a concatenation),
 *     input_dim, runs, best_run, best_val_accuracy, best_epoch, test_accuracy (the best run's on
 *     the held-out test split at that epoch; empty without one: the test split chooses nothing)
 * @param bestTap the tap of the best head
 * @param deepest the backbone's deepest (default) tap, when the runs record the backbone's taps
 * @param advice the verdict's paragraph on depth
 */
public record TapReport(Table table, String bestTap, String deepest, String advice) {
  public static final String FILE = "taps.csv";

  /** The report by tap of these runs, or empty when fewer than two taps were trained on. */
  public static Optional<TapReport> of(List<LoadedRun> runs, Optional<ExtractInfo> extract) {
    Map<String, List<LoadedRun>> byTap = new LinkedHashMap<>();
    for (LoadedRun r : runs) {
      if (r.method() == Method.HEAD && !r.hyper("tap").isBlank()) {
        byTap.computeIfAbsent(r.hyper("tap"), k -> new ArrayList<>()).add(r);
      }
    }
    if (byTap.size() < 2) return Optional.empty();
    List<String> depthOrder = depthOrder(runs);
    Comparator<LoadedRun> better = Comparator.comparingDouble((LoadedRun r) -> -r.metrics().bestValAccuracy())
        .thenComparingDouble(r -> r.metrics().bestValLoss()).thenComparing(LoadedRun::name);
    List<Map.Entry<String, LoadedRun>> best = new ArrayList<>();
    for (Map.Entry<String, List<LoadedRun>> e : byTap.entrySet()) {
      best.add(Map.entry(e.getKey(), e.getValue().stream().min(better).orElseThrow()));
    }
    best.sort(Map.Entry.comparingByValue(better));
    Table t = Table.create("taps", StringColumn.create("tap"), IntColumn.create("depth"),
        IntColumn.create("input_dim"), IntColumn.create("runs"), StringColumn.create("best_run"),
        DoubleColumn.create("best_val_accuracy"), IntColumn.create("best_epoch"), DoubleColumn.create("test_accuracy"));
    for (Map.Entry<String, LoadedRun> e : best) {
      LoadedRun r = e.getValue();
      t.stringColumn("tap").append(e.getKey());
      t.intColumn("depth").append(depthOrder.indexOf(e.getKey()) + 1);
      t.intColumn("input_dim").append((int) r.hyperNumber("input_dim"));
      t.intColumn("runs").append(byTap.get(e.getKey()).size());
      t.stringColumn("best_run").append(r.name());
      t.doubleColumn("best_val_accuracy").append(r.metrics().bestValAccuracy());
      t.intColumn("best_epoch").append(r.metrics().bestEpoch());
      t.doubleColumn("test_accuracy").append(r.metrics().test() == null ? Double.NaN : r.metrics().test().accuracy());
    }
    String deepest = depthOrder.isEmpty() ? "" : depthOrder.get(depthOrder.size() - 1);
    String bestTap = best.get(0).getKey();
    return Optional.of(new TapReport(t, bestTap, deepest, advice(t, bestTap, deepest, best.get(0).getValue(), extract)));
  }

  /** "; the best single tap is X (acc)" when the best is a concatenation, else "". */
  private static String bestSingle(Table t, String bestTap) {
    if (!bestTap.contains("+")) return "";
    for (int i = 0; i < t.rowCount(); i++) {
      String tap = t.stringColumn("tap").get(i);
      if (!tap.contains("+")) {
        return "; the best single tap is " + tap + " (" + Verdict.pct(t.doubleColumn("best_val_accuracy").get(i)) + ")";
      }
    }
    return "";
  }

  /**
   * The backbone's taps from shallow to deep, as the runs' provenance records them (a tapped
   * backbone lists its taps deepest first, then the others shallow to deep); empty if none does.
   */
  static List<String> depthOrder(List<LoadedRun> runs) {
    for (LoadedRun r : runs) {
      Object taps = r.config().backbone() == null ? null : r.config().backbone().get("taps");
      if (taps instanceof List<?> list && !list.isEmpty()) {
        List<String> names = new ArrayList<>();
        for (Object o : list) {
          if (o instanceof Map<?, ?> m && m.get("name") != null) names.add(String.valueOf(m.get("name")));
        }
        if (names.isEmpty()) continue;
        List<String> order = new ArrayList<>(names.subList(1, names.size()));
        order.add(names.get(0));
        return order;
      }
    }
    return List.of();
  }

  /**
   * What the measured accuracies say: the best depth, and the tutorials' small/large x
   * similar/dissimilar advice applied to it. An earlier tap clearly beating the deepest one is
   * read as data unlike the pretraining data (the last layers are the most specific to the
   * pretraining task); the deepest tap winning or tying as data like it.
   */
  static String advice(Table t, String bestTap, String deepest, LoadedRun best, Optional<ExtractInfo> extract) {
    StringBuilder s = new StringBuilder("Features by depth (best head of each tap): ");
    for (int i = 0; i < t.rowCount(); i++) {
      if (i > 0) s.append(", ");
      s.append(t.stringColumn("tap").get(i)).append(' ').append(Verdict.pct(t.doubleColumn("best_val_accuracy").get(i)));
    }
    s.append(". ");
    int images = extract.map(ExtractInfo::trainImages).filter(n -> n > 0).orElse(best.metrics().trainCount());
    int classes = Math.max(1, best.metrics().classes().size());
    boolean small = images / classes < Verdict.SMALL_PER_CLASS;
    String size = small ? "small" : "large";
    double bestAcc = t.doubleColumn("best_val_accuracy").get(0);
    int deepRow = deepest.isEmpty() ? -1 : t.stringColumn("tap").indexOf(deepest);
    if (deepRow < 0) {
      s.append(String.format(Locale.ROOT, "The best depth here is %s; train on it with train.tap: %s.", bestTap, bestTap));
      return s.toString();
    }
    double deepAcc = t.doubleColumn("best_val_accuracy").get(deepRow);
    double lead = bestAcc - deepAcc;
    String onTest = testNote(t, bestTap, deepest, deepRow);
    if (!bestTap.equals(deepest) && lead > Verdict.SAME_ACCURACY) {
      s.append(String.format(Locale.ROOT, "The best depth here is %s, %s above the last tap (%s)%s: the last"
          + " layers, the most specific to the pretraining task, suit these images less than earlier ones, the sign of"
          + " data unlike the pretraining data. For a %s dataset unlike the pretraining data the tutorials advise %s;"
          + " here that is train.tap: %s.",
          bestTap, Verdict.points(lead), deepest, bestSingle(t, bestTap), size,
          small ? "a classifier on earlier-layer features rather than finetuning, which overfits few images"
              : "finetuning the whole network from the pretrained weights, or a head on earlier-layer features"
                  + " when finetuning is too costly",
          bestTap));
      s.append(onTest);
    } else {
      s.append(String.format(Locale.ROOT, "The last tap (%s) is %s: its features suit these images, as for data"
          + " similar to the pretraining data. For a %s dataset like the pretraining data the tutorials advise %s.",
          deepest, bestTap.equals(deepest) ? "the best depth here" : "within " + Verdict.points(lead) + " of the best ("
              + bestTap + ")", size,
          small ? "a linear classifier on the last layer's fixed features (the default tap)"
              : "finetuning the whole network, started from the pretrained weights"));
      if (!bestTap.equals(deepest)) s.append(onTest);
    }
    return s.toString();
  }

  /**
   * The held-out test split's view of the choice: validation picked the tap (and each tap's
   * epoch and settings), so its lead is optimistic; the test split picked nothing.
   */
  private static String testNote(Table t, String bestTap, String deepest, int deepRow) {
    double best = t.doubleColumn("test_accuracy").get(0);
    double deep = t.doubleColumn("test_accuracy").get(deepRow);
    if (Double.isNaN(best) || Double.isNaN(deep)) return "";
    return String.format(Locale.ROOT, " On the held-out test split, which chose nothing, the %s head scores %s"
        + " against %s for the %s head (validation chose the tap, so its lead there is optimistic).",
        bestTap, Verdict.pct(best), Verdict.pct(deep), deepest);
  }
}
