package dev.headstart.report;

import dev.headstart.runs.Method;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Rectangle;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.LogarithmicAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.LookupPaintScale;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.DefaultXYZDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.svg.SVGGraphics2D;
import org.jfree.svg.ViewBox;
import tech.tablesaw.api.Row;
import tech.tablesaw.api.Table;

/**
 * The report's charts: JFreeChart plots rendered to inline SVG with JFreeSVG. Each method has
 * one hue (head blue, finetune orange, partial green, scratch red) so a reader can tell the
 * approaches apart in every chart; runs of one method get shades of it.
 */
final class Charts {
  static final int WIDTH = 900;
  static final int HEIGHT = 480;

  private static final Map<Method, Color> HUES = new EnumMap<>(Map.of(
      Method.HEAD, new Color(0x1f77b4), Method.FINETUNE, new Color(0xff7f0e),
      Method.PARTIAL, new Color(0x2ca02c), Method.SCRATCH, new Color(0xd62728)));
  private static final BasicStroke SOLID = new BasicStroke(2f);
  private static final BasicStroke DASHED =
      new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 1f, new float[] {6f, 4f}, 0f);

  private int charts;

  /** The seeds' "pretrained vs scratch" plot: validation accuracy per epoch of every run. */
  String valAccuracy(List<LoadedRun> runs, Table history) {
    XYSeriesCollection data = new XYSeriesCollection();
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
    int i = 0;
    for (LoadedRun run : runs) {
      XYSeries s = new XYSeries(run.name() + " (" + run.method().id() + ")");
      for (Row r : rows(history, run.name(), "val")) s.add(r.getInt("epoch"), r.getDouble("accuracy"));
      data.addSeries(s);
      renderer.setSeriesPaint(i, shade(run, runs));
      renderer.setSeriesStroke(i++, SOLID);
    }
    JFreeChart chart = ChartFactory.createXYLineChart("Validation accuracy by epoch", "epoch",
        "validation accuracy", data, PlotOrientation.VERTICAL, true, false, false);
    XYPlot plot = chart.getXYPlot();
    plot.setRenderer(renderer);
    plot.getDomainAxis().setStandardTickUnits(NumberAxis.createIntegerTickUnits());
    ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
    return svg(style(chart), WIDTH, HEIGHT);
  }

  /** Train (dashed) and validation (solid) loss per epoch. */
  String loss(List<LoadedRun> shown, List<LoadedRun> all, Table history) {
    XYSeriesCollection data = new XYSeriesCollection();
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
    int i = 0;
    for (LoadedRun run : shown) {
      for (String split : List.of("train", "val")) {
        XYSeries s = new XYSeries(run.name() + " " + split);
        for (Row r : rows(history, run.name(), split)) s.add(r.getInt("epoch"), r.getDouble("loss"));
        data.addSeries(s);
        renderer.setSeriesPaint(i, shade(run, all));
        renderer.setSeriesStroke(i++, split.equals("train") ? DASHED : SOLID);
      }
    }
    JFreeChart chart = ChartFactory.createXYLineChart("Train (dashed) and validation (solid) loss",
        "epoch", "cross-entropy loss", data, PlotOrientation.VERTICAL, true, false, false);
    chart.getXYPlot().setRenderer(renderer);
    chart.getXYPlot().getDomainAxis().setStandardTickUnits(NumberAxis.createIntegerTickUnits());
    return svg(style(chart), WIDTH, HEIGHT);
  }

  /**
   * Validation accuracy against elapsed seconds on a log scale: head runs start after the
   * one-time extraction, so the chart shows what each approach costs to reach an accuracy.
   */
  String timeToAccuracy(List<LoadedRun> runs, Table timeline, double target) {
    XYSeriesCollection data = new XYSeriesCollection();
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
    int i = 0;
    for (LoadedRun run : runs) {
      XYSeries s = new XYSeries(run.name() + " (" + run.method().id() + ")");
      Table t = timeline.where(timeline.stringColumn("run").isEqualTo(run.name()));
      for (Row r : t) {
        double x = r.getDouble("elapsed_with_extraction");
        if (x > 0) s.add(x, r.getDouble("val_accuracy"));
      }
      data.addSeries(s);
      renderer.setSeriesPaint(i, shade(run, runs));
      renderer.setSeriesStroke(i++, SOLID);
    }
    JFreeChart chart = ChartFactory.createXYLineChart("Time to accuracy (head runs include the extraction)",
        "elapsed seconds (log scale)", "validation accuracy", data, PlotOrientation.VERTICAL, true, false, false);
    XYPlot plot = chart.getXYPlot();
    plot.setRenderer(renderer);
    LogarithmicAxis x = new LogarithmicAxis("elapsed seconds (log scale)");
    x.setAllowNegativesFlag(false);
    x.setStrictValuesFlag(false);
    x.setExpTickLabelsFlag(false);
    plot.setDomainAxis(x);
    ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
    if (Double.isFinite(target)) {
      ValueMarker m = new ValueMarker(target, Color.GRAY, DASHED);
      m.setLabel(String.format(Locale.ROOT, "target %.1f%%", 100 * target));
      m.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
      m.setLabelAnchor(RectangleAnchor.TOP_LEFT);
      m.setLabelTextAnchor(TextAnchor.BOTTOM_LEFT);
      plot.addRangeMarker(m);
    }
    return svg(style(chart), WIDTH, HEIGHT);
  }

  /** Training and extraction seconds of each method's best run, stacked. */
  String costs(Table bestPerMethod) {
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    for (Row r : bestPerMethod) {
      String run = r.getString("run") + " (" + r.getString("method") + ")";
      data.addValue(r.getDouble("wall_seconds"), "training", run);
      data.addValue(r.getDouble("extraction_seconds"), "one-time extraction", run);
    }
    JFreeChart chart = ChartFactory.createStackedBarChart("Seconds of each method's best run", "",
        "seconds", data, PlotOrientation.HORIZONTAL, true, false, false);
    BarRenderer r = (BarRenderer) chart.getCategoryPlot().getRenderer();
    r.setBarPainter(new StandardBarPainter());
    r.setSeriesPaint(0, new Color(0x4c78a8));
    r.setSeriesPaint(1, new Color(0xbab0ac));
    return svg(style(chart), WIDTH, 120 + 50 * Math.max(1, bestPerMethod.rowCount()));
  }

  /** The best validation accuracy of each tap's best head, shallow to deep (concatenations last). */
  String taps(Table taps) {
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    Table sorted = taps.copy();
    sorted.addColumns(sorted.intColumn("depth").map(d -> d == 0 ? Integer.MAX_VALUE : d).setName("order"));
    for (Row r : sorted.sortAscendingOn("order")) {
      data.addValue(r.getDouble("best_val_accuracy"), "best val accuracy", r.getString("tap"));
    }
    JFreeChart chart = ChartFactory.createBarChart("Best validation accuracy by tap", "tap (shallow to deep)",
        "accuracy", data, PlotOrientation.VERTICAL, false, false, false);
    CategoryPlot plot = chart.getCategoryPlot();
    BarRenderer renderer = (BarRenderer) plot.getRenderer();
    renderer.setBarPainter(new StandardBarPainter());
    renderer.setShadowVisible(false);
    renderer.setSeriesPaint(0, HUES.get(Method.HEAD));
    plot.getRangeAxis().setRange(0, 1.05);
    return svg(style(chart), WIDTH, HEIGHT);
  }

  /** Per-class validation accuracy of the given runs, side by side. */
  String perClass(Table perClass, List<LoadedRun> shown, List<LoadedRun> all) {
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    BarRenderer renderer = new BarRenderer();
    int i = 0;
    for (LoadedRun run : shown) {
      Table t = perClass.where(perClass.stringColumn("run").isEqualTo(run.name())).sortOn("class_index");
      for (Row r : t) data.addValue(r.getDouble("accuracy"), run.name(), r.getString("class"));
      renderer.setSeriesPaint(i++, shade(run, all));
    }
    JFreeChart chart = ChartFactory.createBarChart("Per-class validation accuracy", "class",
        "accuracy", data, PlotOrientation.VERTICAL, true, false, false);
    CategoryPlot plot = chart.getCategoryPlot();
    renderer.setBarPainter(new StandardBarPainter());
    renderer.setShadowVisible(false);
    plot.setRenderer(renderer);
    plot.getRangeAxis().setRange(0, 1.05);
    plot.getDomainAxis().setCategoryLabelPositions(CategoryLabelPositions.UP_45);
    return svg(style(chart), WIDTH, HEIGHT);
  }

  /** The confusion matrix as a heat map: colour = share of the true class, text = count. */
  String confusion(LoadedRun run, String title) {
    List<String> classes = run.metrics().classes();
    int[][] m = run.metrics().confusion();
    int k = classes.size();
    double[] xs = new double[k * k];
    double[] ys = new double[k * k];
    double[] zs = new double[k * k];
    XYBlockRenderer renderer = new XYBlockRenderer();
    for (int t = 0; t < k; t++) {
      int total = 0;
      for (int c : m[t]) total += c;
      for (int p = 0; p < k; p++) {
        int i = t * k + p;
        xs[i] = p;
        ys[i] = t;
        zs[i] = total == 0 ? 0 : (double) m[t][p] / total;
      }
    }
    DefaultXYZDataset data = new DefaultXYZDataset();
    data.addSeries("confusion", new double[][] {xs, ys, zs});
    LookupPaintScale scale = new LookupPaintScale(0, 1.0001, Color.WHITE);
    for (int s = 0; s <= 20; s++) {
      double v = s / 20.0;
      scale.add(v, blend(new Color(0xf7fbff), new Color(0x08306b), v));
    }
    renderer.setPaintScale(scale);
    String[] names = classes.toArray(String[]::new);
    SymbolAxis x = new SymbolAxis("predicted class", names);
    SymbolAxis y = new SymbolAxis("true class", names);
    y.setInverted(true);
    x.setVerticalTickLabels(k > 6);
    XYPlot plot = new XYPlot(data, x, y, renderer);
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinesVisible(false);
    plot.setRangeGridlinesVisible(false);
    for (int t = 0; t < k; t++) {
      for (int p = 0; p < k; p++) {
        XYTextAnnotation a = new XYTextAnnotation(Integer.toString(m[t][p]), p, t);
        a.setFont(new Font(Font.SANS_SERIF, Font.BOLD, k > 12 ? 9 : 13));
        a.setPaint(zs[t * k + p] > 0.5 ? Color.WHITE : Color.BLACK);
        plot.addAnnotation(a);
      }
    }
    JFreeChart chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, 16), plot, false);
    NumberAxis legendAxis = new NumberAxis("share of the true class");
    legendAxis.setRange(0, 1);
    PaintScaleLegend legend = new PaintScaleLegend(scale, legendAxis);
    legend.setPosition(RectangleEdge.RIGHT);
    legend.setMargin(8, 8, 8, 8);
    chart.addSubtitle(legend);
    int side = Math.min(900, 260 + 48 * k);
    return svg(style(chart), side + 120, side);
  }

  /** One run's rows of one split, by epoch (iterate it directly: Tablesaw reuses one Row cursor). */
  private static Table rows(Table history, String run, String split) {
    return history.where(history.stringColumn("run").isEqualTo(run)
        .and(history.stringColumn("split").isEqualTo(split))).sortOn("epoch");
  }

  /** The method's hue, lighter for each further run of the same method. */
  private static Color shade(LoadedRun run, List<LoadedRun> all) {
    int nth = 0;
    int count = 0;
    for (LoadedRun r : all) {
      if (r.method() != run.method()) continue;
      if (r.name().equals(run.name())) nth = count;
      count++;
    }
    double lighten = count <= 1 ? 0 : 0.6 * nth / (count - 1);
    return blend(HUES.get(run.method()), Color.WHITE, lighten);
  }

  private static Color blend(Color a, Color b, double t) {
    return new Color(
        (int) Math.round(a.getRed() + (b.getRed() - a.getRed()) * t),
        (int) Math.round(a.getGreen() + (b.getGreen() - a.getGreen()) * t),
        (int) Math.round(a.getBlue() + (b.getBlue() - a.getBlue()) * t));
  }

  /** Beyond this many series (a big sweep) the legend would outgrow the plot; the table names them. */
  static final int MAX_LEGEND = 16;

  private static JFreeChart style(JFreeChart chart) {
    chart.setBackgroundPaint(Color.WHITE);
    if (chart.getPlot() instanceof XYPlot xy && xy.getRenderer() instanceof XYLineAndShapeRenderer r) {
      // one <path> per series instead of one <line> per segment: a 200-run sweep stays a small page
      r.setDrawSeriesLineAsPath(true);
      if (xy.getDataset() != null && xy.getDataset().getSeriesCount() > MAX_LEGEND) {
        r.setDefaultShapesVisible(false);
        if (chart.getLegend() != null) chart.getLegend().setVisible(false);
      }
    }
    chart.getPlot().setBackgroundPaint(new Color(0xfafafa));
    return chart;
  }

  /** Renders to an inline <svg>; a per-chart prefix keeps clip-path ids unique within the page. */
  private String svg(JFreeChart chart, int width, int height) {
    String id = "chart" + (++charts);
    SVGGraphics2D g = new SVGGraphics2D(width, height);
    g.setDefsKeyPrefix(id + "-");
    chart.draw(g, new Rectangle(0, 0, width, height));
    return g.getSVGElement(id, true, new ViewBox(0, 0, width, height), null, null);
  }
}
