package dev.headstart.finetune;

import dev.headstart.config.ClassWeights;
import dev.headstart.config.OptimizerKind;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.translate.TranslateException;
import ai.djl.util.Pair;
import dev.headstart.core.UserException;
import dev.headstart.config.FinetuneConfig;
import dev.headstart.core.ProgressMeter;
import dev.headstart.core.Reporter;
import dev.headstart.config.HeadstartVersion;
import dev.headstart.extract.ImageEntry;
import dev.headstart.head.HeadFactory;
import dev.headstart.head.HeadSpec;
import dev.headstart.io.Json;
import dev.headstart.runs.ClassificationMetrics;
import dev.headstart.runs.Method;
import dev.headstart.runs.RunNames;
import dev.headstart.runs.Prediction;
import dev.headstart.runs.RunConfig;
import dev.headstart.runs.RunLayout;
import dev.headstart.runs.RunMetrics;
import dev.headstart.runs.RunWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * One end-to-end training run (finetune, partial or scratch) from the trainable backbone export:
 * builds backbone + new head, trains it with the epoch loop, and writes the run folder (config.json
 * with provenance, history.csv, the best epoch's weights, predictions.csv, metrics.json).
 */
public final class FinetuneRun {
  /** The weights inside the run folder: DJL's model file (the full TorchScript module + heads). */
  static final String WEIGHTS_NAME = "model";
  /** The backbone's model card, copied so the run folder alone is enough to predict. */
  static final String CARD_FILE = "backbone.json";

  private final FinetuneInputs in;
  private final Method method;
  private final Reporter reporter;

  FinetuneRun(FinetuneInputs inputs, Method method, Reporter reporter) {
    this.in = inputs;
    this.method = method;
    this.reporter = reporter;
  }

  /** Trains and writes the run; returns its folder. */
  Path run() throws IOException, TranslateException {
    FinetuneConfig cfg = in.config();
    long start = System.nanoTime();
    Engine.getInstance().setRandomSeed(HeadFactory.seedInt(cfg.seed()));
    try (Model backboneModel = loadTrainable(in.trainableFile(), in.device());
        Model model = Model.newInstance("finetune", in.device(), "PyTorch")) {
      PtSymbolBlock backbone = (PtSymbolBlock) backboneModel.getBlock();
      List<String> trained = prepareBackbone(backbone, model);
      FinetuneNet net = newNet(backbone, cfg, in.card().featureDim(), in.card().auxFeatureDim(),
          in.classes().size());
      net.freezeBatchNorm(method == Method.PARTIAL);
      model.setBlock(net);

      ImageSplitDataset train = dataset(in.train(), true);
      ImageSplitDataset val = dataset(in.val(), false);
      ImageSplitDataset test = in.test() == null || in.test().entries().isEmpty() ? null : dataset(in.test(), false);
      Set<String> backboneIds = new HashSet<>();
      for (Pair<String, Parameter> p : backbone.getParameters()) backboneIds.add(p.getValue().getId());
      GroupLearningRates lr = GroupLearningRates.of(cfg, train.batchesPerEpoch(), backboneIds);
      float[] classWeights = cfg.classWeights() == ClassWeights.BALANCED
          ? AuxLoss.balanced(in.train().entries().stream().mapToInt(ImageEntry::label).toArray(), in.classes().size())
          : null;
      DefaultTrainingConfig tc = new DefaultTrainingConfig(new AuxLoss(classWeights))
          .optOptimizer(optimizer(cfg, lr))
          .optDevices(new Device[] {in.device()});

      Map<String, Object> hyper = hyperparameters(cfg, trained);
      Map<String, Object> identity = new LinkedHashMap<>(hyper);
      identity.remove("threads"); // how fast, not what: the same run whatever the thread count
      String name = cfg.name() != null && !cfg.name().isBlank() ? cfg.name() + "-" + method.id()
          : RunNames.of(List.of(method.id(), RunNames.safe(in.card().name()), "lr" + RunNames.number(cfg.optimization().lr()),
              "e" + cfg.epochs()), identity, 8);
      double setup = in.setupSeconds() + (System.nanoTime() - start) / 1e9;
      long totalBatches = (long) cfg.epochs() * (train.batchesPerEpoch() + val.batchesPerEpoch());
      ProgressMeter progress = new ProgressMeter(reporter.progress(), totalBatches, 10, true);

      try (Trainer trainer = model.newTrainer(tc);
          RunWriter writer = RunWriter.create(in.runsDir(), name)) {
        int s = in.card().inputSize();
        trainer.initialize(new Shape(1, 3, s, s));
        Path weights = writer.workDir().resolve(RunLayout.WEIGHTS_DIR);
        List<Double> epochSeconds = new ArrayList<>();
        long trainStart = System.nanoTime();
        EpochLoop.EpochResult[] last = new EpochLoop.EpochResult[1];
        EpochLoop.EpochResult best = new EpochLoop(trainer, train, val, test, in.executor(), progress, name)
            .run(cfg.epochs(), (result, rows, isBest) -> {
              writer.appendHistory(rows);
              epochSeconds.add(result.seconds());
              last[0] = result;
              if (isBest) saveWeights(model, weights, result.epoch());
            });
        double wall = (System.nanoTime() - trainStart) / 1e9 + setup;
        Json.writeFile(weights.resolve(CARD_FILE), in.card());
        writer.writePredictions(predictions(val.entries(), best.predicted(), best.confidence()));
        RunMetrics.TestMetrics testMetrics = null;
        if (test != null) {
          writer.writeTestPredictions(predictions(test.entries(), best.testPredicted(), best.testConfidence()));
          int[] testLabels = test.entries().stream().mapToInt(ImageEntry::label).toArray();
          testMetrics = RunMetrics.TestMetrics.of(
              ClassificationMetrics.of(testLabels, best.testPredicted(), in.classes()), testLabels.length);
        }
        writer.writeConfig(runConfig(name, hyper, weightsFile(weights)));
        int[] labels = val.entries().stream().mapToInt(ImageEntry::label).toArray();
        ClassificationMetrics m = ClassificationMetrics.of(labels, best.predicted(), in.classes());
        double perEpoch = epochSeconds.stream().mapToDouble(Double::doubleValue).average().orElse(0);
        return writer.commit(new RunMetrics(name, method.id(), best.epoch(), best.valAccuracy(),
            best.valLoss(), last[0].trainAccuracy(), cfg.epochs(), wall, perEpoch, setup,
            train.entries().size(), val.entries().size(), in.classes(), m.perClassAccuracy(),
            m.confusion()).with("accuracy", testMetrics));
      }
    }
  }

  /**
   * The trainable TorchScript export with gradients on every parameter (DJL's trainParam option).
   * Loaded by Model.load rather than a Criteria: a Criteria over a single file makes DJL log a
   * warning on every run.
   */
  static Model loadTrainable(Path file, Device device) {
    Model model = Model.newInstance(file.getFileName().toString(), device, "PyTorch");
    try {
      model.load(file.toAbsolutePath().getParent(), file.getFileName().toString(),
          Map.of("trainParam", "true", "mapLocation", "true"));
      dev.headstart.engine.QuietLibtorch.apply();
      return model;
    } catch (IOException | MalformedModelException | RuntimeException e) {
      model.close();
      throw new UserException("trainable backbone " + file + " cannot be loaded by DJL's PyTorch "
          + "engine (" + e.getMessage() + "); re-export it with tools/export_backbone.py", e);
    }
  }

  /** Applies the mode to the pretrained backbone; returns the names of the trained parameters. */
  private List<String> prepareBackbone(PtSymbolBlock backbone, Model model) {
    List<String> names = new ArrayList<>();
    for (Pair<String, Parameter> p : backbone.getParameters()) names.add(p.getKey());
    switch (method) {
      case PARTIAL -> {
        ParameterBlocks blocks = ParameterBlocks.of(names);
        List<String> trained = blocks.lastBlocksParameters(in.config().trainBlocks());
        Set<String> keep = new HashSet<>(trained);
        for (Pair<String, Parameter> p : backbone.getParameters()) {
          if (!keep.contains(p.getKey())) p.getValue().freeze(true);
        }
        reporter.info("partial: training the last " + Math.min(in.config().trainBlocks(), blocks.size())
            + " of " + blocks.size() + " backbone blocks " + lastNames(blocks) + " and the head");
        return trained;
      }
      case SCRATCH -> {
        ScratchInit.reinitialize(backbone.getParameters(), model.getNDManager());
        return names;
      }
      default -> {
        return names;
      }
    }
  }

  private String lastNames(ParameterBlocks blocks) {
    List<String> all = blocks.names();
    return all.subList(Math.max(0, all.size() - in.config().trainBlocks()), all.size()).toString();
  }

  static FinetuneNet newNet(Block backbone, FinetuneConfig cfg, int featureDim, Integer auxDim,
      int numClasses) {
    return newNet(backbone, new HeadSpec(cfg.classifier().head().id(), featureDim, numClasses, cfg.classifier().hidden(), cfg.classifier().dropout(), false),
        auxDim);
  }

  /** Backbone + the head the spec describes (+ an aux head when the card has an aux output). */
  static FinetuneNet newNet(Block backbone, HeadSpec spec, Integer auxDim) {
    Block head = HeadFactory.build(spec);
    Block aux = auxDim == null ? null : Linear.builder().setUnits(spec.numClasses()).build();
    return new FinetuneNet(backbone, head, aux, spec.inputDim(), auxDim == null ? 0 : auxDim, spec.numClasses());
  }

  private ImageSplitDataset dataset(DecodedImages images, boolean train) {
    int threads = FinetuneStage.decodeThreads(in.config().threads());
    return ImageSplitDataset.builder().images(images).preprocessor(in.preprocessor())
        .augment(train, in.config().seed())
        .batches(in.config().batchSize(), train)
        .optPrefetchNumber(2 * threads)
        .build();
  }

  private static Optimizer optimizer(FinetuneConfig cfg, GroupLearningRates lr) {
    if (cfg.optimization().optimizer() == OptimizerKind.ADAMW) {
      return Optimizer.adamW().optLearningRateTracker(lr).optWeightDecays((float) cfg.optimization().weightDecay())
          .build();
    }
    return Optimizer.sgd().setLearningRateTracker(lr).optMomentum((float) cfg.optimization().momentum())
        .optWeightDecays((float) cfg.optimization().weightDecay()).build();
  }

  /** Keeps only the best epoch's file: DJL names it model-NNNN.params after the epoch. */
  private static void saveWeights(Model model, Path dir, int epoch) throws IOException {
    try (Stream<Path> old = Files.list(dir)) {
      for (Path p : old.filter(f -> f.getFileName().toString().endsWith(".params")).toList()) {
        Files.delete(p);
      }
    }
    model.setProperty("Epoch", String.valueOf(epoch));
    model.save(dir, WEIGHTS_NAME);
  }

  private static String weightsFile(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return RunLayout.WEIGHTS_DIR + "/" + files
          .map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".params")).findFirst()
          .orElseThrow(() -> new IOException("no weights were saved in " + dir));
    }
  }

  private List<Prediction> predictions(List<ImageEntry> entries, int[] predicted, float[] confidence) {
    List<Prediction> out = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      ImageEntry e = entries.get(i);
      int p = predicted[i];
      out.add(new Prediction(e.path(), e.label(), e.labelName(), p, in.classes().get(p), confidence[i]));
    }
    return out;
  }

  private Map<String, Object> hyperparameters(FinetuneConfig cfg, List<String> trained) {
    Map<String, Object> h = new LinkedHashMap<>(dev.headstart.config.RecordBinder.toMap(cfg));
    h.remove("modes");
    h.remove("runs");
    h.put("mode", method.id());
    h.put("backbone_lr", cfg.backboneLr() > 0 ? cfg.backboneLr() : cfg.optimization().lr());
    h.put("batch_norm", method == Method.PARTIAL ? "eval (running statistics, frozen)" : "train");
    if (method == Method.PARTIAL) h.put("trained_parameters", trained);
    if (method == Method.SCRATCH) {
      h.put("init", "kaiming_normal(fan_out, relu) conv, normal(0, 0.01) linear, batch-norm 1/0, bias 0");
    }
    if (in.card().auxFeatureDim() != null) h.put("aux_loss_weight", AuxLoss.AUX_WEIGHT);
    return h;
  }

  private RunConfig runConfig(String name, Map<String, Object> hyper, String weights) {
    Map<String, Object> backbone = new LinkedHashMap<>();
    backbone.put("uri", in.backbone().uri());
    backbone.put("name", in.card().name());
    backbone.put("trainable_file", in.trainableFile().toString());
    backbone.put("sha256", in.trainableSha256());
    backbone.put("probe", in.probe() == null ? null : in.probe().describe());
    backbone.put("platform", dev.headstart.engine.Platform.describe(in.device().toString(), "fp32"));
    backbone.put("card", in.card().withoutProbeOutputs());
    return new RunConfig(name, method.id(), backbone, "", in.dataFingerprint(),
        in.preprocessor().describe(), in.classes(), hyper, weights, Instant.now().toString(),
        HeadstartVersion.VERSION);
  }
}
