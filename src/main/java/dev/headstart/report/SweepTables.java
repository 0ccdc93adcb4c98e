package dev.headstart.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.io.csv.CsvReadOptions;

/**
 * The train stage's sweep summaries (sweep*.csv in the runs folder), stacked into one table with
 * the file each row came from. Files whose columns differ from the first are skipped and named.
 */
final class SweepTables {
  private SweepTables() {}

  static Optional<Table> read(Path runsDir, List<String> warnings) throws IOException {
    List<Path> files;
    try (Stream<Path> list = Files.list(runsDir)) {
      files = list.filter(p -> Files.isRegularFile(p)
              && p.getFileName().toString().matches("sweep.*\\.csv"))
          .sorted().toList();
    }
    Table all = null;
    for (Path file : files) {
      Table t;
      try {
        t = Table.read().usingOptions(CsvReadOptions.builder(file.toFile())
            .tableName("sweep").missingValueIndicator("").build());
      } catch (RuntimeException e) {
        warnings.add("skipped " + file + ": unreadable CSV (" + e.getMessage() + ")");
        continue;
      }
      if (t.isEmpty()) continue;
      t.insertColumn(0, StringColumn.create("sweep_file",
          Collections.nCopies(t.rowCount(), file.getFileName().toString())));
      if (all == null) {
        all = t;
      } else if (sameColumns(all, t)) {
        all.append(t);
      } else {
        warnings.add("skipped " + file + ": its columns " + t.columnNames().subList(1, t.columnCount())
            + " differ from " + all.columnNames().subList(1, all.columnCount()));
      }
    }
    return Optional.ofNullable(all);
  }

  private static boolean sameColumns(Table a, Table b) {
    if (!a.columnNames().equals(b.columnNames())) return false;
    List<Object> ta = new ArrayList<>();
    List<Object> tb = new ArrayList<>();
    a.columns().forEach(c -> ta.add(c.type()));
    b.columns().forEach(c -> tb.add(c.type()));
    return ta.equals(tb);
  }
}
