package dev.headstart.report;

import com.google.common.escape.Escaper;
import com.google.common.html.HtmlEscapers;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import tech.tablesaw.api.Row;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;

/**
 * index.html: one self-contained page (inline CSS, SVG charts, base64 thumbnails, a few lines of
 * JS to sort the table) that opens from disk with no network. Every text that comes from a run
 * (run names, class names, paths) goes through the HTML escaper.
 */
final class HtmlPage {
  private static final Escaper ESC = HtmlEscapers.htmlEscaper();

  /** The summary columns shown in the page (all of them are in summary.csv). */
  static final List<String> SHOWN = List.of("run", "method", "best_val_accuracy", "test_accuracy",
      "val_balanced_accuracy", "val_macro_f1", "val_min_class_recall", "test_balanced_accuracy", "test_macro_f1",
      "select_by", "total_seconds",
      "speedup_vs_finetune", "speedup_vs_finetune_without_extraction", "seconds_to_target", "wall_seconds",
      "seconds_per_epoch", "best_epoch", "epochs_run", "final_train_accuracy", "lr", "batch_size", "epochs",
      "optimizer", "head", "backbone", "role");

  private final StringBuilder html = new StringBuilder(1 << 16);

  static String esc(String s) {
    return ESC.escape(s == null ? "" : s);
  }

  String render(ReportContent c) {
    html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        .append("<title>headstart report</title><style>").append(CSS).append("</style></head><body>\n");
    html.append("<h1>headstart report</h1><p class=\"meta\">")
        .append(esc(c.scan().runs().size() + " runs from " + c.scan().runsDir() + ", generated " + c.generatedAt()))
        .append("</p>\n");
    if (!c.provenance().isEmpty()) {
      html.append("<p class=\"meta\" id=\"provenance\">").append(esc(c.provenance())).append("</p>\n");
    }
    verdict(c.verdict());
    skipped(c);
    if (!c.tables().runs().isEmpty()) {
      summary(c.tables());
      section("Validation accuracy by epoch", "Every run; pretrained runs (head, finetune, partial) against scratch.",
          c.charts().valAccuracy());
      section("Time to accuracy", String.format(Locale.ROOT,
          "Validation accuracy against elapsed seconds; head runs start after the one-time extraction of %.1f s. "
              + "The dashed line is the target of seconds_to_target (%.0f%% of the best finetune's accuracy).",
          c.tables().extractionSeconds(), 100 * ReportTables.TARGET_SHARE), c.charts().timeToAccuracy());
      section("What each method's best run cost", "Training seconds, plus the one-time extraction for heads.",
          c.charts().costs());
      section("Loss curves", "The best run of each method.", c.charts().loss());
      html.append("<section><h2>Confusion matrices</h2><div class=\"row\">");
      for (String svg : c.charts().confusions()) html.append("<div>").append(svg).append("</div>");
      html.append("</div></section>\n");
      section("Per-class recall (validation)", "The best run, the best finetune baseline and the best head: the share "
          + "of each class's validation images classified right.", c.charts().perClass());
      seeds(c.tables().seeds());
      gallery(c);
      c.taps().ifPresent(t -> taps(t, c.tapChart()));
      c.sweep().ifPresent(this::sweep);
    }
    html.append("<script>").append(SORT_JS).append("</script>\n</body></html>\n");
    return html.toString();
  }

  private void verdict(Verdict v) {
    html.append("<section id=\"verdict\" class=\"verdict\"><h2>Verdict</h2><p class=\"headline\">")
        .append(esc(v.headline())).append("</p>");
    for (String d : v.details()) html.append("<p>").append(esc(d)).append("</p>");
    html.append("</section>\n");
  }

  private void skipped(ReportContent c) {
    if (c.warnings().isEmpty()) return;
    html.append("<section class=\"warnings\"><h2>Left out</h2><ul>");
    for (String w : c.warnings()) html.append("<li>").append(esc(w)).append("</li>");
    html.append("</ul></section>\n");
  }

  private void summary(ReportTables t) {
    html.append("<section><h2>Runs</h2><p class=\"meta\">Click a column header to sort. Accuracies carry their "
        + "95% Wilson interval in brackets. ")
        .append(t.hasTest() ? "Each run's epoch was chosen on validation; its test accuracy is measured at that "
            + "epoch on images that chose nothing. " : "There is no test split: every accuracy is a validation "
            + "figure, the same images that chose the epoch and the best run. ")
        .append("Balanced accuracy is the mean recall over classes; per-class recall is in summary.csv. Speed-ups "
            + "compare with the best end-to-end finetune; for head runs the first counts the one-time extraction, "
            + "the second does not.</p><div class=\"scroll\"><table id=\"summary\" class=\"sortable\"><thead><tr>");
    List<String> shown = new java.util.ArrayList<>(
        SHOWN.stream().filter(col -> t.hasTest() || !col.startsWith("test_")).toList());
    // heads on a backbone's taps: which tap each read, beside the method
    if (t.summary().containsColumn("tap")) shown.add(shown.indexOf("method") + 1, "tap");
    for (String col : shown) html.append("<th>").append(esc(col.replace('_', ' '))).append("</th>");
    html.append("</tr></thead><tbody>\n");
    for (Row r : t.summary()) {
      html.append("<tr class=\"").append(esc(r.getString("method"))).append("\">");
      for (String col : shown) cell(t.summary(), t.summary().column(col), r);
      html.append("</tr>\n");
    }
    html.append("</tbody></table></div></section>\n");
  }

  /** The runs that differ only in their seed: mean ± standard deviation of their accuracies. */
  private void seeds(Table seeds) {
    if (seeds.isEmpty()) return;
    html.append("<section id=\"seeds\"><h2>Seeds</h2><p class=\"meta\">Settings trained with several seeds "
        + "(./train --seeds N): mean ± sample standard deviation over the seeds, the spread a new seed alone gives."
        + "</p><div class=\"scroll\"><table class=\"sortable\"><thead><tr><th>method</th><th>seeds</th>"
        + "<th>val accuracy</th><th>test accuracy</th><th>runs</th></tr></thead><tbody>\n");
    for (Row r : seeds) {
      html.append("<tr><td class=\"text\" data-value=\"").append(esc(r.getString("method"))).append("\">")
          .append(esc(r.getString("method"))).append("</td><td data-value=\"").append(r.getInt("seeds")).append("\">")
          .append(r.getInt("seeds")).append("</td>");
      spread(r.getDouble("val_accuracy_mean"), r.getDouble("val_accuracy_sd"));
      spread(r.getDouble("test_accuracy_mean"), r.getDouble("test_accuracy_sd"));
      html.append("<td class=\"text\" data-value=\"\">").append(esc(r.getString("runs"))).append("</td></tr>\n");
    }
    html.append("</tbody></table></div></section>\n");
  }

  private void spread(double mean, double sd) {
    if (Double.isNaN(mean)) {
      html.append("<td data-value=\"\">–</td>");
      return;
    }
    html.append("<td data-value=\"").append(mean).append("\">")
        .append(esc(String.format(Locale.ROOT, "%.1f%% ± %.1f", 100 * mean, 100 * sd))).append("</td>");
  }

  private void cell(Table table, Column<?> col, Row r) {
    int i = r.getRowNumber();
    if (col.isMissing(i)) {
      html.append("<td data-value=\"\">–</td>");
      return;
    }
    Object v = col.get(i);
    String name = col.name();
    String shown;
    String ci = name.equals("best_val_accuracy") ? "val_accuracy_ci" : name.equals("test_accuracy") ? "test_accuracy_ci" : "";
    if (v instanceof Double d && !ci.isEmpty() && table.containsColumn(ci + "_low")) {
      shown = String.format(Locale.ROOT, "%.1f%% [%.1f–%.1f]", 100 * d, 100 * table.doubleColumn(ci + "_low").get(i),
          100 * table.doubleColumn(ci + "_high").get(i));
    } else if (v instanceof Double d) {
      if (name.contains("accuracy") || name.contains("recall") || name.contains("f1")) {
        shown = String.format(Locale.ROOT, "%.1f%%", 100 * d);
      } else if (name.startsWith("speedup")) shown = String.format(Locale.ROOT, "%.2f×", d);
      else if (name.equals("lr")) shown = String.format(Locale.ROOT, "%.3g", d);
      else shown = String.format(Locale.ROOT, "%.2f", d);
    } else {
      shown = String.valueOf(v);
    }
    html.append(v instanceof Number ? "<td" : "<td class=\"text\"").append(" data-value=\"")
        .append(esc(String.valueOf(v))).append("\">").append(esc(shown)).append("</td>");
  }

  private void section(String title, String caption, String svg) {
    html.append("<section><h2>").append(esc(title)).append("</h2><p class=\"meta\">").append(esc(caption))
        .append("</p>").append(svg).append("</section>\n");
  }

  private void gallery(ReportContent c) {
    if (c.gallery().isEmpty()) return;
    html.append("<section><h2>Validation images</h2><p class=\"meta\">")
        .append(esc("Run " + c.galleryRun() + ": predicted label, true label, probability. Mistakes in red."))
        .append("</p><div class=\"gallery\">\n");
    for (Gallery.Tile tile : c.gallery()) {
      html.append("<figure class=\"").append(tile.correct() ? "right" : "wrong").append("\" title=\"")
          .append(esc(tile.path())).append("\">");
      Optional<String> uri = tile.dataUri();
      if (uri.isPresent()) {
        html.append("<img alt=\"").append(esc(tile.path())).append("\" src=\"").append(uri.get()).append("\">");
      } else {
        html.append("<div class=\"missing\">image not found<br>").append(esc(tile.path())).append("</div>");
      }
      html.append("<figcaption><b>").append(esc(tile.predictedLabel())).append("</b> ")
          .append(String.format(Locale.ROOT, "%.0f%%", 100 * tile.probability()))
          .append("<br>true: ").append(esc(tile.trueLabel())).append("</figcaption></figure>\n");
    }
    html.append("</div></section>\n");
  }

  /** Heads by depth: the best head of each tap of the backbone, as a chart and a table (taps.csv). */
  private void taps(TapReport t, String chart) {
    html.append("<section id=\"taps\"><h2>Accuracy by tap</h2><p class=\"meta\">")
        .append(esc("The best head of each depth of the backbone (tap) the heads were trained on; depth 1 is the"
            + " shallowest, 0 a concatenation. Also in taps.csv."))
        .append("</p>").append(chart).append("<table class=\"sortable\"><thead><tr>");
    Table table = t.table();
    for (String col : table.columnNames()) html.append("<th>").append(esc(col)).append("</th>");
    html.append("</tr></thead><tbody>\n");
    for (int i = 0; i < table.rowCount(); i++) {
      html.append("<tr>");
      for (String col : table.columnNames()) {
        String v = table.column(col).getString(i);
        html.append("<td data-value=\"").append(esc(v)).append("\">").append(esc(v)).append("</td>");
      }
      html.append("</tr>\n");
    }
    html.append("</tbody></table></section>\n");
  }

  private void sweep(Table sweep) {
    int shown = Math.min(200, sweep.rowCount());
    html.append("<section><h2>Sweeps</h2><p class=\"meta\">")
        .append(esc(sweep.rowCount() + " sweep points" + (shown < sweep.rowCount() ? ", first " + shown + " shown" : "")
            + "; all of them are in sweep.csv."))
        .append("</p><div class=\"scroll\"><table class=\"sortable\"><thead><tr>");
    for (String col : sweep.columnNames()) html.append("<th>").append(esc(col)).append("</th>");
    html.append("</tr></thead><tbody>\n");
    for (Row r : sweep.first(shown)) {
      html.append("<tr>");
      for (String col : sweep.columnNames()) {
        String v = sweep.column(col).getString(r.getRowNumber());
        html.append("<td data-value=\"").append(esc(v)).append("\">").append(esc(v)).append("</td>");
      }
      html.append("</tr>\n");
    }
    html.append("</tbody></table></div></section>\n");
  }

  private static final String CSS = """
      body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1300px;color:#222;padding:0 16px}
      h1{margin-bottom:0}h2{border-bottom:1px solid #ddd;padding-bottom:4px}
      .meta{color:#666;font-size:13px}
      .verdict{background:#eef6ee;border-left:6px solid #2ca02c;padding:8px 16px}
      .verdict .headline{font-size:20px;font-weight:600}
      .warnings{background:#fff4e5;border-left:6px solid #ff9800;padding:4px 16px}
      table{border-collapse:collapse;font-size:13px}th,td{border:1px solid #ddd;padding:4px 6px;text-align:right}
      td.text{text-align:left}td:first-child{min-width:14em;overflow-wrap:anywhere}
      .scroll{overflow-x:auto}
      th{background:#f0f0f0;cursor:pointer;position:sticky;top:0}th:hover{background:#e0e0e0}
      tr.head td:nth-child(2){color:#1f77b4}tr.finetune td:nth-child(2){color:#ff7f0e}
      tr.partial td:nth-child(2){color:#2ca02c}tr.scratch td:nth-child(2){color:#d62728}
      svg{max-width:100%;height:auto}.row{display:flex;flex-wrap:wrap;gap:16px}.row>div{flex:1 1 480px}
      .gallery{display:flex;flex-wrap:wrap;gap:10px}
      figure{margin:0;width:120px;text-align:center;font-size:12px;border:2px solid #ccc;padding:4px}
      figure img{width:96px;height:96px;object-fit:contain;image-rendering:pixelated}
      figure.wrong{border-color:#d62728}figure.wrong figcaption{color:#d62728}
      .missing{width:96px;height:96px;margin:auto;font-size:10px;color:#999;overflow:hidden;word-break:break-all}
      """;

  /** Sorts a table's rows by the clicked column's data-value: numbers as numbers, else as text. */
  private static final String SORT_JS = """
      document.querySelectorAll('table.sortable th').forEach(function(th, col) {
        th.addEventListener('click', function() {
          var body = th.closest('table').tBodies[0];
          var asc = th.dataset.dir !== 'asc'; th.dataset.dir = asc ? 'asc' : 'desc';
          var key = function(tr) { var v = tr.cells[col].dataset.value; var n = parseFloat(v);
            return v !== '' && !isNaN(n) && isFinite(v) ? n : v; };
          Array.from(body.rows).sort(function(a, b) { var x = key(a), y = key(b);
            var c = (typeof x === 'number' && typeof y === 'number') ? x - y : String(x).localeCompare(String(y));
            return asc ? c : -c; }).forEach(function(tr) { body.appendChild(tr); });
        });
      });
      """;
}
