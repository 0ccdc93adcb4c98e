package dev.headstart.extract;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import dev.headstart.core.UserException;
import dev.headstart.config.BackboneConfig;
import dev.headstart.core.Reporter;
import dev.headstart.config.DeviceSetting;
import dev.headstart.engine.CpuInfo;
import dev.headstart.engine.DevicePlan;
import dev.headstart.engine.Gpus;
import dev.headstart.engine.EngineGuard;
import dev.headstart.engine.Isa;
import dev.headstart.engine.QuietLibtorch;
import dev.headstart.engine.SaferEngineNeeded;
import dev.headstart.io.Hashing;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Loads backbones with DJL's PyTorch engine: a local TorchScript file with its model card
 * (name.pt + name.json, as tools/export_backbone.py writes them), or a djl:// model-zoo URL
 * (torchvision preprocessing assumed). The feature width is found by one probe forward pass and
 * checked against the card.
 */
public final class BackboneLoader {
  static final String ENGINE = "PyTorch";
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(BackboneLoader.class);
  private static volatile boolean warnedUnusedGpus;
  private static final String EXPORT_HINT =
      "/usr/bin/python3 tools/export_backbone.py --model resnet18 --out backbones/resnet18.pt";

  private BackboneLoader() {}

  /** Finds the TorchScript file and model card that backbone.* names (nothing is loaded). */
  public static BackboneSource locate(BackboneConfig config, Path baseDir) {
    String uri = config.uri();
    if (config.isModelZoo()) {
      return new BackboneSource(uri, null, null, defaultCard(uri));
    }
    Path given = baseDir.resolve(uri).normalize();
    Path cardFile;
    Path pt;
    if (given.getFileName().toString().endsWith(".json")) {
      cardFile = given;
      ModelCard card = readCard(cardFile, uri);
      if (card.inferenceFile() == null || card.inferenceFile().isBlank()) {
        throw new UserException("model card " + cardFile + " names no inference_file; set backbone.uri "
            + "to the TorchScript .pt file instead");
      }
      pt = cardFile.getParent().resolve(card.inferenceFile());
      checkExists(pt, "backbone.uri " + uri + ": TorchScript file " + pt + " (inference_file of the card)");
      return new BackboneSource(uri, pt, cardFile, card);
    }
    pt = given;
    checkExists(pt, "backbone.uri: TorchScript file " + pt);
    if (config.card() != null && !config.card().isBlank()) {
      cardFile = baseDir.resolve(config.card()).normalize();
    } else {
      String name = pt.getFileName().toString();
      String stem = name.contains(".") ? name.substring(0, name.lastIndexOf('.')) : name;
      cardFile = pt.resolveSibling(stem + ".json");
    }
    if (!Files.isRegularFile(cardFile)) {
      throw new UserException("model card " + cardFile + " for backbone " + pt + " does not exist; "
          + "tools/export_backbone.py writes it beside the .pt file, or name one with backbone.card");
    }
    return new BackboneSource(uri, pt, cardFile, readCard(cardFile, uri));
  }

  private static void checkExists(Path file, String what) {
    if (!Files.isRegularFile(file)) {
      throw new UserException(what + " does not exist; export one with " + EXPORT_HINT
          + " and set backbone.uri to it (or use a djl:// model-zoo URL on a connected machine)");
    }
  }

  private static ModelCard readCard(Path cardFile, String uri) {
    try {
      ModelCard card = ModelCard.read(cardFile);
      if (card.inputSize() <= 0 || card.resize() <= 0 || card.mean() == null || card.std() == null
          || card.mean().size() != 3 || card.std().size() != 3) {
        throw new UserException("model card " + cardFile + " must give input_size, resize, and 3-value "
            + "mean and std; re-export it with tools/export_backbone.py");
      }
      return card;
    } catch (IOException e) {
      throw new UserException("model card " + cardFile + " of backbone " + uri + " cannot be read: "
          + e.getMessage(), e);
    }
  }

  /** torchvision's ImageNet preprocessing: what DJL's PyTorch model-zoo image models expect. */
  static ModelCard defaultCard(String uri) {
    String name = uri.substring(uri.lastIndexOf('/') + 1);
    return new ModelCard(name, name, 224, 256, "bilinear", ModelCard.IMAGENET_MEAN,
        ModelCard.IMAGENET_STD, 0, "pooled", null, null, null, "djl model zoo", null, "djl", null, null);
  }

  /**
   * backbone.device as a DJL device: the CPU, one GPU, or several (a {@link Device.MultiDevice}:
   * extract runs one predictor on each). A GPU asked for but unusable stops here, before any work.
   */
  public static Device device(String setting) {
    return toDevice(plan("backbone.device", setting));
  }

  /** The first device of backbone.device's plan: for work on one device (finetune, predict). */
  public static Device singleDevice(String key, String setting) {
    DevicePlan plan = plan(key, setting);
    if (plan.gpus().size() > 1) LOG.info("{}={}: runs on the first GPU of {}", key, setting, plan.describe());
    return toDevice(plan.first());
  }

  private static DevicePlan plan(String key, String setting) {
    DevicePlan plan = DevicePlan.current(key, DeviceSetting.parse(key, setting));
    if (plan.note() == null) return plan;
    // GPUs that auto cannot use: said once, since the user most likely meant to use them
    if (!plan.onGpu() && !Gpus.list().isEmpty() && !warnedUnusedGpus) {
      warnedUnusedGpus = true;
      LOG.warn("{}={}: {} (set it to cpu to run on the CPU without this warning)", key, setting, plan.note());
    } else {
      LOG.info("{}={}: {}", key, setting, plan.note());
    }
    return plan;
  }

  /** A plan as a DJL device. */
  static Device toDevice(DevicePlan plan) {
    List<Integer> gpus = plan.gpus();
    if (gpus.isEmpty()) return Device.cpu();
    if (gpus.size() == 1) return Device.gpu(gpus.get(0));
    // MultiDevice sorts the list it is given in place
    return new Device.MultiDevice(new java.util.ArrayList<>(gpus.stream().map(Device::gpu).toList()));
  }

  /** Loads the backbone that backbone.* names, ready for extract (fp32). */
  public static Backbone load(BackboneConfig config, Path baseDir) {
    return load(locate(config, baseDir), device(config.device()), "fp32");
  }

  /** Loads a located backbone on a device; precision fp32 or bf16. */
  public static Backbone load(BackboneSource source, Device device, String precision) {
    return load(source, device, precision, null);
  }

  /**
   * Like {@link #load(BackboneSource, Device, String)}, with the sha256 of the local model file
   * when the caller has already hashed it (null: hash it here).
   */
  static Backbone load(BackboneSource source, Device device, String precision, String knownSha256) {
    return load(source, device, precision, knownSha256, Reporter.stderr());
  }

  /** As above, saying through the reporter which file a failed known-answer check fell back to. */
  public static Backbone load(BackboneSource source, Device device, String precision, String knownSha256,
      Reporter reporter) {
    List<Device> devices = device.getDevices();
    Backbone first = loadOn(source, devices.get(0), precision, knownSha256, reporter);
    try {
      for (Device more : devices.subList(1, devices.size())) addReplica(first, more);
      for (Device d : devices) {
        if (d.isGpu()) first.addLanes(d, GPU_LANES - 1);
      }
    } catch (RuntimeException e) {
      first.close();
      throw e;
    }
    return first;
  }

  /**
   * Forward passes in flight per GPU: while one batch computes, the next is copied in and the
   * last one's features copied out (DJL's predictors run synchronously, one per thread).
   */
  static final int GPU_LANES = 2;

  /** The file the first device runs, on another GPU, checked against its known answer there too. */
  private static void addReplica(Backbone first, Device device) {
    ZooModel<ImageBatch, float[][][]> model = openModel(first.source(), first.file(), device);
    int lane = first.addReplica(model, device);
    ProbeResult r = KnownAnswer.check(first, lane, first.fileRoleName(), first.precision());
    if (r != null && !r.passed()) {
      throw new UserException(disagreement("backbone " + first.source().uri() + " on " + device, r)
          + ", although it agrees on " + first.device() + "; leave " + device + " out of backbone.device");
    }
  }

  private static Backbone loadOn(BackboneSource source, Device device, String precision, String knownSha256,
      Reporter reporter) {
    Path file = source.isModelZoo() ? null : source.inferenceFile(precision);
    String role = precision.equals("bf16") ? "bf16" : "inference";
    Backbone backbone = open(source, file, device, precision, knownSha256);
    ProbeResult result = checkOrWarn(backbone, role, precision, reporter);
    if (result == null || result.passed()) {
      backbone.checked(result, role, null);
      return backbone;
    }
    backbone.close();
    return fallBack(source, device, precision, result, reporter);
  }

  /**
   * The frozen file disagrees with its known answer: a safer oneDNN cap in a re-run of the
   * command where the command line allows it, else the unfrozen file in this process, else a
   * clear error. Never the wrong features.
   */
  private static Backbone fallBack(BackboneSource source, Device device, String precision, ProbeResult failed,
      Reporter reporter) {
    String what = disagreement("backbone " + source.uri() + " (" + failed.file() + " file)", failed);
    Isa safer = relaunchUnderSaferCap(what);
    if (!precision.equals("bf16") && source.cardFile() != null && source.card().trainableFile() != null) {
      Path trainable = source.trainableFile();
      Backbone unfrozen = open(source, trainable, device, precision, null);
      ProbeResult second = KnownAnswer.check(unfrozen, "trainable", precision);
      if (second != null && second.passed()) {
        String note = what + "; using the unfrozen file " + trainable.getFileName() + ", which agrees ("
            + second.diffText() + ")";
        reporter.warn(note);
        unfrozen.checked(second, "trainable", note);
        return unfrozen;
      }
      unfrozen.close();
      if (second != null) what += "; the unfrozen file " + trainable.getFileName() + " too: " + second.diffText();
    }
    throw new UserException(what + ". headstart will not compute features with it. Try: `headstart doctor` "
        + "(which oneDNN caps pass on this CPU)" + saferCapHint(safer) + "; re-exporting the backbone with tools/export_backbone.py --no-channels-last"
        + (precision.equals("bf16") ? "; extract.precision fp32" : ""));
  }

  /**
   * The known-answer check of the card's trainable file (what finetune trains), in eval mode:
   * null when the card has no probe; a re-run under a safer cap or an error when it fails.
   */
  public static ProbeResult checkTrainable(BackboneSource source, Device device) {
    if (source.card().probe() == null) return null;
    Path file = source.trainableFile();
    Backbone b = open(source, file, device, "fp32", "-");
    try {
      ProbeResult r = KnownAnswer.check(b, "trainable", "fp32");
      if (r.passed()) return r;
      String what = disagreement("trainable backbone " + file, r);
      Isa safer = relaunchUnderSaferCap(what);
      throw new UserException(what + ". headstart will not train it on this engine. Try `headstart doctor`"
          + saferCapHint(safer));
    } finally {
      b.close();
    }
  }

  private static String disagreement(String what, ProbeResult r) {
    return what + " disagrees with its known answer under oneDNN " + r.isa() + ": " + r.diffText()
        + ", tolerance " + r.tolerance();
  }

  /**
   * Under the command line, the same command again under the next safer cap (nothing is written
   * yet); otherwise that cap, or null at the safest, for the caller to go on or name.
   */
  private static Isa relaunchUnderSaferCap(String why) {
    Isa safer = EngineGuard.applied().isa().safer(CpuInfo.current().flags());
    if (safer != null && EngineGuard.relaunchAllowed()) throw new SaferEngineNeeded(safer, why);
    return safer;
  }

  private static String saferCapHint(Isa safer) {
    return safer == null ? "" : "; " + EngineGuard.ISA_VARIABLE + "=" + safer.envValue + " in the environment";
  }

  /** One file's known-answer result (no fallback): for the doctor. */
  static ProbeResult probeFile(BackboneSource source, Path file, String role, String precision, Device device) {
    try (Backbone b = open(source, file, device, precision, "-")) {
      return KnownAnswer.check(b, role, precision);
    }
  }

  /** Runs the card's probe; a card without one is checked against its unfrozen twin, or warned about. */
  private static ProbeResult checkOrWarn(Backbone backbone, String role, String precision, Reporter reporter) {
    ProbeResult r = KnownAnswer.check(backbone, role, precision);
    if (r != null) return r;
    ProbeResult twin = TwinCheck.check(backbone, role, precision);
    if (twin != null) return twin;
    TwinCheck.warnUnchecked(backbone.source().uri(), reporter);
    return null;
  }

  /** A TorchScript file as a features model (the unfrozen twin of a card without a probe). */
  static ZooModel<ImageBatch, float[][][]> loadFeatureModel(Path file, Device device) {
    Criteria.Builder<ImageBatch, float[][][]> builder = featureCriteria(device);
    modelLocation(builder, file);
    try {
      return builder.build().loadModel();
    } catch (ModelNotFoundException | IOException | MalformedModelException | RuntimeException e) {
      throw new UserException("TorchScript file " + file + " cannot be loaded by DJL's PyTorch engine ("
          + e.getMessage() + "); export it with " + EXPORT_HINT, e);
    }
  }

  /** Image batches in, pooled features out, on a device. */
  private static Criteria.Builder<ImageBatch, float[][][]> featureCriteria(Device device) {
    return Criteria.builder()
        .setTypes(ImageBatch.class, float[][][].class)
        .optEngine(ENGINE)
        .optDevice(device)
        .optTranslator(new FeatureTranslator())
        .optOption("mapLocation", "true");
  }

  private static Backbone open(BackboneSource source, Path file, Device device, String precision,
      String knownSha256) {
    ZooModel<ImageBatch, float[][][]> model = openModel(source, file, device);
    String sha = knownSha256 != null ? knownSha256 : sha256(source, file, model.getModelPath());
    Backbone backbone = new Backbone(source, model, device, sha, precision);
    probe(backbone);
    return backbone;
  }

  private static ZooModel<ImageBatch, float[][][]> openModel(BackboneSource source, Path file, Device device) {
    Criteria.Builder<ImageBatch, float[][][]> builder = featureCriteria(device);
    if (source.isModelZoo()) {
      builder.optModelUrls(source.uri());
    } else {
      modelLocation(builder, file);
    }
    ZooModel<ImageBatch, float[][][]> model;
    try {
      model = builder.build().loadModel();
    } catch (ModelNotFoundException | IOException | MalformedModelException | RuntimeException e) {
      throw loadError(source, e);
    }
    QuietLibtorch.apply();
    return model;
  }

  /**
   * A model file is given to DJL as the file itself, never as its folder: DJL walks a folder's
   * whole tree looking for a repository's metadata.json, which reads every file of a dataset or
   * feature store kept beside the model (and fails when a store beside it changes meanwhile).
   * DJL then warns that the file is not an archive on every load; that warning stays quiet.
   */
  private static void modelLocation(Criteria.Builder<?, ?> builder, Path file) {
    builder.optModelPath(file.toAbsolutePath());
  }

  static {
    String key = "org.slf4j.simpleLogger.log.ai.djl.repository.SimpleRepository";
    if (System.getProperty(key) == null) System.setProperty(key, "error");
  }

  private static UserException loadError(BackboneSource source, Exception e) {
    String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    if (source.isModelZoo()) {
      return new UserException("backbone.uri " + source.uri() + " could not be loaded from the DJL "
          + "model zoo (" + msg + "). This machine may be offline: export a local TorchScript file with "
          + EXPORT_HINT + " and set backbone.uri to it", e);
    }
    return new UserException("backbone " + source.inferenceFile() + " is not a TorchScript module "
        + "DJL's PyTorch engine can load (" + msg + "); export it with " + EXPORT_HINT, e);
  }

  /** One forward pass on a black image: finds the feature width and checks it against the card. */
  private static void probe(Backbone backbone) {
    int s = backbone.card().inputSize();
    float[][][] outputs;
    try {
      outputs = backbone.forwardTaps(new ImageBatch(new float[3 * s * s], 1, s));
    } catch (RuntimeException e) {
      backbone.close();
      throw new UserException("backbone " + backbone.source().uri() + " failed on a [1,3," + s + ","
          + s + "] input, the size its model card gives: " + e.getMessage(), e);
    }
    checkTaps(backbone, outputs);
    int dim = outputs[0][0].length;
    int cardDim = backbone.card().featureDim();
    if (cardDim > 0 && cardDim != dim) {
      backbone.close();
      throw new UserException("model card of " + backbone.source().uri() + " says feature_dim "
          + cardDim + ", but the backbone outputs " + dim + " features; re-export the backbone");
    }
    backbone.setFeatureDim(dim);
  }

  /** The outputs must be the card's taps, in number and width (one output without taps). */
  private static void checkTaps(Backbone backbone, float[][][] outputs) {
    java.util.List<ModelCard.Tap> taps = backbone.card().outputs();
    boolean tapped = backbone.card().taps() != null && !backbone.card().taps().isEmpty();
    if (outputs.length != taps.size()) {
      backbone.close();
      throw new UserException("backbone " + backbone.source().uri() + " returns " + outputs.length
          + " outputs, but its model card lists " + (tapped ? taps.size() + " taps " + taps : "none (one output)")
          + "; re-export the backbone and its card together with tools/export_backbone.py");
    }
    if (!tapped) return;
    for (int t = 0; t < taps.size(); t++) {
      if (outputs[t][0].length != taps.get(t).dim()) {
        backbone.close();
        throw new UserException("backbone " + backbone.source().uri() + ": tap " + taps.get(t).name() + " (output "
            + t + ") has " + outputs[t][0].length + " features, its model card says " + taps.get(t).dim()
            + "; re-export the backbone");
      }
    }
  }

  private static String sha256(BackboneSource source, Path file, Path modelPath) {
    try {
      if (!source.isModelZoo()) return Hashing.sha256(file);
      // a zoo model was downloaded into a folder: hash its TorchScript file
      Path dir = Files.isDirectory(modelPath) ? modelPath : modelPath.getParent();
      try (Stream<Path> files = Files.list(dir)) {
        List<Path> pts = files.filter(p -> p.toString().endsWith(".pt")).sorted().toList();
        return pts.isEmpty() ? "unknown" : Hashing.sha256(pts.get(0));
      }
    } catch (IOException e) {
      throw new UserException("cannot read backbone file to hash it: " + e.getMessage(), e);
    }
  }

  /**
   * Loads a TorchScript file as a plain NDList-in, NDList-out model: what finetune uses for the
   * card's trainable_file (trainable = true loads its parameters with gradients).
   */
  public static ZooModel<NDList, NDList> loadTorchScript(Path file, Device device, boolean trainable) {
    Criteria.Builder<NDList, NDList> builder = Criteria.builder()
        .setTypes(NDList.class, NDList.class)
        .optEngine(ENGINE)
        .optDevice(device)
        .optTranslator(new NoopTranslator())
        .optOption("mapLocation", "true");
    modelLocation(builder, file);
    if (trainable) builder.optOption("trainParam", "true");
    try {
      ZooModel<NDList, NDList> model = builder.build().loadModel();
      QuietLibtorch.apply();
      return model;
    } catch (ModelNotFoundException | IOException | MalformedModelException | RuntimeException e) {
      throw new UserException("TorchScript file " + file + " cannot be loaded by DJL's PyTorch engine ("
          + e.getMessage() + "); export it with " + EXPORT_HINT, e);
    }
  }
}
