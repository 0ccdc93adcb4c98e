package dev.headstart.extract;

import ai.djl.Device;
import ai.djl.inference.Predictor;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A loaded, frozen backbone: preprocessed image batches in, pooled features out. It runs in one
 * or more lanes, each a predictor of its own thread: one on the CPU; on GPUs, a model per GPU and
 * a few lanes each, so one batch computes while the next is copied in and the last copied out.
 * {@link #forward(ImageBatch)} is lane 0. A lane is not thread-safe: one thread per lane.
 */
public final class Backbone implements AutoCloseable {
  private record Lane(Predictor<ImageBatch, float[][][]> predictor, Device device, int model) {}

  private final BackboneSource source;
  private final List<ZooModel<ImageBatch, float[][][]>> models = new ArrayList<>();
  private final List<Lane> lanes = new ArrayList<>();
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
    this.device = device;
    this.sha256 = sha256;
    this.precision = precision;
    addReplica(model, device);
  }

  /**
   * A predictor of its own over this loaded model, for another thread (a DJL predictor serves
   * one thread at a time): a Spark executor's task threads share one model, each with a session.
   */
  public Session openSession() {
    return new Session(models.get(0).newPredictor());
  }

  /** Forward passes on a predictor of their own; close it when the thread is done. */
  public final class Session implements AutoCloseable {
    private final Predictor<ImageBatch, float[][][]> own;

    private Session(Predictor<ImageBatch, float[][][]> own) {
      this.own = own;
    }

    /** The default features of a batch. */
    public float[][] forward(ImageBatch batch) {
      return forwardTaps(batch)[0];
    }

    /** Every output of a batch, as {@link Backbone#forwardTaps(int, ImageBatch)}. */
    public float[][][] forwardTaps(ImageBatch batch) {
      try {
        return own.predict(batch);
      } catch (TranslateException e) {
        throw new IllegalStateException("forward pass of backbone " + source.uri() + " failed: " + e.getMessage(), e);
      }
    }

    @Override
    public void close() {
      own.close();
    }
  }

  /** Adds a model loaded on another device, with one lane; returns that lane's number. */
  int addReplica(ZooModel<ImageBatch, float[][][]> model, Device on) {
    models.add(model);
    lanes.add(new Lane(model.newPredictor(), on, models.size() - 1));
    return lanes.size() - 1;
  }

  /** Adds n more lanes on the model of a device. */
  void addLanes(Device on, int n) {
    Lane first = lanes.stream().filter(l -> l.device().equals(on)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no model on " + on));
    for (int k = 0; k < n; k++) {
      lanes.add(new Lane(models.get(first.model()).newPredictor(), on, first.model()));
    }
  }

  /** Features of a batch on lane 0: one row of featureDim floats per image. */
  public float[][] forward(ImageBatch batch) {
    return forward(0, batch);
  }

  /** The default features of a batch on a lane; only that lane's thread may call it. */
  public float[][] forward(int lane, ImageBatch batch) {
    return forwardTaps(lane, batch)[0];
  }

  /** Every output of a batch on lane 0. */
  public float[][][] forwardTaps(ImageBatch batch) {
    return forwardTaps(0, batch);
  }

  /**
   * Every output of one forward pass on a lane, in the card's tap order ({@link
   * ModelCard#outputs}): the default features first, then the other taps; one output for a
   * backbone without taps. Only the lane's thread may call it.
   */
  public float[][][] forwardTaps(int lane, ImageBatch batch) {
    try {
      float[][][] out = lanes.get(lane).predictor().predict(batch);
      if (out.length > 0 && out[0].length > 0) featureDim = out[0][0].length;
      return out;
    } catch (TranslateException e) {
      throw new IllegalStateException("forward pass of backbone " + source.uri() + " on "
          + lanes.get(lane).device() + " failed: " + e.getMessage(), e);
    }
  }

  /** How many lanes can run at once. */
  public int lanes() {
    return lanes.size();
  }

  /** The device of a lane. */
  public Device laneDevice(int lane) {
    return lanes.get(lane).device();
  }

  /** Every device it runs on, in lane order, each once. */
  public List<Device> devices() {
    List<Device> ds = new ArrayList<>();
    for (Lane l : lanes) if (!ds.contains(l.device())) ds.add(l.device());
    return ds;
  }

  String precision() {
    return precision;
  }

  String fileRoleName() {
    return fileRole;
  }

  public BackboneSource source() {
    return source;
  }

  public ModelCard card() {
    return source.card();
  }

  /** The first device (the one its known-answer check ran on first). */
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
    m.put("device", deviceText());
    m.put("precision", precision);
    m.put("probe", probe == null ? null : probe.describe());
    if (fallback != null) m.put("fallback", fallback);
    m.put("platform", dev.headstart.engine.Platform.describe(deviceText(), precision));
    m.put("card", source.card().withoutProbeOutputs());
    return m;
  }

  private String deviceText() {
    List<Device> ds = devices();
    return ds.size() == 1 ? ds.get(0).toString() : String.join("+", ds.stream().map(Device::toString).toList());
  }

  @Override
  public void close() {
    for (Lane l : lanes) l.predictor().close();
    for (ZooModel<ImageBatch, float[][][]> m : models) m.close();
  }
}
