package dev.headstart.head;

import ai.djl.MalformedModelException;
import ai.djl.engine.Engine;
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
import dev.headstart.config.TrainConfig;
import dev.headstart.runs.HistoryRow;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Trains one head on {@link TrainingData} the way the seeds' train_model does: each epoch a train
 * phase (shuffled mini-batches, running loss and accuracy) and a val phase (view 0, no dropout);
 * the parameters of the epoch with the best validation accuracy are kept and restored at the end.
 * Optional early stopping on validation loss. Same seed, same machine: the same history bit for
 * bit (the shuffle uses its own seeded generator, and initialization seeds the engine).
 */
public final class HeadTrainer {
  private final TrainingData data;

  public HeadTrainer(TrainingData data) {
    this.data = data;
  }

  public TrainOutcome train(TrainConfig c, Consumer<String> progress) {
    long start = System.nanoTime();
    HeadSpec spec = new HeadSpec(c.head(), data.dim(), data.numClasses(),
        c.head().equals(HeadSpec.MLP) ? c.hidden() : List.of(), c.head().equals(HeadSpec.MLP) ? c.dropout() : 0,
        c.standardize());
    int n = data.train().rows();
    int batch = c.batchSize() == 0 || c.batchSize() > n ? n : c.batchSize();
    int stepsPerEpoch = (n + batch - 1) / batch;

    try (NDManager m = data.manager().newSubManager()) {
      SequentialBlock head = HeadFactory.create(spec, m, c.seed());
      if (spec.standardize()) {
        float[][] ms = data.trainMeanStd();
        HeadFactory.standardization(head).orElseThrow().set(ms[0], ms[1]);
      }
      // a standardizing head trains its layers after the fixed affine one on features
      // standardized once for all runs (bit for bit what the layer computes)
      Forward body = spec.standardize() ? Forward.layers(head, 1) : Forward.of(head);
      NDArray trainX = spec.standardize() ? data.standardized()[0] : data.trainX();
      NDArray valX = spec.standardize() ? data.standardized()[1] : data.valX();
      Optimizer optimizer = Optimizers.of(c, Schedules.of(c, stepsPerEpoch));
      SmoothedCrossEntropyLoss loss = new SmoothedCrossEntropyLoss((float) c.labelSmoothing());
      ParameterStore ps = new ParameterStore(m, false);
      List<Parameter> trainable = new ArrayList<>();
      for (Pair<String, Parameter> p : head.getParameters()) if (p.getValue().requiresGradient()) trainable.add(p.getValue());
      SplittableRandom shuffle = new SplittableRandom(c.seed());
      long[] order = new long[n];
      for (int i = 0; i < n; i++) order[i] = i;

      List<HistoryRow> history = new ArrayList<>();
      int bestEpoch = 0;
      double bestAcc = -1;
      double bestAccLoss = Double.NaN;
      byte[] bestParams = null;
      double lowestValLoss = Double.POSITIVE_INFINITY;
      int sinceLower = 0;
      double trainAcc = Double.NaN;
      int epoch = 0;
      boolean stoppedEarly = false;

      while (epoch < c.epochs()) {
        epoch++;
        long t0 = System.nanoTime();
        shuffle(order, shuffle);
        double[] lossAcc = trainEpoch(body, trainX, ps, optimizer, loss, trainable, order, batch, m);
        trainAcc = lossAcc[1];
        long t1 = System.nanoTime();
        Evaluation val = evaluate(body, valX, ps, loss, m, false);
        long t2 = System.nanoTime();
        history.add(new HistoryRow(epoch, "train", lossAcc[0], lossAcc[1], (t1 - t0) / 1e9));
        history.add(new HistoryRow(epoch, "val", val.loss, val.accuracy, (t2 - t1) / 1e9));
        if (val.accuracy > bestAcc) {
          bestAcc = val.accuracy;
          bestAccLoss = val.loss;
          bestEpoch = epoch;
          bestParams = parameters(head);
        }
        progress.accept(String.format(java.util.Locale.ROOT,
            "epoch %d/%d  train loss %.4f acc %.4f  val loss %.4f acc %.4f  (%.2f s)",
            epoch, c.epochs(), lossAcc[0], lossAcc[1], val.loss, val.accuracy, (t2 - t0) / 1e9));
        if (val.loss < lowestValLoss) {
          lowestValLoss = val.loss;
          sinceLower = 0;
        } else if (c.patience() > 0 && ++sinceLower >= c.patience()) {
          stoppedEarly = epoch < c.epochs();
          break;
        }
      }
      restore(head, bestParams, m);
      // a ParameterStore keeps the arrays it handed out; the restored ones need a fresh store
      // the whole head (its own standardization included) on the raw features: what predict does
      Evaluation best = evaluate(Forward.of(head), data.valX(), new ParameterStore(m, false), loss, m, true);
      if (best.accuracy != bestAcc) {
        throw new IllegalStateException("the restored best epoch scores " + best.accuracy + ", recorded " + bestAcc);
      }
      return new TrainOutcome(c, spec, List.copyOf(history), epoch, bestEpoch, bestAcc, bestAccLoss, trainAcc,
          best.predicted, best.probability, bestParams, (System.nanoTime() - start) / 1e9, stoppedEarly);
    }
  }

  /** Fisher-Yates with the run's own generator: the order depends on the seed only. */
  private static void shuffle(long[] order, SplittableRandom rnd) {
    for (int i = order.length - 1; i > 0; i--) {
      int j = rnd.nextInt(i + 1);
      long t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
  }

  /**
   * One pass over the train split; returns mean loss and accuracy (running, as the seeds report).
   * Each step issues as few engine calls as it can: batch losses and predictions are kept as
   * they are and reduced once at the end of the epoch, not synchronized step by step.
   */
  private double[] trainEpoch(Forward head, NDArray trainX, ParameterStore ps, Optimizer optimizer,
      SmoothedCrossEntropyLoss loss, List<Parameter> trainable, long[] order, int batch, NDManager runManager) {
    int n = order.length;
    int steps = (n + batch - 1) / batch;
    // one collector for the whole phase, not one per step: the same gradients (optimizer updates
    // run without recording), three fewer engine calls per step
    try (NDManager em = runManager.newSubManager();
        GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      // each batch gathers its rows by index from the one [N, D] tensor: no per-row copies, and
      // no copy of the whole split per epoch either (that costs more than all the small gathers).
      // A full batch needs no gather at all: its gradient does not depend on the row order
      NDArray perm = em.create(order);
      NDList labelBatches = new NDList(steps);
      NDList losses = new NDList(steps);
      NDList predictions = new NDList(steps);
      float[] weights = new float[steps];
      for (int step = 0, s = 0; s < n; step++, s += batch) {
        int e = Math.min(n, s + batch);
        NDArray xb;
        NDArray yb;
        if (steps == 1) {
          xb = trainX.get(em, new NDIndex());
          yb = data.trainYColumn().get(em, new NDIndex());
        } else {
          NDIndex rows = new NDIndex("{}", perm.get(new NDIndex().addSliceDim(s, e)));
          xb = trainX.get(em, rows);
          yb = data.trainYColumn().get(em, rows);
        }
        NDArray logits = head.apply(ps, new NDList(xb), true).singletonOrThrow();
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
        labelBatches.add(yb);
        weights[step] = (float) (e - s) / n;
      }
      double meanLoss = losses.size() == 1 ? losses.get(0).getFloat() * weights[0]
          : ai.djl.ndarray.NDArrays.stack(losses).dot(em.create(weights)).getFloat();
      long correct = ai.djl.ndarray.NDArrays.concat(predictions)
          .eq(ai.djl.ndarray.NDArrays.concat(labelBatches).reshape(-1)).sum().getLong();
      return new double[] {meanLoss, (double) correct / n};
    }
  }

  private record Evaluation(double loss, double accuracy, int[] predicted, float[] probability) {}

  /** The val split in one forward pass, without dropout and without gradients. */
  private Evaluation evaluate(Forward head, NDArray valX, ParameterStore ps, SmoothedCrossEntropyLoss loss,
      NDManager runManager, boolean withPredictions) {
    try (NDManager em = runManager.newSubManager()) {
      NDArray x = valX.get(em, new NDIndex());
      NDArray logits = head.apply(ps, new NDList(x), false).singletonOrThrow();
      double l = loss.evaluate(new NDList(data.valY()), new NDList(logits)).getFloat();
      long[] pred = logits.argMax(1).toLongArray();
      int[] labels = data.val().labels();
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
