package dev.headstart.cli;

import dev.headstart.core.Reporter;
import dev.headstart.report.ReportStage;
import java.awt.Desktop;
import java.awt.GraphicsEnvironment;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** ./report: compares every run under the runs folder in CSV tables and one self-contained HTML page. */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Compares every training run (head, finetune, partial, scratch) under the",
      "runs folder and writes, into the output folder:",
      "  summary.csv    one row per run: hyperparameters, best val accuracy and",
      "                 test accuracy (at the epoch validation chose) with 95%",
      "                 Wilson intervals, balanced accuracy, macro-F1, recall per",
      "                 class, times, speed-up against the best end-to-end finetune",
      "                 (with and without the one-time extraction for head runs)",
      "  history.csv    every run's epochs, one long table",
      "  per_class.csv  per-class recall, precision and F1 (and test recall)",
      "  confusion.csv  confusion matrices: best run and best finetune baseline",
      "  sweep.csv      the train stage's sweeps (sweep*.csv in the runs folder)",
      "  seeds.csv      settings run with several seeds: mean and sd of accuracy",
      "  taps.csv       heads on two or more taps of a backbone (train.tap): the",
      "                 best head of each tap; the verdict names the best depth",
      "  index.html     one page that opens offline: verdict (with the best head",
      "                 against the best finetune, paired by McNemar's test:",
      "                 better, worse or no clear difference), sortable table,",
      "                 charts and a gallery of validation images",
      "Half-written runs (.name.partial, no metrics.json) and folders of an older",
      "layout are skipped with a warning that names them.",
      ""
    })
public final class ReportCommand implements Callable<Integer> {
  @Mixin ConfigOptions config;

  @Option(names = "--runs", paramLabel = "DIR",
      description = "Folder of run folders to compare (report.runs, default runs).")
  String runs;

  @Option(names = "--out", paramLabel = "DIR",
      description = "Where the CSVs and index.html go (report.out, default reports).")
  String out;

  @Option(names = "--features", paramLabel = "DIR",
      description = "Feature store whose manifest.json gives the one-time extraction time and dataset "
          + "size (report.features; default: train.features, else extract.out).")
  String features;

  @Option(names = "--gallery", paramLabel = "N",
      description = "Validation images shown in the page's gallery, 0 for none (report.gallery, default 24).")
  Integer gallery;

  @Option(names = "--open",
      description = "Open index.html in the desktop's browser when done (else print how to open it).")
  boolean open;

  @Override
  public Integer call() throws IOException {
    config.override("report.runs", runs);
    config.override("report.out", out);
    config.override("report.features", features);
    config.override("report.gallery", gallery);
    ReportStage.Result result = new ReportStage().run(config.load(), Reporter.stderr());
    Path index = result.index().toAbsolutePath();
    System.out.println(index);
    if (open) openInBrowser(index);
    return 0;
  }

  private static void openInBrowser(Path index) {
    if (!GraphicsEnvironment.isHeadless() && Desktop.isDesktopSupported()
        && Desktop.getDesktop().isSupported(Desktop.Action.BROWSE)) {
      try {
        Desktop.getDesktop().browse(index.toUri());
        return;
      } catch (IOException | UncheckedIOException e) {
        // fall through to the hint
      }
    }
    System.err.println("open it with: xdg-open " + index + "   (or paste " + index.toUri() + " into a browser)");
  }
}
