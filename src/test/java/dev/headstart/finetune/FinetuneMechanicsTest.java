package dev.headstart.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.util.Pair;
import dev.headstart.config.FinetuneConfig;
import dev.headstart.config.RecordBinder;
import dev.headstart.extract.BackboneLoader;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The DJL mechanics under the stage, on the tiny fixtures: init, learning rates, aux loss. */
class FinetuneMechanicsTest {
  static final Path TINY = FinetuneStageTest.TINY_TRAINABLE;
  static final Path TINY_AUX = Path.of("src/test/resources/finetune/tiny_aux-trainable.pt");

  @Test
  void scratchInitReplacesPretrainedWeightsAsTorchvisionInitializes() {
    Map<String, float[]> pretrained = FinetuneStageTest.pretrainedBackbone();
    try (ZooModel<NDList, NDList> m = BackboneLoader.loadTorchScript(TINY, Device.cpu(), true)) {
      Engine.getInstance().setRandomSeed(5);
      PtSymbolBlock pt = (PtSymbolBlock) m.getBlock();
      ScratchInit.reinitialize(pt.getParameters(), m.getNDManager());
      for (Pair<String, Parameter> p : pt.getParameters()) {
        NDArray a = p.getValue().getArray();
        float[] v = a.toFloatArray();
        assertThat(v).as(p.getKey()).isNotEqualTo(pretrained.get(p.getKey()));
        Shape s = a.getShape();
        if (s.dimension() == 4) {
          double fanOut = s.get(0) * s.get(2) * s.get(3);
          assertThat(std(v)).as("kaiming std of " + p.getKey())
              .isCloseTo(Math.sqrt(2 / fanOut), within(0.15 * Math.sqrt(2 / fanOut)));
        } else if (p.getKey().endsWith("weight")) {
          assertThat(v).as(p.getKey()).containsOnly(1f);
        } else {
          assertThat(v).as(p.getKey()).containsOnly(0f);
        }
      }
    }
  }

  @Test
  void differentialRatesMoveTheBackboneLessThanTheHead() {
    // one SGD step from identical weights on an identical batch: the gradients are the same, so
    // the step of each parameter scales exactly with its group's rate
    // the only rounding left is the new weights' own (half an ulp each, float32): so the updates
    // may differ from the exact ratio by the L2 norm of those half-ulps, in each of the two runs
    Step sameRun = oneStepUpdates(0.05, 0);
    Step differentialRun = oneStepUpdates(0.05, 0.0005);
    Map<String, float[]> same = sameRun.delta();
    Map<String, float[]> differential = differentialRun.delta();
    double backboneSame = 0;
    double backboneDiff = 0;
    double headDiff = 0;
    for (String name : same.keySet()) {
      double a = l2(same.get(name));
      double b = l2(differential.get(name));
      double rounding = 0.01 * sameRun.rounding().get(name) + differentialRun.rounding().get(name);
      if (name.contains("backbone_")) { // DJL prefixes child names: 01backbone_features.0.0.weight
        assertThat(b).as(name).isCloseTo(a * 0.01, within(rounding + 1e-6 * b));
        backboneSame += a;
        backboneDiff += b;
      } else {
        assertThat(b).as(name).isCloseTo(a, within(rounding + 1e-6 * b));
        headDiff += b;
      }
    }
    assertThat(backboneDiff).isLessThan(headDiff).isLessThan(backboneSame);
  }

  /**
   * One step's change of every parameter, and the L2 norm of half an ulp of each new weight: how
   * far float32 rounding of the new weights alone can move the change.
   */
  private record Step(Map<String, float[]> delta, Map<String, Double> rounding) {}

  /** Parameter name -> change after one step at lr (backbone at backboneLr, 0 = lr). */
  private static Step oneStepUpdates(double lr, double backboneLr) {
    FinetuneConfig cfg = RecordBinder.bind("finetune", Map.of("hidden", List.of(), "dropout", 0.0, "lr", lr,
        "backbone_lr", backboneLr, "batch_size", 8, "epochs", 1, "scheduler", "none", "step_size", 1,
        "train_blocks", 1, "threads", 1), FinetuneConfig.DEFAULTS);
    try (ZooModel<NDList, NDList> bb = BackboneLoader.loadTorchScript(TINY, Device.cpu(), true);
        Model model = Model.newInstance("t", Device.cpu(), "PyTorch")) {
      Engine.getInstance().setRandomSeed(7);
      PtSymbolBlock pt = (PtSymbolBlock) bb.getBlock();
      FinetuneNet net = FinetuneRun.newNet(pt, cfg, 32, null, 3);
      model.setBlock(net);
      Set<String> ids = new HashSet<>();
      pt.getParameters().forEach(p -> ids.add(p.getValue().getId()));
      GroupLearningRates rates = GroupLearningRates.of(cfg, 1, ids);
      DefaultTrainingConfig tc = new DefaultTrainingConfig(new AuxLoss())
          .optOptimizer(Optimizer.sgd().setLearningRateTracker(rates).optMomentum(0.9f).build());
      try (Trainer trainer = model.newTrainer(tc)) {
        trainer.initialize(new Shape(1, 3, 32, 32));
        Map<String, float[]> before = values(net);
        NDManager nd = trainer.getManager();
        nd.getEngine().setRandomSeed(9);
        NDArray x = nd.randomNormal(new Shape(8, 3, 32, 32));
        NDArray y = nd.create(new float[] {0, 1, 2, 0, 1, 2, 0, 1});
        try (GradientCollector gc = trainer.newGradientCollector()) {
          gc.backward(trainer.getLoss().evaluate(new NDList(y), trainer.forward(new NDList(x))));
        }
        trainer.step();
        Map<String, float[]> after = values(net);
        Map<String, float[]> delta = new LinkedHashMap<>();
        Map<String, Double> rounding = new LinkedHashMap<>();
        for (String k : before.keySet()) {
          float[] d = new float[before.get(k).length];
          double ulps = 0;
          for (int i = 0; i < d.length; i++) {
            d[i] = after.get(k)[i] - before.get(k)[i];
            double halfUlp = Math.ulp(after.get(k)[i]) / 2;
            ulps += halfUlp * halfUlp;
          }
          delta.put(k, d);
          rounding.put(k, Math.sqrt(ulps));
        }
        return new Step(delta, rounding);
      }
    }
  }

  @Test
  void auxiliaryOutputAddsFourTenthsOfItsLossInTraining() {
    FinetuneConfig cfg = FinetuneConfig.DEFAULTS;
    try (ZooModel<NDList, NDList> bb = BackboneLoader.loadTorchScript(TINY_AUX, Device.cpu(), true);
        Model model = Model.newInstance("aux", Device.cpu(), "PyTorch")) {
      Engine.getInstance().setRandomSeed(3);
      FinetuneNet net = FinetuneRun.newNet(bb.getBlock(), cfg, 24, 12, 3);
      model.setBlock(net);
      DefaultTrainingConfig tc = new DefaultTrainingConfig(new AuxLoss())
          .optOptimizer(Optimizer.sgd().setLearningRateTracker(
              ai.djl.training.tracker.Tracker.fixed(0.1f)).build());
      try (Trainer trainer = model.newTrainer(tc)) {
        trainer.initialize(new Shape(1, 3, 32, 32));
        NDManager nd = trainer.getManager();
        NDArray x = nd.randomNormal(new Shape(6, 3, 32, 32));
        NDList y = new NDList(nd.create(new float[] {0, 1, 2, 0, 1, 2}));
        float[] auxBefore = net.auxHead().getParameters().get(0).getValue().getArray().toFloatArray();
        try (GradientCollector gc = trainer.newGradientCollector()) {
          NDList out = trainer.forward(new NDList(x));
          assertThat(out).hasSize(2);
          assertThat(out.get(1).getShape()).isEqualTo(new Shape(6, 3));
          Loss ce = Loss.softmaxCrossEntropyLoss();
          float main = ce.evaluate(y, new NDList(out.get(0))).getFloat();
          float aux = ce.evaluate(y, new NDList(out.get(1))).getFloat();
          NDArray loss = trainer.getLoss().evaluate(y, out);
          assertThat(loss.getFloat()).isCloseTo(main + 0.4f * aux, within(1e-5f));
          gc.backward(loss);
        }
        trainer.step();
        float[] auxAfter = net.auxHead().getParameters().get(0).getValue().getArray().toFloatArray();
        assertThat(auxAfter).isNotEqualTo(auxBefore);
        assertThat(trainer.evaluate(new NDList(x))).hasSize(1);
      }
    }
  }

  private static Map<String, float[]> values(FinetuneNet net) {
    Map<String, float[]> out = new LinkedHashMap<>();
    for (Pair<String, Parameter> p : net.getParameters()) {
      out.put(p.getKey(), p.getValue().getArray().toFloatArray());
    }
    return out;
  }

  private static double l2(float[] v) {
    double s = 0;
    for (float f : v) s += (double) f * f;
    return Math.sqrt(s);
  }

  private static double std(float[] v) {
    double m = 0;
    for (float f : v) m += f;
    m /= v.length;
    double s = 0;
    for (float f : v) s += (f - m) * (f - m);
    return Math.sqrt(s / v.length);
  }
}
