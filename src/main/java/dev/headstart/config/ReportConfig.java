package dev.headstart.config;

/**
 * The report stage.
 *
 * @param runs the folder of run folders to compare
 * @param out where summary.csv, history.csv, per_class.csv, confusion.csv and index.html go
 * @param gallery validation images shown in the HTML gallery
 */
public record ReportConfig(String runs, String out, int gallery) {
  public static final ReportConfig DEFAULTS = new ReportConfig("runs", "reports", 24);

  public ReportConfig {
    Check.nonNegative("report.gallery", gallery);
  }
}
