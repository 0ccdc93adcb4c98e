package dev.headstart.head;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.util.Pair;
import dev.headstart.config.ClassWeights;
import dev.headstart.config.SelectBy;
import dev.headstart.config.TrainConfig;
import dev.headstart.runs.ClassScores;
import dev.headstart.runs.HistoryRow;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** One head being trained: its block, optimizer, history and best epoch so far. */
final class HeadRun {
  private final TrainingData data;
  final TrainConfig c;
  final HeadSpec spec;
  final NDManager manager;
  final SequentialBlock head;
  final Forward body;
  final NDArray valX;
  final Optimizer optimizer;
  final SmoothedCrossEntropyLoss loss;
  // validation loss is the plain mean whatever the training loss weighs: early stopping and the
  // history compare like with like across settings
  final SmoothedCrossEntropyLoss valLoss;
  final ParameterStore ps;
  final List<Parameter> trainable = new ArrayList<>();
  final List<HistoryRow> history = new ArrayList<>();
  // this head's own time: setup, its steps plus its share of each batch gather, validation
  // and finishing (heads trained in lockstep interleave, so wall time since start would
  // count the others' work too)
  long ownNanos;
  long trainNanos;
  double[] lastTrain;
  int epochsRun;
  int bestEpoch;
  double bestAcc = -1;
  double bestScore = Double.NEGATIVE_INFINITY;
  double bestAccLoss = Double.NaN;
  byte[] bestParams;
  double lowestValLoss = Double.POSITIVE_INFINITY;
  int sinceLower;
  boolean stoppedEarly;
  boolean done;
  // the current epoch's batch losses and predictions, reduced once at its end
  NDList losses;
  NDList predictions;

  HeadRun(TrainingData data, TrainConfig c, int stepsPerEpoch) {
    this.data = data;
    this.c = c;
    spec = new HeadSpec(c.classifier().head().id(), data.dim(), data.numClasses(), c.classifier().hidden(), c.classifier().dropout(), c.standardize());
    long t0 = System.nanoTime();
    manager = data.manager().newSubManager();
    head = HeadFactory.create(spec, manager, c.seed());
    if (spec.standardize()) {
      float[][] ms = data.trainMeanStd();
      HeadFactory.standardization(head).orElseThrow().set(ms[0], ms[1]);
    }
    // a standardizing head trains its layers after the fixed affine one on features
    // standardized once for all runs (bit for bit what the layer computes)
    body = spec.standardize() ? Forward.layers(head, 1) : Forward.of(head);
    valX = spec.standardize() ? data.standardized()[1] : data.valX();
    optimizer = Optimizers.of(c, Schedules.of(c, stepsPerEpoch));
    loss = new SmoothedCrossEntropyLoss((float) c.labelSmoothing(),
        c.classWeights() == ClassWeights.BALANCED ? data.balancedClassWeights() : null);
    valLoss = new SmoothedCrossEntropyLoss((float) c.labelSmoothing());
    ps = new ParameterStore(manager, false);
    for (Pair<String, Parameter> p : head.getParameters()) {
      if (p.getValue().requiresGradient()) trainable.add(p.getValue());
    }
    ownNanos = System.nanoTime() - t0;
  }

  /** One optimizer step on a batch (inside the phase's gradient collector). */
  void step(GradientCollector gc, NDArray xb, NDArray yb) {
    long t = System.nanoTime();
    NDArray logits = body.apply(ps, new NDList(xb), true).singletonOrThrow();
    NDArray l = loss.evaluate(new NDList(yb), new NDList(logits));
    gc.backward(l);
    for (Parameter p : trainable) {
      NDArray w = p.getArray();
      try (NDArray g = w.getGradient()) {
        optimizer.update(p.getId(), w, g);
      }
    }
    losses.add(l);
    predictions.add(logits.argMax(1));
    trainNanos += System.nanoTime() - t;
  }

  /**
   * Validation, history, best epoch (the first epoch with the highest validation score by
   * select_by) and early stopping after the epoch's train phase.
   */
  void endEpoch(int epoch, Consumer<String> progress) {
    long t1 = System.nanoTime();
    Evaluation val = evaluate(body, valX, data.valY(), data.val().labels(), ps, manager, false);
    double score = c.selectBy() == SelectBy.ACCURACY ? val.accuracy
        : ClassScores.of(data.val().labels(), val.predicted, data.numClasses()).score(c.selectBy());
    long t2 = System.nanoTime();
    epochsRun = epoch;
    history.add(new HistoryRow(epoch, "train", lastTrain[0], lastTrain[1], trainNanos / 1e9));
    history.add(new HistoryRow(epoch, "val", val.loss, val.accuracy, (t2 - t1) / 1e9));
    progress.accept(String.format(java.util.Locale.ROOT,
        "epoch %d/%d  train loss %.4f acc %.4f  val loss %.4f acc %.4f  (%.2f s)",
        epoch, c.epochs(), lastTrain[0], lastTrain[1], val.loss, val.accuracy, (trainNanos + t2 - t1) / 1e9));
    if (score > bestScore) {
      bestScore = score;
      bestAcc = val.accuracy;
      bestAccLoss = val.loss;
      bestEpoch = epoch;
      bestParams = parameters(head);
    }
    ownNanos += trainNanos + System.nanoTime() - t1;
    trainNanos = 0;
    if (val.loss < lowestValLoss) {
      lowestValLoss = val.loss;
      sinceLower = 0;
    } else if (c.patience() > 0 && ++sinceLower >= c.patience()) {
      stoppedEarly = epoch < c.epochs();
      done = true;
    }
    if (epoch >= c.epochs()) done = true;
  }

  /**
   * Restores the best epoch and predicts val with the whole head (what predict does), then the
   * test split, if any, with the same parameters: test is looked at once, after the choice.
   */
  TrainOutcome finish() {
    long t = System.nanoTime();
    restore(head, bestParams, manager);
    // a ParameterStore keeps the arrays it handed out; the restored ones need a fresh store
    ParameterStore restored = new ParameterStore(manager, false);
    Evaluation best = evaluate(Forward.of(head), data.valX(), data.valY(), data.val().labels(), restored, manager, true);
    if (best.accuracy != bestAcc) {
      throw new IllegalStateException("the restored best epoch scores " + best.accuracy + ", recorded " + bestAcc);
    }
    Evaluation test = data.test().isEmpty() ? null
        : evaluate(Forward.of(head), data.testX(), data.testY(), data.test().get().labels(), restored, manager, true);
    ownNanos += System.nanoTime() - t;
    return new TrainOutcome(c, spec, List.copyOf(history), epochsRun, bestEpoch, bestAcc, bestAccLoss,
        lastTrain[1], best.predicted, best.probability, bestParams, ownNanos / 1e9, stoppedEarly, bestScore,
        test == null ? null : test.predicted, test == null ? null : test.probability);
  }

  private record Evaluation(double loss, double accuracy, int[] predicted, float[] probability) {}

  /** One split in one forward pass, without dropout and without gradients. */
  private Evaluation evaluate(Forward head, NDArray splitX, NDArray splitY, int[] labels, ParameterStore ps,
      NDManager runManager, boolean withPredictions) {
    try (NDManager em = runManager.newSubManager()) {
      NDArray x = splitX.get(em, new NDIndex());
      NDArray logits = head.apply(ps, new NDList(x), false).singletonOrThrow();
      double l = valLoss.evaluate(new NDList(splitY), new NDList(logits)).getFloat();
      long[] pred = logits.argMax(1).toLongArray();
      int correct = 0;
      int[] predicted = new int[pred.length];
      for (int i = 0; i < pred.length; i++) {
        predicted[i] = (int) pred[i];
        if (predicted[i] == labels[i]) correct++;
      }
      float[] prob = withPredictions ? logits.softmax(1).max(new int[] {1}).toFloatArray() : null;
      return new Evaluation(l, (double) correct / pred.length, predicted, prob);
    }
  }

  /** A forward pass: the whole head, or only some of its layers. */
  @FunctionalInterface
  private interface Forward {
    NDList apply(ParameterStore ps, NDList x, boolean training);

    static Forward of(Block block) {
      return block::forward;
    }

    /** The layers of a sequential head from index {@code from} on, in order, as SequentialBlock runs them. */
    static Forward layers(SequentialBlock head, int from) {
      List<Block> all = head.getChildren().values();
      List<Block> blocks = List.copyOf(all.subList(from, all.size()));
      return (ps, x, training) -> {
        NDList out = x;
        for (Block b : blocks) out = b.forward(ps, out, training);
        return out;
      };
    }
  }

  static byte[] parameters(SequentialBlock head) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      head.saveParameters(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static void restore(SequentialBlock head, byte[] params, NDManager m) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(params))) {
      head.loadParameters(m, in);
    } catch (IOException | MalformedModelException e) {
      throw new IllegalStateException("could not restore the best epoch's parameters", e);
    }
  }
}
