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
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Trains heads on {@link TrainingData} the way the seeds' train_model does: each epoch a train
 * phase (shuffled mini-batches, running loss and accuracy) and a val phase (view 0, no dropout);
 * the parameters of the epoch with the best validation accuracy are kept and restored at the end.
 * Optional early stopping on validation loss. Same seed, same machine: the same history bit for
 * bit (the shuffle uses its own seeded generator, and initialization seeds the engine).
 */
public final class HeadTrainer {
  /** The most memory one pack of linear heads may hold (weights, optimizer state, gradient). */
  static final long PACK_BYTES = 256L << 20;

  private final TrainingData data;
  private final boolean packed;
  private final long packBytes;

  public HeadTrainer(TrainingData data) {
    this(data, true, PACK_BYTES);
  }

  /**
   * @param packed train linear heads as {@link PackedLinearHeads} (fast); false trains every head
   *     through DJL's autograd, the general path, which tests compare the packed one against
   */
  HeadTrainer(TrainingData data, boolean packed) {
    this(data, packed, PACK_BYTES);
  }

  /** @param packBytes the most memory one pack of linear heads may hold ({@link #PACK_BYTES}) */
  HeadTrainer(TrainingData data, boolean packed, long packBytes) {
    this.data = data;
    this.packed = packed;
    this.packBytes = packBytes;
  }

  /** Trains one head. */
  public TrainOutcome train(TrainConfig c, Consumer<String> progress) {
    return trainTogether(List.of(c), progress).get(0);
  }

  /**
   * Whether two settings can train in lockstep: the same batches in the same order (batch size,
   * seed, input standardization) and no dropout, whose random masks would interleave. Heads
   * trained together get exactly the history and weights they get alone.
   */
  public static boolean canShareBatches(TrainConfig a, TrainConfig b) {
    return a.batchSize() == b.batchSize() && a.seed() == b.seed() && a.standardize() == b.standardize()
        && a.useViews() == b.useViews() && !usesDropout(a) && !usesDropout(b);
  }

  private static boolean usesDropout(TrainConfig c) {
    return c.head().equals(HeadSpec.MLP) && c.dropout() > 0 && !c.hidden().isEmpty();
  }

  /**
   * Trains several heads together over the same shuffled batches; the settings must pass
   * {@link #canShareBatches}. Linear heads of one optimizer train as one
   * {@link PackedLinearHeads} (one matrix product per step for all of them); other heads go
   * through DJL's autograd in lockstep, each batch gathered once for all of them (at large
   * batches the gather is the biggest cost of a step) under one gradient collector. DJL's
   * PyTorch engine allows one collector per process, so this, not threads, is how a sweep
   * trains points "in parallel".
   */
  public List<TrainOutcome> trainTogether(List<TrainConfig> configs, Consumer<String> progress) {
    TrainConfig first = configs.get(0);
    for (TrainConfig c : configs) {
      if (c != first && !canShareBatches(first, c)) {
        throw new IllegalArgumentException("settings cannot train in lockstep: " + first + " and " + c);
      }
    }
    Map<String, List<Integer>> groups =
        groups(configs, packed, PackedLinearHeads.headsPerPack(data.dim(), data.numClasses(), packBytes));
    TrainOutcome[] out = new TrainOutcome[configs.size()];
    for (Map.Entry<String, List<Integer>> g : groups.entrySet()) {
      List<TrainConfig> members = g.getValue().stream().map(configs::get).toList();
      Consumer<String> p = configs.size() == 1 ? progress : line -> {};
      List<TrainOutcome> done = g.getKey().isEmpty() ? trainLockstep(members, p) : trainPacked(members, p);
      for (int j = 0; j < members.size(); j++) out[g.getValue().get(j)] = done.get(j);
    }
    return List.of(out);
  }

  /** How a group trains one epoch: every head still running, over the rows in {@code order}. */
  private interface Epochs extends AutoCloseable {
    /** Opens the epochs of a group's runs, given the optimizer steps an epoch takes. */
    interface Factory {
      Epochs open(List<HeadRun> runs, int stepsPerEpoch);
    }

    /** Trains one epoch and leaves each active head's running loss and accuracy in its lastTrain. */
    void train(List<HeadRun> active, long[] order, int batch);

    @Override
    default void close() {}
  }

  /**
   * The loop every group shares: the runs, the seeded shuffle, and after each epoch validation,
   * history, best epoch and early stopping per head; how an epoch trains is {@code epochs}'.
   */
  private List<TrainOutcome> trainGroup(List<TrainConfig> configs, Consumer<String> progress,
      Epochs.Factory epochs) {
    TrainConfig first = configs.get(0);
    int n = data.train().rows();
    int batch = batchSize(first, n);
    int steps = (n + batch - 1) / batch;
    List<HeadRun> runs = new ArrayList<>();
    try {
      for (TrainConfig c : configs) runs.add(new HeadRun(c, steps));
      try (Epochs how = epochs.open(runs, steps)) {
        SplittableRandom shuffle = new SplittableRandom(first.seed());
        long[] order = identity(n);
        for (int epoch = 1; runs.stream().anyMatch(r -> !r.done); epoch++) {
          shuffle(order, shuffle);
          how.train(runs.stream().filter(r -> !r.done).toList(), order, batch);
          for (HeadRun r : runs) {
            if (!r.done) r.endEpoch(epoch, progress);
          }
        }
      }
      List<TrainOutcome> out = new ArrayList<>();
      for (HeadRun r : runs) out.add(r.finish());
      return out;
    } finally {
      for (HeadRun r : runs) r.manager.close();
    }
  }

  /**
   * How settings that share batches split into trainings: linear heads packed, one pack per
   * optimizer kind and per {@code perPack} heads (keys "sgd#0", "sgd#1", ...), the rest through
   * autograd together (key ""). Values are indices into configs, in their order.
   */
  static Map<String, List<Integer>> groups(List<TrainConfig> configs, boolean packed, int perPack) {
    Map<String, List<Integer>> groups = new LinkedHashMap<>();
    Map<String, Integer> seen = new LinkedHashMap<>();
    for (int i = 0; i < configs.size(); i++) {
      TrainConfig c = configs.get(i);
      String key = "";
      if (packed && c.head().equals(HeadSpec.LINEAR)) {
        int before = seen.merge(c.optimizer(), 1, Integer::sum) - 1;
        key = c.optimizer() + "#" + before / perPack;
      }
      groups.computeIfAbsent(key, k -> new ArrayList<>()).add(i);
    }
    return groups;
  }

  /** Heads through DJL's autograd in lockstep over shared batches (see {@link #trainTogether}). */
  private List<TrainOutcome> trainLockstep(List<TrainConfig> configs, Consumer<String> progress) {
    NDArray trainX = configs.get(0).standardize() ? data.standardized()[0] : data.trainX();
    return trainGroup(configs, progress, (runs, steps) -> (active, order, batch) -> trainEpoch(active, trainX, order, batch));
  }

  /**
   * Linear heads of one optimizer kind as one {@link PackedLinearHeads}: the same batches in the
   * same order as the autograd path, each head validated, recorded and kept at its best epoch
   * through its own DJL block exactly as there (the packed weights are copied into the block
   * after each epoch), so predict and the best-epoch check see the same head either way.
   */
  private List<TrainOutcome> trainPacked(List<TrainConfig> configs, Consumer<String> progress) {
    int n = data.train().rows();
    float[] rows = configs.get(0).standardize() ? data.standardizedTrainRows() : data.train().features();
    return trainGroup(configs, progress, (runs, steps) -> {
      List<Linear> layers = runs.stream().map(r -> lastLinear(r.head)).toList();
      List<Tracker> rates = configs.stream().map(c -> Schedules.of(c, steps)).toList();
      PackedLinearHeads heads = new PackedLinearHeads(data.manager(), configs, layers, rates, rows,
          data.train().labels(), data.dim(), data.numClasses());
      return new Epochs() {
        @Override
        public void train(List<HeadRun> active, long[] order, int batch) {
          long t = System.nanoTime();
          heads.startEpoch();
          for (int s = 0; s < n; s += batch) heads.step(order, s, Math.min(n, s + batch));
          float[] packedNow = heads.snapshot();
          long share = (System.nanoTime() - t) / active.size();
          for (int p = 0; p < runs.size(); p++) {
            HeadRun r = runs.get(p);
            if (r.done) continue;
            r.trainNanos += share;
            r.lastTrain = new double[] {heads.lossSum(p) / n, (double) heads.correct(p) / n};
            heads.copyTo(p, layers.get(p), packedNow);
          }
        }

        @Override
        public void close() {
          heads.close();
        }
      };
    });
  }

  private static int batchSize(TrainConfig c, int n) {
    return c.batchSize() == 0 || c.batchSize() > n ? n : c.batchSize();
  }

  private static long[] identity(int n) {
    long[] order = new long[n];
    for (int i = 0; i < n; i++) order[i] = i;
    return order;
  }

  private static Linear lastLinear(SequentialBlock head) {
    List<Block> blocks = head.getChildren().values();
    if (blocks.get(blocks.size() - 1) instanceof Linear l) return l;
    throw new IllegalStateException("head does not end in a linear layer: " + head);
  }

  /** One head being trained: its block, optimizer, history and best epoch so far. */
  private final class HeadRun {
    final TrainConfig c;
    final HeadSpec spec;
    final NDManager manager;
    final SequentialBlock head;
    final Forward body;
    final NDArray valX;
    final Optimizer optimizer;
    final SmoothedCrossEntropyLoss loss;
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
    double bestAccLoss = Double.NaN;
    byte[] bestParams;
    double lowestValLoss = Double.POSITIVE_INFINITY;
    int sinceLower;
    boolean stoppedEarly;
    boolean done;
    // the current epoch's batch losses and predictions, reduced once at its end
    NDList losses;
    NDList predictions;

    HeadRun(TrainConfig c, int stepsPerEpoch) {
      this.c = c;
      spec = new HeadSpec(c.head(), data.dim(), data.numClasses(), c.hidden(), c.dropout(), c.standardize());
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
      loss = new SmoothedCrossEntropyLoss((float) c.labelSmoothing());
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

    /** Validation, history, best epoch and early stopping after the epoch's train phase. */
    void endEpoch(int epoch, Consumer<String> progress) {
      long t1 = System.nanoTime();
      Evaluation val = evaluate(body, valX, ps, loss, manager, false);
      long t2 = System.nanoTime();
      epochsRun = epoch;
      history.add(new HistoryRow(epoch, "train", lastTrain[0], lastTrain[1], trainNanos / 1e9));
      history.add(new HistoryRow(epoch, "val", val.loss, val.accuracy, (t2 - t1) / 1e9));
      progress.accept(String.format(java.util.Locale.ROOT,
          "epoch %d/%d  train loss %.4f acc %.4f  val loss %.4f acc %.4f  (%.2f s)",
          epoch, c.epochs(), lastTrain[0], lastTrain[1], val.loss, val.accuracy, (trainNanos + t2 - t1) / 1e9));
      if (val.accuracy > bestAcc) {
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

    /** Restores the best epoch and predicts val with the whole head (what predict does). */
    TrainOutcome finish() {
      long t = System.nanoTime();
      restore(head, bestParams, manager);
      // a ParameterStore keeps the arrays it handed out; the restored ones need a fresh store
      Evaluation best = evaluate(Forward.of(head), data.valX(), new ParameterStore(manager, false), loss, manager, true);
      if (best.accuracy != bestAcc) {
        throw new IllegalStateException("the restored best epoch scores " + best.accuracy + ", recorded " + bestAcc);
      }
      ownNanos += System.nanoTime() - t;
      return new TrainOutcome(c, spec, List.copyOf(history), epochsRun, bestEpoch, bestAcc, bestAccLoss,
          lastTrain[1], best.predicted, best.probability, bestParams, ownNanos / 1e9, stoppedEarly);
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
   * One pass over the train split for every head still training; each head's mean loss and
   * accuracy (running, as the seeds report) land in its lastTrain. Each batch gathers its rows by
   * index from the one [N, D] tensor, once for all heads: no per-row copies, and no copy of the
   * whole split per epoch either (that costs more than all the small gathers). A full batch
   * needs no gather at all: its gradient does not depend on the row order. One collector serves
   * the whole phase: the same gradients as one per step (optimizer updates are not recorded),
   * with fewer engine calls.
   */
  private void trainEpoch(List<HeadRun> active, NDArray trainX, long[] order, int batch) {
    int n = order.length;
    int steps = (n + batch - 1) / batch;
    try (NDManager em = data.manager().newSubManager();
        GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray perm = em.create(order);
      NDList labelBatches = new NDList(steps);
      float[] weights = new float[steps];
      for (HeadRun r : active) {
        r.losses = new NDList(steps);
        r.predictions = new NDList(steps);
      }
      for (int step = 0, s = 0; s < n; step++, s += batch) {
        int e = Math.min(n, s + batch);
        long t = System.nanoTime();
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
        long share = (System.nanoTime() - t) / active.size();
        labelBatches.add(yb);
        weights[step] = (float) (e - s) / n;
        for (HeadRun r : active) {
          r.trainNanos += share;
          r.step(gc, xb, yb);
        }
      }
      NDArray labels = ai.djl.ndarray.NDArrays.concat(labelBatches).reshape(-1);
      NDArray w = em.create(weights);
      for (HeadRun r : active) {
        long t = System.nanoTime();
        double meanLoss = r.losses.size() == 1 ? r.losses.get(0).getFloat() * weights[0]
            : ai.djl.ndarray.NDArrays.stack(r.losses).dot(w).getFloat();
        long correct = ai.djl.ndarray.NDArrays.concat(r.predictions).eq(labels).sum().getLong();
        r.lastTrain = new double[] {meanLoss, (double) correct / n};
        r.losses = null;
        r.predictions = null;
        r.trainNanos += System.nanoTime() - t;
      }
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
