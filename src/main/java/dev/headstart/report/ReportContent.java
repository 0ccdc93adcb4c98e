package dev.headstart.report;

import java.util.List;
import java.util.Optional;
import tech.tablesaw.api.Table;

/** Everything index.html shows, computed before a line of HTML is written. */
record ReportContent(
    RunScan scan,
    ReportTables tables,
    Verdict verdict,
    List<String> warnings,
    RenderedCharts charts,
    List<Gallery.Tile> gallery,
    String galleryRun,
    Optional<Table> sweep,
    String provenance,
    String generatedAt,
    Optional<TapReport> taps,
    String tapChart) {

  /** The charts as inline SVG elements. */
  record RenderedCharts(String valAccuracy, String timeToAccuracy, String costs, String loss,
      List<String> confusions, String perClass) {

    static final RenderedCharts NONE = new RenderedCharts("", "", "", "", List.of(), "");

    static RenderedCharts of(ReportTables t) {
      if (t.runs().isEmpty()) return NONE;
      Charts charts = new Charts();
      List<LoadedRun> bestPerMethod = t.bestPerMethod().stringColumn("run").asList().stream()
          .map(name -> t.run(name).orElseThrow()).toList();
      List<LoadedRun> compared = java.util.stream.Stream.of(t.best(), t.baseline())
          .flatMap(Optional::stream).distinct().toList();
      List<String> confusions =
          compared.stream().map(r -> charts.confusion(r, "Confusion matrix: " + roleTitle(t, r))).toList();
      return new RenderedCharts(
          charts.valAccuracy(t.runs(), t.history()),
          charts.timeToAccuracy(t.runs(), t.timeline(), t.target()),
          charts.costs(t.bestPerMethod()),
          charts.loss(bestPerMethod, t.runs(), t.history()),
          confusions,
          charts.perClass(t.perClass(), withBestHead(t, compared), t.runs()));
    }

    /** The compared runs plus the best head, the approach headstart is built around. */
    private static List<LoadedRun> withBestHead(ReportTables t, List<LoadedRun> compared) {
      Table heads = t.bestPerMethod().where(t.bestPerMethod().stringColumn("method").isEqualTo("head"));
      if (heads.isEmpty()) return compared;
      LoadedRun head = t.run(heads.stringColumn("run").get(0)).orElseThrow();
      return java.util.stream.Stream.concat(compared.stream(), java.util.stream.Stream.of(head)).distinct().toList();
    }

    private static String roleTitle(ReportTables t, LoadedRun r) {
      boolean best = t.best().filter(b -> b.name().equals(r.name())).isPresent();
      boolean baseline = t.baseline().filter(b -> b.name().equals(r.name())).isPresent();
      String role = best && baseline ? "best run and finetune baseline" : best ? "best run" : "finetune baseline";
      return r.name() + " (" + role + ")";
    }
  }
}
