package dev.headstart.report;

import static tech.tablesaw.aggregate.AggregateFunctions.sum;

import java.util.Collections;
import java.util.List;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.table.TableSlice;

/** Every run's epochs in one long table, and the validation accuracy against elapsed time. */
final class HistoryTables {
  private HistoryTables() {}

  /** run, method, epoch, split, loss, accuracy, seconds: all runs' history.csv stacked. */
  static Table longHistory(List<LoadedRun> runs) {
    Table all = Table.create("history", StringColumn.create("run"), StringColumn.create("method"),
        IntColumn.create("epoch"), StringColumn.create("split"), DoubleColumn.create("loss"),
        DoubleColumn.create("accuracy"), DoubleColumn.create("seconds"));
    for (LoadedRun r : runs) {
      Table h = r.history().copy();
      h.insertColumn(0, StringColumn.create("run", Collections.nCopies(h.rowCount(), r.name())));
      h.insertColumn(1, StringColumn.create("method", Collections.nCopies(h.rowCount(), r.method().id())));
      all.append(h);
    }
    return all.sortOn("run", "epoch", "split");
  }

  /**
   * run, method, epoch, val_accuracy, elapsed_seconds, elapsed_with_extraction: when each
   * epoch's validation accuracy was reached, counting the run's setup and the epochs before it,
   * and for head runs once more with the one-time extraction in front.
   */
  static Table timeline(Table history, Table runTable) {
    Table perEpoch = history.summarize("seconds", sum).by("run", "epoch").sortOn("run", "epoch");
    perEpoch.column("Sum [seconds]").setName("epoch_seconds");
    Table elapsed = Table.create("elapsed", StringColumn.create("run"), IntColumn.create("epoch"),
        DoubleColumn.create("epoch_seconds"), DoubleColumn.create("cumulative_seconds"));
    for (TableSlice slice : perEpoch.splitOn("run")) {
      Table t = slice.asTable().sortOn("epoch");
      t.addColumns(t.doubleColumn("epoch_seconds").cumSum().setName("cumulative_seconds"));
      elapsed.append(t);
    }
    Table val = history.where(history.stringColumn("split").isEqualTo("val"))
        .selectColumns("run", "method", "epoch", "accuracy");
    val.column("accuracy").setName("val_accuracy");
    Table costs = runTable.selectColumns("run", "setup_seconds", "extraction_seconds");
    Table t = val.joinOn("run", "epoch").inner(elapsed).joinOn("run").inner(costs);
    DoubleColumn seconds = t.doubleColumn("cumulative_seconds").add(t.doubleColumn("setup_seconds"))
        .setName("elapsed_seconds");
    DoubleColumn withExtraction = seconds.add(t.doubleColumn("extraction_seconds"))
        .setName("elapsed_with_extraction");
    return Table.create("timeline", t.stringColumn("run"), t.stringColumn("method"),
        t.intColumn("epoch"), t.doubleColumn("val_accuracy"), seconds, withExtraction)
        .sortOn("run", "epoch");
  }
}
