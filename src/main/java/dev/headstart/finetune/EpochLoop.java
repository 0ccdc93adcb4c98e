package dev.headstart.finetune;

import dev.headstart.core.ProgressMeter;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.loss.Loss;
import ai.djl.translate.TranslateException;
import dev.headstart.runs.HistoryRow;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;

/**
 * The seeds' train_model loop on DJL's Trainer: each epoch a train phase (forward, loss,
 * backward, optimizer step over shuffled, augmented batches) and a val phase (forward without
 * autograd), loss and accuracy of both, and the epoch with the best validation accuracy handed to
 * a listener that saves its weights. With a test split, the test images get one forward pass
 * whenever an epoch becomes the best, so the last such pass is the chosen epoch's; the test figures
 * never take part in the choice. Batches are decoded and preprocessed by DJL's prefetching
 * iterator on the executor's threads while the model computes.
 */
final class EpochLoop {
  /**
   * What one epoch measured; predicted/confidence are per val image, in dataset order;
   * testPredicted/testConfidence per test image, only for a best epoch of a run with a test split
   * (null otherwise).
   */
  record EpochResult(int epoch, double trainLoss, double trainAccuracy, double valLoss,
      double valAccuracy, int[] predicted, float[] confidence, double seconds, int[] testPredicted,
      float[] testConfidence) {}

  interface EpochListener {
    /** Called after every epoch with its history rows; isBest when val accuracy improved. */
    void onEpoch(EpochResult result, List<HistoryRow> rows, boolean isBest) throws IOException;
  }

  private final Trainer trainer;
  private final ImageSplitDataset train;
  private final ImageSplitDataset val;
  private final ImageSplitDataset test;
  private final ExecutorService executor;
  private final ProgressMeter progress;
  private final String run;
  private final Loss valLoss = Loss.softmaxCrossEntropyLoss();

  /** @param test the test split, or null */
  EpochLoop(Trainer trainer, ImageSplitDataset train, ImageSplitDataset val, ImageSplitDataset test,
      ExecutorService executor, ProgressMeter progress, String run) {
    this.trainer = trainer;
    this.train = train;
    this.val = val;
    this.test = test;
    this.executor = executor;
    this.progress = progress;
    this.run = run;
  }

  /**
   * One more batch (train or val): phase, batches done, batches/s, ETA of the whole run and the
   * running loss. A terminal also shows each phase's last batch; a log gets the epoch line instead.
   */
  private void batch(int epoch, int epochs, String phase, int batchInEpoch, int batchesInEpoch, double loss) {
    boolean phaseEnd = progress.terminal() && batchInEpoch == batchesInEpoch;
    if (!progress.advance(1) && !phaseEnd) return;
    progress.show(String.format(Locale.ROOT, "%s epoch %d/%d %s %d/%d  %.1f batches/s  ETA %s  loss %.4f",
        run, epoch, epochs, phase, batchInEpoch, batchesInEpoch, progress.rate(), progress.eta(), loss));
  }

  /** Runs all epochs; returns the best epoch's result (the first of equals, as the seeds keep). */
  EpochResult run(int epochs, EpochListener listener) throws IOException, TranslateException {
    EpochResult best = null;
    int trainBatches = train.batchesPerEpoch();
    int valBatches = val.batchesPerEpoch();
    for (int epoch = 1; epoch <= epochs; epoch++) {
      long t0 = System.nanoTime();
      train.setEpoch(epoch);
      double lossSum = 0;
      long correct = 0;
      long seen = 0;
      int b = 0;
      for (Batch batch : train.getData(trainer.getManager(), executor)) {
        try (batch) {
          NDList data = batch.getData();
          NDList labels = batch.getLabels();
          NDList preds;
          NDArray loss;
          try (GradientCollector gc = trainer.newGradientCollector()) {
            preds = trainer.forward(data);
            loss = trainer.getLoss().evaluate(labels, preds);
            gc.backward(loss);
          }
          trainer.step();
          long n = labels.head().size();
          double l = loss.getFloat();
          lossSum += l * n;
          correct += correctCount(preds.head(), labels.head());
          seen += n;
          batch(epoch, epochs, "train", ++b, trainBatches, lossSum / seen);
        }
      }
      double trainLoss = lossSum / Math.max(1, seen);
      double trainAcc = (double) correct / Math.max(1, seen);
      double trainSeconds = (System.nanoTime() - t0) / 1e9;

      long v0 = System.nanoTime();
      Evaluated v = evaluate(val, epoch, epochs, "val", valBatches);
      double valSeconds = (System.nanoTime() - v0) / 1e9;
      double seconds = trainSeconds + valSeconds;

      boolean isBest = best == null || v.accuracy > best.valAccuracy();
      // only the chosen epoch's test predictions are kept, so a pass at every epoch would be waste
      Evaluated t = isBest && test != null ? evaluate(test, epoch, epochs, "test", test.batchesPerEpoch()) : null;
      EpochResult result = new EpochResult(epoch, trainLoss, trainAcc, v.loss, v.accuracy,
          v.predicted, v.confidence, seconds, t == null ? null : t.predicted, t == null ? null : t.confidence);
      if (isBest) best = result;
      List<HistoryRow> rows = new ArrayList<>();
      rows.add(new HistoryRow(epoch, "train", trainLoss, trainAcc, trainSeconds));
      rows.add(new HistoryRow(epoch, "val", v.loss, v.accuracy, valSeconds));
      listener.onEpoch(result, rows, isBest);
      progress.line(run + " " + String.format(Locale.ROOT,
          "epoch %d/%d  train loss %.4f acc %.4f  val loss %.4f acc %.4f  %.1fs%s", epoch, epochs,
          trainLoss, trainAcc, v.loss, v.accuracy, seconds, isBest ? "  (best)" : ""));
    }
    return best;
  }

  private record Evaluated(double loss, double accuracy, int[] predicted, float[] confidence) {}

  /** One split through the network without autograd: mean loss, accuracy, prediction per image. */
  private Evaluated evaluate(ImageSplitDataset split, int epoch, int epochs, String phase, int batches)
      throws IOException, TranslateException {
    int[] predicted = new int[split.entries().size()];
    float[] confidence = new float[predicted.length];
    double lossSum = 0;
    long correct = 0;
    int at = 0;
    int b = 0;
    for (Batch batch : split.getData(trainer.getManager(), executor)) {
      try (batch) {
        NDList labels = batch.getLabels();
        NDArray logits = trainer.evaluate(batch.getData()).head();
        lossSum += valLoss.evaluate(labels, new NDList(logits)).getFloat() * labels.head().size();
        NDArray probs = logits.softmax(1);
        int[] argmax = toInts(probs.argMax(1));
        float[] max = probs.max(new int[] {1}).toFloatArray();
        float[] truth = labels.head().toFloatArray();
        for (int i = 0; i < argmax.length; i++, at++) {
          predicted[at] = argmax[i];
          confidence[at] = max[i];
          if (argmax[i] == (int) truth[i]) correct++;
        }
        // the progress meter counts train and val batches only: a test pass is not in its plan
        if (!phase.equals("test")) batch(epoch, epochs, phase, ++b, batches, lossSum / at);
      }
    }
    return new Evaluated(lossSum / Math.max(1, at), (double) correct / Math.max(1, at), predicted, confidence);
  }

  private static long correctCount(NDArray logits, NDArray labels) {
    int[] pred = toInts(logits.argMax(1));
    float[] truth = labels.toFloatArray();
    long c = 0;
    for (int i = 0; i < pred.length; i++) if (pred[i] == (int) truth[i]) c++;
    return c;
  }

  private static int[] toInts(NDArray indices) {
    long[] l = indices.toLongArray();
    int[] out = new int[l.length];
    for (int i = 0; i < l.length; i++) out[i] = (int) l[i];
    return out;
  }
}
