package dev.headstart.report;

import dev.headstart.runs.ClassScores;
import java.util.List;
import java.util.Map;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/** Per-class accuracy of every run, and confusion matrices, in long form (one count per row). */
final class ClassTables {
  private ClassTables() {}

  /**
   * run, method, class_index, class, accuracy (= recall), support (validation images of the
   * class), precision, f1, then test_recall and test_support (empty without a test split).
   */
  static Table perClass(List<LoadedRun> runs) {
    StringColumn run = StringColumn.create("run");
    StringColumn method = StringColumn.create("method");
    IntColumn index = IntColumn.create("class_index");
    StringColumn cls = StringColumn.create("class");
    DoubleColumn accuracy = DoubleColumn.create("accuracy");
    IntColumn support = IntColumn.create("support");
    DoubleColumn precision = DoubleColumn.create("precision");
    DoubleColumn f1 = DoubleColumn.create("f1");
    DoubleColumn testRecall = DoubleColumn.create("test_recall");
    IntColumn testSupport = IntColumn.create("test_support");
    for (LoadedRun r : runs) {
      List<String> classes = r.metrics().classes();
      Map<String, Double> perClass = r.metrics().perClassAccuracy();
      ClassScores val = ClassScores.of(r.metrics().confusion());
      ClassScores test = r.hasTest() ? ClassScores.of(r.metrics().test().confusion()) : null;
      for (int c = 0; c < classes.size(); c++) {
        precision.append(val.precision()[c]);
        f1.append(val.f1()[c]);
        if (test == null) {
          testRecall.appendMissing();
          testSupport.appendMissing();
        } else {
          testRecall.append(test.recall()[c]);
          int n = 0;
          for (int count : r.metrics().test().confusion()[c]) n += count;
          testSupport.append(n);
        }
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
    return Table.create("per_class", run, method, index, cls, accuracy, support, precision, f1, testRecall, testSupport)
        .sortOn("run", "class_index");
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
