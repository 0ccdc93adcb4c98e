package dev.headstart.report;

import java.util.List;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/** One row per run, straight from config.json and metrics.json: the left side of the summary's joins. */
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
    return Table.create("runs", run, method, backbone, head, optimizer, lr, batch, epochs, bestAcc,
        bestEpoch, finalTrain, bestLoss, wall, perEpoch, setup, extraction, total, trainImages, valImages);
  }
}
