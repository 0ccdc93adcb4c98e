package dev.headstart.report;

import dev.headstart.runs.ClassScores;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * One row per run, straight from config.json and metrics.json: the left side of the summary's
 * joins. Beside each accuracy its 95% Wilson interval; beside plain accuracy the scores that
 * imbalanced classes need (balanced accuracy, macro-F1, recall of every class); the test
 * columns stay empty for a run without a test split.
 */
final class RunTable {
  private RunTable() {}

  /**
   * @param extractionSeconds the one-time extract cost charged to head runs (0 when unknown)
   */
  static Table of(List<LoadedRun> runs, double extractionSeconds) {
    StringColumn run = StringColumn.create("run");
    StringColumn method = StringColumn.create("method");
    StringColumn backbone = StringColumn.create("backbone");
    StringColumn head = StringColumn.create("head");
    StringColumn optimizer = StringColumn.create("optimizer");
    DoubleColumn lr = DoubleColumn.create("lr");
    IntColumn batch = IntColumn.create("batch_size");
    IntColumn epochs = IntColumn.create("epochs");
    DoubleColumn bestAcc = DoubleColumn.create("best_val_accuracy");
    IntColumn bestEpoch = IntColumn.create("best_epoch");
    DoubleColumn finalTrain = DoubleColumn.create("final_train_accuracy");
    DoubleColumn bestLoss = DoubleColumn.create("best_val_loss");
    DoubleColumn wall = DoubleColumn.create("wall_seconds");
    DoubleColumn perEpoch = DoubleColumn.create("seconds_per_epoch");
    DoubleColumn setup = DoubleColumn.create("setup_seconds");
    DoubleColumn extraction = DoubleColumn.create("extraction_seconds");
    IntColumn trainImages = IntColumn.create("train_images");
    IntColumn valImages = IntColumn.create("val_images");
    for (LoadedRun r : runs) {
      var m = r.metrics();
      run.append(r.name());
      method.append(r.method().id());
      backbone.append(r.backboneName());
      head.append(r.hyper("head"));
      optimizer.append(r.hyper("optimizer"));
      lr.append(r.hyperNumber("lr"));
      double b = r.hyperNumber("batch_size");
      if (Double.isNaN(b)) batch.appendMissing(); else batch.append((int) b);
      epochs.append(m.epochs());
      bestAcc.append(m.bestValAccuracy());
      bestEpoch.append(m.bestEpoch());
      finalTrain.append(m.finalTrainAccuracy());
      bestLoss.append(m.bestValLoss());
      wall.append(m.wallSeconds());
      perEpoch.append(m.secondsPerEpoch());
      setup.append(m.setupSeconds());
      extraction.append(r.method() == dev.headstart.runs.Method.HEAD ? extractionSeconds : 0.0);
      trainImages.append(m.trainCount());
      valImages.append(m.valCount());
    }
    // what a run really cost from the images: a head pays the (shared) extraction once on top
    DoubleColumn total = wall.add(extraction).setName("total_seconds");
    Table t = Table.create("runs", run, method, backbone, head, optimizer, lr, batch, epochs, bestAcc,
        bestEpoch, finalTrain, bestLoss, wall, perEpoch, setup, extraction, total, trainImages, valImages);
    addTaps(t, runs);
    addScores(t, runs);
    return t;
  }

  /**
   * Heads of a backbone exported with taps: which tap (or concatenation) each read, after the
   * head column; no column when no run has one, so one-output summaries keep their columns.
   */
  private static void addTaps(Table t, List<LoadedRun> runs) {
    if (runs.stream().allMatch(r -> r.hyper("tap").isBlank())) return;
    StringColumn tap = StringColumn.create("tap");
    for (LoadedRun r : runs) tap.append(r.hyper("tap"));
    t.insertColumn(t.columnIndex("head") + 1, tap);
  }

  /** Intervals, test figures, imbalance-aware scores and per-class recall, in that order. */
  private static void addScores(Table t, List<LoadedRun> runs) {
    StringColumn selectBy = StringColumn.create("select_by");
    DoubleColumn valLow = DoubleColumn.create("val_accuracy_ci_low");
    DoubleColumn valHigh = DoubleColumn.create("val_accuracy_ci_high");
    DoubleColumn testAcc = DoubleColumn.create("test_accuracy");
    DoubleColumn testLow = DoubleColumn.create("test_accuracy_ci_low");
    DoubleColumn testHigh = DoubleColumn.create("test_accuracy_ci_high");
    IntColumn testImages = IntColumn.create("test_images");
    DoubleColumn valBalanced = DoubleColumn.create("val_balanced_accuracy");
    DoubleColumn valF1 = DoubleColumn.create("val_macro_f1");
    DoubleColumn testBalanced = DoubleColumn.create("test_balanced_accuracy");
    DoubleColumn testF1 = DoubleColumn.create("test_macro_f1");
    DoubleColumn minRecall = DoubleColumn.create("val_min_class_recall");
    Set<String> classes = new LinkedHashSet<>();
    runs.forEach(r -> classes.addAll(r.metrics().classes()));
    boolean anyTest = runs.stream().anyMatch(LoadedRun::hasTest);
    Map<String, DoubleColumn> valRecall = new LinkedHashMap<>();
    Map<String, DoubleColumn> testRecall = new LinkedHashMap<>();
    for (String c : classes) {
      valRecall.put(c, DoubleColumn.create("val_recall_" + c));
      if (anyTest) testRecall.put(c, DoubleColumn.create("test_recall_" + c));
    }
    for (LoadedRun r : runs) {
      selectBy.append(r.selectBy());
      ClassScores val = ClassScores.of(r.metrics().confusion());
      Wilson vi = Wilson.of(val.correct(), val.total());
      valLow.append(vi.low());
      valHigh.append(vi.high());
      valBalanced.append(val.balancedAccuracy());
      valF1.append(val.macroF1());
      minRecall.append(Arrays.stream(val.recall()).filter(Double::isFinite).min().orElse(Double.NaN));
      appendRecall(valRecall, r.metrics().classes(), val);
      if (r.hasTest()) {
        ClassScores test = ClassScores.of(r.metrics().test().confusion());
        Wilson ti = Wilson.of(test.correct(), test.total());
        testAcc.append(test.accuracy());
        testLow.append(ti.low());
        testHigh.append(ti.high());
        testImages.append(test.total());
        testBalanced.append(test.balancedAccuracy());
        testF1.append(test.macroF1());
        appendRecall(testRecall, r.metrics().classes(), test);
      } else {
        testAcc.appendMissing();
        testLow.appendMissing();
        testHigh.appendMissing();
        testImages.appendMissing();
        testBalanced.appendMissing();
        testF1.appendMissing();
        testRecall.values().forEach(DoubleColumn::appendMissing);
      }
    }
    t.addColumns(selectBy, valLow, valHigh, testAcc, testLow, testHigh, testImages, valBalanced, valF1,
        testBalanced, testF1, minRecall);
    valRecall.values().forEach(t::addColumns);
    testRecall.values().forEach(t::addColumns);
  }

  /** One value per class column: the run's recall of that class, missing for a class it does not have. */
  private static void appendRecall(Map<String, DoubleColumn> columns, List<String> runClasses, ClassScores s) {
    for (Map.Entry<String, DoubleColumn> e : columns.entrySet()) {
      int i = runClasses.indexOf(e.getKey());
      if (i < 0 || !Double.isFinite(s.recall()[i])) e.getValue().appendMissing();
      else e.getValue().append(s.recall()[i]);
    }
  }
}
