package dev.headstart.report;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import tech.tablesaw.api.ColumnType;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.io.csv.CsvReadOptions;

/**
 * The train stage's sweep rankings: the CSV files at the top of the runs folder that start with
 * its header ("rank,run,<swept keys>...") or are named sweep*.csv. Sweeps over different keys
 * have different columns, so they are stacked on the union of the columns, with the file each
 * row came from; a cell a sweep has no column for stays empty.
 */
final class SweepTables {
  static final String HEADER_START = "rank,run,";

  private SweepTables() {}

  static Optional<Table> read(Path runsDir, List<String> warnings) throws IOException {
    List<Table> sweeps = new ArrayList<>();
    for (Path file : candidates(runsDir)) {
      try {
        // as text: the same key may be numeric in one sweep and a word in another
        Table t = Table.read().usingOptions(CsvReadOptions.builder(file.toFile()).tableName("sweep")
            .missingValueIndicator("").columnTypes(name -> ColumnType.STRING).build());
        if (t.isEmpty()) continue;
        t.insertColumn(0, StringColumn.create("sweep_file",
            Collections.nCopies(t.rowCount(), file.getFileName().toString())));
        sweeps.add(t);
      } catch (RuntimeException e) {
        warnings.add("skipped " + file + ": not a readable sweep CSV (" + e.getMessage() + ")");
      }
    }
    if (sweeps.isEmpty()) return Optional.empty();
    Set<String> columns = new LinkedHashSet<>();
    sweeps.forEach(t -> columns.addAll(t.columnNames()));
    Table all = Table.create("sweep");
    for (String c : columns) all.addColumns(StringColumn.create(c));
    for (Table t : sweeps) {
      for (String c : columns) {
        if (!t.containsColumn(c)) t.addColumns(StringColumn.create(c, t.rowCount()));
      }
      all.append(t.reorderColumns(columns.toArray(String[]::new)));
    }
    return Optional.of(all);
  }

  private static List<Path> candidates(Path runsDir) throws IOException {
    List<Path> out = new ArrayList<>();
    List<Path> csvs;
    try (Stream<Path> list = Files.list(runsDir)) {
      csvs = list.filter(p -> Files.isRegularFile(p) && p.getFileName().toString().endsWith(".csv")).sorted().toList();
    }
    for (Path p : csvs) {
      if (p.getFileName().toString().startsWith("sweep") || firstLine(p).startsWith(HEADER_START)) out.add(p);
    }
    return out;
  }

  private static String firstLine(Path file) throws IOException {
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line = r.readLine();
      return line == null ? "" : line.strip();
    }
  }
}
