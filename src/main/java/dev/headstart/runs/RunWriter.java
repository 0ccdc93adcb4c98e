package dev.headstart.runs;

import dev.headstart.io.AtomicFiles;
import dev.headstart.io.Json;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes one run folder. Everything goes into a hidden temporary folder beside the final one;
 * {@link #commit} writes metrics.json and renames the folder into place, replacing an older run
 * of the same name only then. A crash leaves the previous run intact and a ".name.partial"
 * folder that the next run of that name clears.
 */
public final class RunWriter implements AutoCloseable {
  private final Path finalDir;
  private final Path workDir;
  private final BufferedWriter history;

  private RunWriter(Path finalDir, Path workDir) throws IOException {
    this.finalDir = finalDir;
    this.workDir = workDir;
    Files.createDirectories(workDir.resolve(RunLayout.WEIGHTS_DIR));
    this.history = Files.newBufferedWriter(workDir.resolve(RunLayout.HISTORY), StandardCharsets.UTF_8);
    history.write(RunLayout.HISTORY_HEADER);
    history.newLine();
  }

  public static RunWriter create(Path runsDir, String name) throws IOException {
    if (name.isBlank() || name.contains("/") || name.contains("\\") || name.startsWith(".")) {
      throw new IllegalArgumentException("run name '" + name + "' must be a plain folder name");
    }
    Files.createDirectories(runsDir);
    Path work = runsDir.resolve("." + name + ".partial");
    AtomicFiles.deleteRecursively(work);
    return new RunWriter(runsDir.resolve(name), work);
  }

  /** The folder to write weights and extra files into before commit. */
  public Path workDir() {
    return workDir;
  }

  public void writeConfig(RunConfig config) throws IOException {
    Json.writeFile(workDir.resolve(RunLayout.CONFIG), config);
  }

  /** Appends epoch rows and flushes, so a long run's history can be followed in the partial folder. */
  public void appendHistory(List<HistoryRow> rows) throws IOException {
    for (HistoryRow row : rows) {
      history.write(row.toCsv());
      history.newLine();
    }
    history.flush();
  }

  public void writePredictions(List<Prediction> predictions) throws IOException {
    writePredictions(RunLayout.PREDICTIONS, predictions);
  }

  /** predictions_test.csv: the test split at the best epoch. */
  public void writeTestPredictions(List<Prediction> predictions) throws IOException {
    writePredictions(RunLayout.PREDICTIONS_TEST, predictions);
  }

  private void writePredictions(String file, List<Prediction> predictions) throws IOException {
    try (BufferedWriter w = Files.newBufferedWriter(workDir.resolve(file))) {
      w.write(RunLayout.PREDICTIONS_HEADER);
      w.newLine();
      for (Prediction p : predictions) {
        w.write(p.toCsv());
        w.newLine();
      }
    }
  }

  /** Writes metrics.json last and moves the finished run into place. */
  public Path commit(RunMetrics metrics) throws IOException {
    history.close();
    if (!Files.exists(workDir.resolve(RunLayout.CONFIG))) {
      throw new IllegalStateException("writeConfig must be called before commit");
    }
    Json.writeFile(workDir.resolve(RunLayout.METRICS), metrics);
    Path old = finalDir.resolveSibling("." + finalDir.getFileName() + ".old");
    AtomicFiles.deleteRecursively(old);
    if (Files.exists(finalDir)) Files.move(finalDir, old);
    Files.move(workDir, finalDir);
    AtomicFiles.deleteRecursively(old);
    return finalDir;
  }

  /** Closes the history file; an uncommitted run stays as its partial folder for inspection. */
  @Override
  public void close() throws IOException {
    history.close();
  }
}
