package dev.headstart.report;

import java.util.List;
import java.util.Map;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/** Per-class accuracy of every run, and confusion matrices, in long form (one count per row). */
final class ClassTables {
  private ClassTables() {}

  /** run, method, class_index, class, accuracy, support (validation images of the class). */
  static Table perClass(List<LoadedRun> runs) {
    StringColumn run = StringColumn.create("run");
    StringColumn method = StringColumn.create("method");
    IntColumn index = IntColumn.create("class_index");
    StringColumn cls = StringColumn.create("class");
    DoubleColumn accuracy = DoubleColumn.create("accuracy");
    IntColumn support = IntColumn.create("support");
    for (LoadedRun r : runs) {
      List<String> classes = r.metrics().classes();
      Map<String, Double> perClass = r.metrics().perClassAccuracy();
      for (int c = 0; c < classes.size(); c++) {
        run.append(r.name());
        method.append(r.method().id());
        index.append(c);
        cls.append(classes.get(c));
        Double a = perClass.get(classes.get(c));
        accuracy.append(a == null ? Double.NaN : a);
        int n = 0;
        for (int count : r.metrics().confusion()[c]) n += count;
        support.append(n);
      }
    }
    return Table.create("per_class", run, method, index, cls, accuracy, support).sortOn("run", "class_index");
  }

  /** role, run, true_class, predicted_class, count: one row per cell of each role's matrix. */
  static Table confusion(Map<String, LoadedRun> byRole) {
    StringColumn role = StringColumn.create("role");
    StringColumn run = StringColumn.create("run");
    StringColumn truth = StringColumn.create("true_class");
    StringColumn predicted = StringColumn.create("predicted_class");
    IntColumn count = IntColumn.create("count");
    for (Map.Entry<String, LoadedRun> e : byRole.entrySet()) {
      List<String> classes = e.getValue().metrics().classes();
      int[][] m = e.getValue().metrics().confusion();
      for (int t = 0; t < classes.size(); t++) {
        for (int p = 0; p < classes.size(); p++) {
          role.append(e.getKey());
          run.append(e.getValue().name());
          truth.append(classes.get(t));
          predicted.append(classes.get(p));
          count.append(p < m[t].length ? m[t][p] : 0);
        }
      }
    }
    return Table.create("confusion", role, run, truth, predicted, count);
  }
}
