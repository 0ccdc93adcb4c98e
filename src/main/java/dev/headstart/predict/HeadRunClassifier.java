package dev.headstart.predict;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import dev.headstart.core.UserException;
import dev.headstart.config.BackboneConfig;
import dev.headstart.extract.Backbone;
import dev.headstart.extract.BackboneLoader;
import dev.headstart.extract.BackboneSource;
import dev.headstart.extract.ImageBatch;
import dev.headstart.extract.ModelCard;
import dev.headstart.extract.Preprocessor;
import dev.headstart.head.HeadIO;
import dev.headstart.io.Hashing;
import dev.headstart.runs.RunConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A head run for prediction: the backbone file the features were extracted with (as the run's
 * config.json records it, checked by SHA-256) followed by the trained head.
 */
final class HeadRunClassifier implements RunClassifier {
  private final RunConfig config;
  private final Backbone backbone;
  private final NDManager manager;
  private final SequentialBlock head;
  // the backbone outputs the head reads, concatenated in this order (the run's train.tap)
  private final int[] outputs;

  private HeadRunClassifier(RunConfig config, Backbone backbone, NDManager manager, SequentialBlock head) {
    this.outputs = outputIndices(config, backbone.card(), backbone.source().uri());
    this.config = config;
    this.backbone = backbone;
    this.manager = manager;
    this.head = head;
  }

  /**
   * @param backboneOverride a backbone file to use instead of the recorded one (null = recorded)
   */
  static HeadRunClassifier open(Path runDir, RunConfig config, String backboneOverride, String device)
      throws IOException {
    Map<String, Object> recorded = config.backbone() == null ? Map.of() : config.backbone();
    String uri = backboneOverride != null ? backboneOverride : recordedBackbone(runDir, recorded);
    BackboneSource source = BackboneLoader.locate(new BackboneConfig(uri, "", device), Path.of(""));
    String expected = recorded.get("sha256") instanceof String s ? s : null;
    if (source.inferenceFile() != null && expected != null && !expected.isBlank()) {
      String actual = Hashing.sha256(source.inferenceFile());
      if (!actual.equals(expected)) {
        throw new UserException("backbone " + source.inferenceFile() + " is not the file run " + runDir
            + " was trained on (SHA-256 differs); pass the original with --backbone, or retrain the head");
      }
    }
    Backbone backbone = BackboneLoader.load(source, BackboneLoader.singleDevice("--device", device), "fp32");
    // the head on the CPU, where it was trained (the backbone may run on a GPU)
    NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu());
    try {
      SequentialBlock head = HeadIO.load(HeadIO.specOf(config), runDir.resolve(config.weights()), manager);
      return new HeadRunClassifier(config, backbone, manager, head);
    } catch (IOException | RuntimeException e) {
      manager.close();
      backbone.close();
      throw e;
    }
  }

  /** The recorded file if it still exists (an absolute path), else the URI as recorded. */
  private static String recordedBackbone(Path runDir, Map<String, Object> recorded) {
    Object file = recorded.get("file");
    if (file instanceof String f && !f.isBlank() && Files.isRegularFile(Path.of(f))) return f;
    Object uri = recorded.get("uri");
    if (uri instanceof String u && !u.isBlank()) return u;
    throw new UserException("run " + runDir + " does not record its backbone (config.json has no "
        + "backbone.file or backbone.uri); pass the backbone file with --backbone");
  }

  /** Which outputs of the backbone the run's train.tap names ("" = the default, the first). */
  static int[] outputIndices(RunConfig config, ModelCard card, String uri) {
    Object tap = config.hyperparameters() == null ? null : config.hyperparameters().get("tap");
    String spec = tap == null ? "" : tap.toString().trim();
    if (spec.isEmpty()) return new int[] {0};
    List<String> names = card.outputs().stream().map(ModelCard.Tap::name).toList();
    String[] parts = spec.split("\\+");
    int[] out = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      out[i] = names.indexOf(parts[i].trim());
      if (out[i] < 0) {
        throw new UserException("the head was trained on tap '" + parts[i].trim() + "' (train.tap " + spec
            + "), which backbone " + uri + " does not return (its outputs: " + String.join(", ", names)
            + "); pass the backbone the run was trained with (--backbone)");
      }
    }
    return out;
  }

  private static float[][] concat(float[][][] all, int[] outputs) {
    if (outputs.length == 1) return all[outputs[0]];
    int n = all[0].length;
    float[][] rows = new float[n][];
    for (int i = 0; i < n; i++) {
      int dim = 0;
      for (int o : outputs) dim += all[o][i].length;
      rows[i] = new float[dim];
      int off = 0;
      for (int o : outputs) {
        System.arraycopy(all[o][i], 0, rows[i], off, all[o][i].length);
        off += all[o][i].length;
      }
    }
    return rows;
  }

  @Override
  public List<String> classes() {
    return config.classes();
  }

  @Override
  public Preprocessor preprocessor() {
    return new Preprocessor(backbone.card());
  }

  @Override
  public boolean reducedDecode() {
    return config.preprocessing() != null && config.preprocessing().containsKey("jpeg_decode");
  }

  @Override
  public float[][] probabilities(float[] batch, int n) {
    float[][] features = concat(backbone.forwardTaps(new ImageBatch(batch, n, backbone.card().inputSize())), outputs);
    int dim = features[0].length;
    float[] flat = new float[n * dim];
    for (int i = 0; i < n; i++) System.arraycopy(features[i], 0, flat, i * dim, dim);
    try (NDManager scope = manager.newSubManager()) {
      NDArray x = scope.create(flat, new Shape(n, dim));
      NDArray p = head.forward(new ParameterStore(scope, false), new NDList(x), false).head().softmax(1);
      float[] probs = p.toFloatArray();
      int k = classes().size();
      float[][] out = new float[n][k];
      for (int i = 0; i < n; i++) System.arraycopy(probs, i * k, out[i], 0, k);
      return out;
    }
  }

  @Override
  public void close() {
    manager.close();
    backbone.close();
  }
}
