package dev.headstart.extract;

import ai.djl.Device;
import ai.djl.inference.Predictor;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A loaded, frozen backbone: preprocessed image batches in, pooled features out. Not
 * thread-safe: one thread runs the forward passes (extract's design: many decoders, one
 * predictor).
 */
public final class Backbone implements AutoCloseable {
  private final BackboneSource source;
  private final ZooModel<ImageBatch, float[][][]> model;
  private final Predictor<ImageBatch, float[][][]> predictor;
  private final Device device;
  private final String sha256;
  private final String precision;
  private int featureDim;
  private ProbeResult probe;
  private String fileRole = "inference";
  private String fallback;

  Backbone(BackboneSource source, ZooModel<ImageBatch, float[][][]> model, Device device, String sha256,
      String precision) {
    this.source = source;
    this.model = model;
    this.predictor = model.newPredictor();
    this.device = device;
    this.sha256 = sha256;
    this.precision = precision;
  }

  /** The default features of a batch: one row of featureDim floats per image. */
  public float[][] forward(ImageBatch batch) {
    return forwardTaps(batch)[0];
  }

  /**
   * Every output of one forward pass, in the card's tap order ({@link ModelCard#outputs}): the
   * default features first, then the other taps; one output for a backbone without taps.
   */
  public float[][][] forwardTaps(ImageBatch batch) {
    try {
      float[][][] out = predictor.predict(batch);
      if (out.length > 0 && out[0].length > 0) featureDim = out[0][0].length;
      return out;
    } catch (TranslateException e) {
      throw new IllegalStateException("forward pass of backbone " + source.uri() + " failed: "
          + e.getMessage(), e);
    }
  }

  public BackboneSource source() {
    return source;
  }

  public ModelCard card() {
    return source.card();
  }

  public Device device() {
    return device;
  }

  public String sha256() {
    return sha256;
  }

  public int featureDim() {
    return featureDim;
  }

  void setFeatureDim(int d) {
    featureDim = d;
  }

  /** The known-answer check this backbone passed (null: its card has none). */
  public ProbeResult probe() {
    return probe;
  }

  void checked(ProbeResult result, String role, String fallbackNote) {
    this.probe = result;
    this.fileRole = role;
    this.fallback = fallbackNote;
  }

  /** The file that runs: the inference (or bf16) export, or the unfrozen one after a fallback. */
  public java.nio.file.Path file() {
    if (source.isModelZoo()) return null;
    return fileRole.equals("trainable") ? source.trainableFile() : source.inferenceFile(precision);
  }

  /** What the manifest records about the backbone. */
  public Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("uri", source.uri());
    m.put("file", source.isModelZoo() ? null : file().toString());
    m.put("file_role", fileRole);
    m.put("sha256", sha256);
    m.put("name", source.card().name());
    m.put("architecture", source.card().architecture());
    m.put("weights", source.card().weights());
    m.put("feature_dim", featureDim);
    m.put("output", source.card().output());
    if (source.card().taps() != null) m.put("taps", source.card().taps());
    m.put("device", device.toString());
    m.put("precision", precision);
    m.put("probe", probe == null ? null : probe.describe());
    if (fallback != null) m.put("fallback", fallback);
    m.put("platform", dev.headstart.engine.Platform.describe(device.toString(), precision));
    m.put("card", source.card().withoutProbeOutputs());
    return m;
  }

  @Override
  public void close() {
    predictor.close();
    model.close();
  }
}
