package dev.headstart.config;

/**
 * The report stage.
 *
 * @param runs the folder of run folders to compare (train.runs and finetune.runs write there)
 * @param out where summary.csv, history.csv, per_class.csv, confusion.csv and index.html go
 * @param gallery validation images shown in the HTML gallery; 0 = no gallery
 * @param features the feature store whose manifest.json gives the one-time extraction time and
 *     the dataset size; empty = train.features, else extract.out
 */
public record ReportConfig(String runs, String out, int gallery, String features) {
  public static final ReportConfig DEFAULTS = new ReportConfig("runs", "reports", 24, "");

  public ReportConfig {
    Check.nonNegative("report.gallery", gallery);
  }
}
