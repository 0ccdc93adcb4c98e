package dev.headstart.head;

import dev.headstart.config.OptimizerKind;

import dev.headstart.config.HeadKind;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.tracker.Tracker;
import dev.headstart.config.ClassWeights;
import dev.headstart.config.TrainConfig;
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
    return c.classifier().head() == HeadKind.MLP && c.classifier().dropout() > 0 && !c.classifier().hidden().isEmpty();
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
    Map<GroupKey, List<Integer>> groups =
        groups(configs, packed, PackedLinearHeads.headsPerPack(data.dim(), data.numClasses(), packBytes));
    TrainOutcome[] out = new TrainOutcome[configs.size()];
    for (Map.Entry<GroupKey, List<Integer>> g : groups.entrySet()) {
      List<TrainConfig> members = g.getValue().stream().map(configs::get).toList();
      Consumer<String> p = configs.size() == 1 ? progress : line -> {};
      List<TrainOutcome> done = g.getKey().isPacked() ? trainPacked(members, p) : trainLockstep(members, p);
      for (int j = 0; j < members.size(); j++) out[g.getValue().get(j)] = done.get(j);
    }
    return List.of(out);
  }


  /**
   * The loop every group shares: the runs, the seeded shuffle, and after each epoch validation,
   * history, best epoch and early stopping per head; how an epoch trains is {@code epochs}'.
   */
  private List<TrainOutcome> trainGroup(List<TrainConfig> configs, Consumer<String> progress,
      EpochStrategy.Factory epochs) {
    TrainConfig first = configs.get(0);
    int n = data.train().rows();
    int batch = batchSize(first, n);
    int steps = (n + batch - 1) / batch;
    List<HeadRun> runs = new ArrayList<>();
    try {
      for (TrainConfig c : configs) runs.add(new HeadRun(data, c, steps));
      try (EpochStrategy how = epochs.open(runs, steps)) {
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
   * optimizer kind and per {@code perPack} heads, the rest through autograd together. Values are
   * indices into configs, in their order.
   */
  static Map<GroupKey, List<Integer>> groups(List<TrainConfig> configs, boolean packed, int perPack) {
    Map<GroupKey, List<Integer>> groups = new LinkedHashMap<>();
    Map<OptimizerKind, Integer> seen = new LinkedHashMap<>();
    for (int i = 0; i < configs.size(); i++) {
      TrainConfig c = configs.get(i);
      GroupKey key = GroupKey.AUTOGRAD;
      if (packed && c.classifier().head() == HeadKind.LINEAR) {
        int before = seen.merge(c.optimization().optimizer(), 1, Integer::sum) - 1;
        key = GroupKey.packed(c.optimization().optimizer(), before / perPack);
      }
      groups.computeIfAbsent(key, k -> new ArrayList<>()).add(i);
    }
    return groups;
  }

  /** Heads through DJL's autograd in lockstep over shared batches (see {@link #trainTogether}). */
  private List<TrainOutcome> trainLockstep(List<TrainConfig> configs, Consumer<String> progress) {
    NDArray trainX = configs.get(0).standardize() ? data.standardized()[0] : data.trainX();
    return trainGroup(configs, progress, (runs, steps) -> new AutogradEpochs(data, trainX));
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
      List<float[]> weights = configs.stream()
          .map(c -> c.classWeights() == ClassWeights.BALANCED ? data.balancedClassWeights() : null).toList();
      PackedLinearHeads heads = new PackedLinearHeads(data.manager(), configs, layers, rates, rows,
          data.train().labels(), data.dim(), data.numClasses(), weights);
      return new PackedEpochs(heads, runs, layers, n);
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


  /** Fisher-Yates with the run's own generator: the order depends on the seed only. */
  private static void shuffle(long[] order, SplittableRandom rnd) {
    for (int i = order.length - 1; i > 0; i--) {
      int j = rnd.nextInt(i + 1);
      long t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
  }





}
