package dev.headstart.head;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import dev.headstart.config.RecordBinder;
import dev.headstart.config.OptimizerKind;
import dev.headstart.config.TrainConfig;
import dev.headstart.features.FeatureStoreReader;
import dev.headstart.features.SyntheticStore;
import dev.headstart.runs.HistoryRow;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packed trainer of linear heads against DJL's autograd path on the same features: the
 * same settings must give the same training, up to float rounding (the two sum in different
 * orders), for every optimizer, schedule, momentum, weight decay, label smoothing and a batch
 * size that leaves a short last batch; and heads packed together must train as they do alone.
 */
class PackedLinearHeadsTest {
  @TempDir Path dir;
  private TrainingData data;

  @BeforeEach
  void setUp() throws Exception {
    String store = dir.resolve("features").toString();
    // overlapping classes, so accuracy moves over the epochs and the best epoch matters
    SyntheticStore.write(store, List.of("a", "b", "c"), 40, 20, 12, 0.45, 0);
    data = TrainingData.of(new FeatureStoreReader(store).load(List.of("train", "val"), List.of(), false));
  }

  @AfterEach
  void tearDown() {
    data.close();
  }

  private static TrainConfig config(Map<String, Object> values) {
    return RecordBinder.bind("train", values, TrainConfig.DEFAULTS);
  }

  private static final List<Map<String, Object>> SETTINGS = List.of(
      Map.of("epochs", 6, "batch_size", 7, "lr", 0.05, "momentum", 0.9, "weight_decay", 1e-3,
          "label_smoothing", 0.1, "step_size", 2, "gamma", 0.5),
      Map.of("epochs", 5, "batch_size", 16, "lr", 0.1, "momentum", 0.0, "scheduler", "cosine"),
      Map.of("epochs", 5, "batch_size", 0, "lr", 0.2, "scheduler", "none", "standardize", false),
      Map.of("epochs", 5, "batch_size", 10, "optimizer", "adam", "lr", 0.01, "weight_decay", 1e-3),
      Map.of("epochs", 5, "batch_size", 10, "optimizer", "adamw", "lr", 0.01, "weight_decay", 0.05,
          "label_smoothing", 0.2));

  @Test
  void packedTrainingMatchesAutogradForEveryOptimizerAndSchedule() {
    for (Map<String, Object> s : SETTINGS) {
      TrainConfig c = config(s);
      TrainOutcome autograd = new HeadTrainer(data, false).train(c, line -> {});
      TrainOutcome packed = new HeadTrainer(data, true).train(c, line -> {});
      assertSameTraining(packed, autograd, s.toString());
    }
  }

  @Test
  void classWeightedPackedTrainingMatchesAutogradOnImbalancedClasses() throws Exception {
    // 40, 12 and 6 train rows: the balanced weights are far from 1, so a wrong weighting shows
    String store = dir.resolve("imbalanced").toString();
    List<dev.headstart.features.FeatureRow> train = new ArrayList<>();
    int[] keep = {40, 12, 6};
    int[] kept = new int[3];
    for (var r : SyntheticStore.rows("train", List.of("a", "b", "c"), 40, 12, 0.45, 0, 1)) {
      if (kept[r.label()] < keep[r.label()]) {
        kept[r.label()]++;
        train.add(r);
      }
    }
    var val = SyntheticStore.rows("val", List.of("a", "b", "c"), 20, 12, 0.45, 0, 2);
    SyntheticStore.writeSplit(store, "train", train, 1);
    SyntheticStore.writeSplit(store, "val", val, 1);
    dev.headstart.features.SyntheticStore.writeManifest(store, SyntheticStore.manifest(List.of("a", "b", "c"), 12, 0,
        Map.of("train", train.size(), "val", val.size())));
    try (TrainingData imbalanced = TrainingData.of(new FeatureStoreReader(store).load(List.of("train", "val"), List.of(), false))) {
      assertThat(imbalanced.balancedClassWeights()).containsExactly(58f / (3 * 40), 58f / (3 * 12), 58f / (3 * 6));
      for (Map<String, Object> s : List.of(SETTINGS.get(0), SETTINGS.get(3))) {
        Map<String, Object> weighted = new java.util.HashMap<>(s);
        weighted.put("class_weights", "balanced");
        TrainConfig c = config(weighted);
        TrainOutcome autograd = new HeadTrainer(imbalanced, false).train(c, line -> {});
        TrainOutcome packed = new HeadTrainer(imbalanced, true).train(c, line -> {});
        assertSameTraining(packed, autograd, weighted.toString());
        // and the weights change the training: the unweighted run's train losses differ
        TrainOutcome plain = new HeadTrainer(imbalanced, true).train(config(s), line -> {});
        assertThat(plain.history().get(0).loss()).isNotCloseTo(packed.history().get(0).loss(), within(1e-3));
      }
    }
  }

  @Test
  void headsPackedTogetherTrainAsTheyDoAlone() {
    List<TrainConfig> group = new ArrayList<>();
    group.add(config(Map.of("epochs", 6, "batch_size", 8, "lr", 0.1)));
    group.add(config(Map.of("epochs", 4, "batch_size", 8, "lr", 0.01, "momentum", 0.5, "weight_decay", 1e-2)));
    group.add(config(Map.of("epochs", 6, "batch_size", 8, "lr", 0.03, "label_smoothing", 0.1, "patience", 1)));
    HeadTrainer trainer = new HeadTrainer(data, true);
    List<TrainOutcome> together = trainer.trainTogether(group, line -> {});
    for (int i = 0; i < group.size(); i++) {
      TrainOutcome alone = trainer.train(group.get(i), line -> {});
      assertSameTraining(together.get(i), alone, group.get(i).toString());
    }
    // early stopping and shorter runs end on their own while the others go on
    assertThat(together.get(1).epochsRun()).isEqualTo(4);
    assertThat(together.get(0).epochsRun()).isEqualTo(6);
    // packs too small for two heads: the same group trains one pack after another, to the same result
    long oneHead = 4L * 3 * (12 + 1) * Float.BYTES;
    List<TrainOutcome> split = new HeadTrainer(data, true, oneHead).trainTogether(group, line -> {});
    for (int i = 0; i < group.size(); i++) assertSameTraining(split.get(i), together.get(i), "one head a pack");
  }

  @Test
  void trainParallelCapsHowManySweepPointsTrainAtOnce() {
    List<SweepGrid.Point> points = SweepGrid.expand(TrainConfig.DEFAULTS,
        Map.of("lr", List.of("0.1", "0.01", "0.001"), "batch_size", List.of("8", "16")));
    // the two batch sizes never share batches; within one, at most `parallel` points per group
    assertThat(TrainStage.lockstepGroups(points, 0)).hasSize(2).allSatisfy(g -> assertThat(g).hasSize(3));
    assertThat(TrainStage.lockstepGroups(points, 2)).extracting(List::size).containsExactly(2, 1, 2, 1);
    assertThat(TrainStage.lockstepGroups(points, 1)).hasSize(6);
  }

  @Test
  void linearHeadsPackByOptimizerAndPackSizeTheRestTrainThroughAutograd() {
    List<TrainConfig> c = new ArrayList<>();
    for (String s : List.of("sgd", "adam", "sgd", "sgd")) c.add(config(Map.of("optimizer", s)));
    c.add(config(Map.of("head", "mlp", "dropout", 0.0)));
    assertThat(HeadTrainer.groups(c, true, 2)).isEqualTo(Map.of(
        GroupKey.packed(OptimizerKind.SGD, 0), List.of(0, 2), GroupKey.packed(OptimizerKind.ADAM, 0), List.of(1),
        GroupKey.packed(OptimizerKind.SGD, 1), List.of(3), GroupKey.AUTOGRAD, List.of(4)));
    assertThat(HeadTrainer.groups(c, false, 2)).isEqualTo(Map.of(GroupKey.AUTOGRAD, List.of(0, 1, 2, 3, 4)));
  }

  @Test
  void aPackHoldsAsManyHeadsAsItsMemoryAllows() {
    // 512 features x 10 classes: ~82 KB a head, thousands fit; ImageNet-sized heads: a handful
    assertThat(PackedLinearHeads.headsPerPack(512, 10, HeadTrainer.PACK_BYTES)).isEqualTo(3270);
    assertThat(PackedLinearHeads.headsPerPack(2048, 1000, HeadTrainer.PACK_BYTES)).isEqualTo(8);
    assertThat(PackedLinearHeads.headsPerPack(100_000, 100_000, HeadTrainer.PACK_BYTES)).isEqualTo(1);
  }

  @Test
  void theSameSeedPacksTheSameWeightsBitForBit() {
    TrainConfig c = config(SETTINGS.get(0));
    TrainOutcome a = new HeadTrainer(data, true).train(c, line -> {});
    TrainOutcome b = new HeadTrainer(data, true).train(c, line -> {});
    assertThat(b.bestParameters()).isEqualTo(a.bestParameters());
    assertThat(b.history().stream().map(r -> r.loss()).toList()).isEqualTo(a.history().stream().map(r -> r.loss()).toList());
  }

  private void assertSameTraining(TrainOutcome actual, TrainOutcome expected, String what) {
    assertThat(actual.epochsRun()).as(what).isEqualTo(expected.epochsRun());
    assertThat(actual.history()).as(what).hasSameSizeAs(expected.history());
    for (int i = 0; i < expected.history().size(); i++) {
      HistoryRow a = actual.history().get(i);
      HistoryRow e = expected.history().get(i);
      assertThat(a.split()).isEqualTo(e.split());
      assertThat(a.loss()).as(what + " loss, " + e).isCloseTo(e.loss(), within(1e-4 + 1e-4 * Math.abs(e.loss())));
      // one row may flip on a near tie of two logits
      assertThat(a.accuracy()).as(what + " accuracy, " + e).isCloseTo(e.accuracy(), within(1.01 / 60));
    }
    float[] pa = finalLayer(actual);
    float[] pe = finalLayer(expected);
    for (int i = 0; i < pe.length; i++) {
      assertThat(pa[i]).as(what + " parameter " + i).isCloseTo(pe[i], within(2e-4f + 1e-3f * Math.abs(pe[i])));
    }
  }

  /** The kept epoch's linear weights then biases, read back from the saved parameters. */
  private float[] finalLayer(TrainOutcome o) {
    try (NDManager m = NDManager.newBaseManager();
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(o.bestParameters()))) {
      SequentialBlock head = HeadFactory.build(o.spec());
      head.loadParameters(m, in);
      List<Block> blocks = head.getChildren().values();
      Linear l = (Linear) blocks.get(blocks.size() - 1);
      float[] w = l.getParameters().get("weight").getArray().toFloatArray();
      float[] b = l.getParameters().get("bias").getArray().toFloatArray();
      float[] all = new float[w.length + b.length];
      System.arraycopy(w, 0, all, 0, w.length);
      System.arraycopy(b, 0, all, w.length, b.length);
      return all;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
