package dev.headstart.report;

import static tech.tablesaw.aggregate.AggregateFunctions.countUnique;
import static tech.tablesaw.aggregate.AggregateFunctions.min;

import dev.headstart.runs.Method;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.table.TableSlice;

/**
 * Every table of the report, computed with Tablesaw from the runs that loaded.
 *
 * @param runs the runs that loaded, in name order
 * @param summary one row per run, best first: hyperparameters, accuracies, times, speed-ups
 * @param history all runs' history.csv in one long table
 * @param timeline validation accuracy against elapsed seconds, per run and epoch
 * @param perClass per-class validation accuracy of every run
 * @param confusion the confusion matrices of the best run and of the best finetune baseline
 * @param bestPerMethod the best run of each method (a slice of summary)
 * @param best the run with the highest validation accuracy (the fastest among ties)
 * @param baseline the best end-to-end finetune run, the yardstick of the speed-ups
 * @param target the validation accuracy that seconds_to_target counts the time to
 * @param extractionSeconds the one-time extraction charged to head runs (0 when unknown)
 * @param seeds settings repeated with several seeds: mean and spread of their accuracies
 * @param headVsFinetune the best head against the best finetune, paired on the same images
 */
public record ReportTables(
    List<LoadedRun> runs,
    Table summary,
    Table history,
    Table timeline,
    Table perClass,
    Table confusion,
    Table bestPerMethod,
    Optional<LoadedRun> best,
    Optional<LoadedRun> baseline,
    double target,
    double extractionSeconds,
    Table seeds,
    Optional<PairedComparison> headVsFinetune) {

  /** seconds_to_target is the time to reach this share of the finetune baseline's best accuracy. */
  public static final double TARGET_SHARE = 0.95;

  public static final String ROLE_BEST = "best";
  public static final String ROLE_BASELINE = "finetune_baseline";

  public static ReportTables build(List<LoadedRun> runs, Optional<ExtractInfo> extract) {
    double extraction = extract.map(ExtractInfo::seconds).filter(Double::isFinite).orElse(0.0);
    Map<String, LoadedRun> byName =
        runs.stream().collect(Collectors.toMap(LoadedRun::name, Function.identity()));

    Table runTable = RunTable.of(runs, extraction);
    Table history = HistoryTables.longHistory(runs);
    Table timeline = HistoryTables.timeline(history, runTable);

    // best first; among equally accurate runs the cheaper one wins
    Table ranked = runTable.sortOn("-best_val_accuracy", "total_seconds");
    Optional<LoadedRun> best = ranked.isEmpty()
        ? Optional.empty() : Optional.of(byName.get(ranked.stringColumn("run").get(0)));
    Table finetunes = ranked.where(ranked.stringColumn("method").isEqualTo(Method.FINETUNE.id()));
    Optional<LoadedRun> baseline = finetunes.isEmpty()
        ? Optional.empty() : Optional.of(byName.get(finetunes.stringColumn("run").get(0)));

    double yardstick = baseline.or(() -> best).map(r -> r.metrics().bestValAccuracy()).orElse(Double.NaN);
    double target = TARGET_SHARE * yardstick;
    Table reached = timeline.where(timeline.doubleColumn("val_accuracy").isGreaterThanOrEqualTo(target))
        .summarize("elapsed_with_extraction", min).by("run");
    reached.column(1).setName("seconds_to_target");

    // epochs really run (early stopping ends a run before its configured epochs)
    Table epochsRun = history.where(history.stringColumn("split").isEqualTo("train"))
        .summarize("epoch", countUnique).by("run");
    epochsRun.replaceColumn(1, epochsRun.numberColumn(1).asIntColumn().setName("epochs_run"));

    Table summary = ranked.joinOn("run").leftOuter(epochsRun).joinOn("run").leftOuter(reached);
    addComparisons(summary, baseline);
    summary = summary.sortOn("-best_val_accuracy", "total_seconds");
    addRoles(summary, best, baseline);

    Map<String, LoadedRun> roles = new LinkedHashMap<>();
    best.ifPresent(r -> roles.put(ROLE_BEST, r));
    baseline.ifPresent(r -> roles.put(ROLE_BASELINE, r));

    Table perMethod = bestPerMethod(summary);
    Optional<PairedComparison> paired = bestOf(perMethod, Method.HEAD, byName)
        .flatMap(head -> baseline.flatMap(ft -> PairedComparison.of(head, ft)));
    return new ReportTables(List.copyOf(runs), summary, history, timeline, ClassTables.perClass(runs),
        ClassTables.confusion(roles), perMethod, best, baseline, target, extraction, SeedGroups.of(runs), paired);
  }

  private static Optional<LoadedRun> bestOf(Table perMethod, Method method, Map<String, LoadedRun> byName) {
    Table rows = perMethod.where(perMethod.stringColumn("method").isEqualTo(method.id()));
    return rows.isEmpty() ? Optional.empty() : Optional.of(byName.get(rows.stringColumn("run").get(0)));
  }

  /** True when at least one run was evaluated on a test split. */
  public boolean hasTest() {
    return runs.stream().anyMatch(LoadedRun::hasTest);
  }

  /** Speed-ups and the accuracy gap against the best finetune baseline (missing without one). */
  private static void addComparisons(Table summary, Optional<LoadedRun> baseline) {
    double seconds = baseline.map(r -> r.metrics().wallSeconds()).orElse(Double.NaN);
    double accuracy = baseline.map(r -> r.metrics().bestValAccuracy()).orElse(Double.NaN);
    DoubleColumn total = summary.doubleColumn("total_seconds");
    DoubleColumn wall = summary.doubleColumn("wall_seconds");
    summary.addColumns(
        total.map(t -> round(seconds / t)).setName("speedup_vs_finetune"),
        wall.map(w -> round(seconds / w)).setName("speedup_vs_finetune_without_extraction"),
        summary.doubleColumn("best_val_accuracy").map(a -> round(a - accuracy))
            .setName("accuracy_gain_vs_finetune"));
  }

  private static void addRoles(Table summary, Optional<LoadedRun> best, Optional<LoadedRun> baseline) {
    StringColumn role = StringColumn.create("role");
    for (String run : summary.stringColumn("run")) {
      boolean isBest = best.map(r -> r.name().equals(run)).orElse(false);
      boolean isBaseline = baseline.map(r -> r.name().equals(run)).orElse(false);
      role.append(isBest && isBaseline ? ROLE_BEST + ";" + ROLE_BASELINE
          : isBest ? ROLE_BEST : isBaseline ? ROLE_BASELINE : "");
    }
    summary.addColumns(role);
  }

  /** The first (best) row of each method in the ranked summary. */
  private static Table bestPerMethod(Table summary) {
    Table out = summary.emptyCopy();
    for (TableSlice slice : summary.splitOn("method")) {
      out.append(slice.asTable().sortOn("-best_val_accuracy", "total_seconds").first(1));
    }
    return out.sortOn("-best_val_accuracy", "total_seconds");
  }

  private static double round(double v) {
    return Double.isFinite(v) ? Math.round(v * 10000) / 10000.0 : Double.NaN;
  }

  public Optional<LoadedRun> run(String name) {
    return runs.stream().filter(r -> r.name().equals(name)).findFirst();
  }
}
