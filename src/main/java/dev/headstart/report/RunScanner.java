package dev.headstart.report;

import dev.headstart.io.Json;
import dev.headstart.runs.Method;
import dev.headstart.runs.RunConfig;
import dev.headstart.runs.RunLayout;
import dev.headstart.runs.RunMetrics;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import tech.tablesaw.api.ColumnType;
import tech.tablesaw.api.Table;
import tech.tablesaw.io.csv.CsvReadOptions;

/**
 * Reads every run folder of a runs folder. A folder that is not a complete run of the current
 * layout (a ".name.partial" folder of a run in progress, no metrics.json, an older layout) is
 * skipped with its reason, so one bad folder never hides the others.
 */
public final class RunScanner {
  static final ColumnType[] HISTORY_TYPES = {
    ColumnType.INTEGER, ColumnType.STRING, ColumnType.DOUBLE, ColumnType.DOUBLE, ColumnType.DOUBLE
  };
  static final ColumnType[] PREDICTION_TYPES = {
    ColumnType.STRING, ColumnType.INTEGER, ColumnType.STRING, ColumnType.INTEGER, ColumnType.STRING,
    ColumnType.DOUBLE, ColumnType.BOOLEAN
  };

  private RunScanner() {}

  /** Scans runsDir, which must exist (a typo in --runs must not give an empty report). */
  public static RunScan scan(Path runsDir) throws IOException {
    List<LoadedRun> runs = new ArrayList<>();
    List<SkippedRun> skipped = new ArrayList<>();
    List<Path> folders;
    try (Stream<Path> list = Files.list(runsDir)) {
      folders = list.filter(Files::isDirectory).sorted().toList();
    }
    for (Path dir : folders) {
      String name = dir.getFileName().toString();
      if (name.startsWith(".")) {
        skipped.add(new SkippedRun(dir, name.endsWith(".partial")
            ? "half-written: the temporary folder of a run that is still running or was interrupted"
            : "hidden folder, not a run (RunWriter's temporary folders start with '.')"));
        continue;
      }
      try {
        runs.add(load(dir));
      } catch (NotARun e) {
        skipped.add(new SkippedRun(dir, e.getMessage()));
      }
    }
    return new RunScan(runsDir, runs, skipped);
  }

  /** Loads one run folder, or says why it is not a complete run of the current layout. */
  static LoadedRun load(Path dir) throws IOException {
    Path metricsFile = dir.resolve(RunLayout.METRICS);
    Path configFile = dir.resolve(RunLayout.CONFIG);
    Path historyFile = dir.resolve(RunLayout.HISTORY);
    if (!Files.isRegularFile(metricsFile)) {
      throw new NotARun("half-written: no " + RunLayout.METRICS + " (written last, when a run completes)");
    }
    if (!Files.isRegularFile(configFile)) {
      throw new NotARun("older or unknown layout: no " + RunLayout.CONFIG);
    }
    RunMetrics metrics = readJson(metricsFile, RunMetrics.class);
    RunConfig config = readJson(configFile, RunConfig.class);
    Method method = method(config.method() != null ? config.method() : metrics.method());
    if (metrics.classes() == null || metrics.confusion() == null || metrics.perClassAccuracy() == null) {
      throw new NotARun("older or unknown layout: " + RunLayout.METRICS
          + " lacks classes, confusion or per_class_accuracy");
    }
    if (metrics.confusion().length != metrics.classes().size()) {
      throw new NotARun("inconsistent " + RunLayout.METRICS + ": confusion matrix has "
          + metrics.confusion().length + " rows for " + metrics.classes().size() + " classes");
    }
    String header = firstLine(historyFile);
    if (!RunLayout.HISTORY_HEADER.equals(header)) {
      throw new NotARun("older or unknown layout: " + RunLayout.HISTORY
          + (header == null ? " is missing" : " starts with '" + header + "', expected '"
              + RunLayout.HISTORY_HEADER + "'"));
    }
    Table history = readCsv(historyFile, dir.getFileName() + " history", HISTORY_TYPES);
    Table predictions = predictions(dir, RunLayout.PREDICTIONS, " predictions");
    Table testPredictions = predictions(dir, RunLayout.PREDICTIONS_TEST, " test predictions");
    if (metrics.test() != null && metrics.test().confusion() != null
        && metrics.test().confusion().length != metrics.classes().size()) {
      throw new NotARun("inconsistent " + RunLayout.METRICS + ": the test confusion matrix has "
          + metrics.test().confusion().length + " rows for " + metrics.classes().size() + " classes");
    }
    return new LoadedRun(dir.getFileName().toString(), dir, method, config, metrics, history, predictions,
        testPredictions);
  }

  /** A predictions file of the run layout, or an empty table with its columns when there is none. */
  private static Table predictions(Path dir, String file, String what) throws IOException {
    Path f = dir.resolve(file);
    return RunLayout.PREDICTIONS_HEADER.equals(firstLine(f))
        ? readCsv(f, dir.getFileName() + what, PREDICTION_TYPES)
        : emptyPredictions(dir.getFileName() + what);
  }

  private static Method method(String id) {
    if (id == null) throw new NotARun("older or unknown layout: config.json names no method");
    try {
      return Method.of(id);
    } catch (IllegalArgumentException e) {
      throw new NotARun("unknown method '" + id + "' (expected head, finetune, partial or scratch)");
    }
  }

  private static <T> T readJson(Path file, Class<T> type) {
    try {
      return Json.read(file, type);
    } catch (IOException | RuntimeException e) {
      throw new NotARun("unreadable " + file.getFileName() + ": " + e.getMessage());
    }
  }

  private static String firstLine(Path file) throws IOException {
    if (!Files.isRegularFile(file)) return null;
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line = r.readLine();
      return line == null ? "" : line.strip().toLowerCase(Locale.ROOT);
    }
  }

  static Table readCsv(Path file, String tableName, ColumnType[] types) throws IOException {
    try {
      // only an empty field is missing: a class may well be called "NA" or "-"
      return Table.read().usingOptions(CsvReadOptions.builder(file.toFile())
          .tableName(tableName).columnTypes(types).missingValueIndicator("").build());
    } catch (RuntimeException e) {
      throw new NotARun("unreadable " + file.getFileName() + ": " + e.getMessage());
    }
  }

  private static Table emptyPredictions(String tableName) {
    Table t = Table.create(tableName);
    String[] names = RunLayout.PREDICTIONS_HEADER.split(",");
    for (int i = 0; i < names.length; i++) t.addColumns(PREDICTION_TYPES[i].create(names[i]));
    return t;
  }

  /** Why a folder is not a run the report can use; becomes a {@link SkippedRun}. */
  static final class NotARun extends RuntimeException {
    NotARun(String message) {
      super(message);
    }
  }
}
