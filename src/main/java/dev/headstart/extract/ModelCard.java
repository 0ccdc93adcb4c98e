package dev.headstart.extract;

import dev.headstart.io.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The model card beside a TorchScript backbone (name.json next to name.pt), as written by
 * tools/export_backbone.py: how to preprocess images for it and what it outputs.
 *
 * @param inputSize the square crop fed to the model
 * @param resize shorter side after resizing, before the center crop (torchvision Resize(int))
 * @param interpolation bilinear (torchvision's default)
 * @param featureDim D of the [N,D] (or [N,D,h,w]) output
 * @param output pooled ([N,D]) or spatial ([N,D,h,w], global-average-pooled by headstart)
 * @param inferenceFile the frozen, inference-optimized TorchScript (used by extract)
 * @param trainableFile the unfrozen TorchScript with trainable parameters (used by finetune)
 * @param auxFeatureDim width of the auxiliary output in training mode (inception_v3), or null
 * @param probe the known answer: what eager PyTorch outputs for a deterministic input (null in
 *     cards made before it existed, and for djl:// models)
 * @param taps the named modules whose pooled outputs the files return, in output order (the
 *     default, deepest tap first: featureDim is its width); null for a one-output backbone
 */
public record ModelCard(
    String name,
    String architecture,
    int inputSize,
    int resize,
    String interpolation,
    List<Double> mean,
    List<Double> std,
    int featureDim,
    String output,
    String inferenceFile,
    String trainableFile,
    Integer auxFeatureDim,
    String weights,
    String torchVersion,
    String exportedBy,
    Probe probe,
    List<Tap> taps) {

  public static final List<Double> IMAGENET_MEAN = List.of(0.485, 0.456, 0.406);
  public static final List<Double> IMAGENET_STD = List.of(0.229, 0.224, 0.225);

  /**
   * A deterministic input ({@link dev.headstart.engine.ProbeInput}, shape [N,3,S,S]) and the
   * float64 eager PyTorch output of the unfrozen weights for it, pooled as headstart pools.
   *
   * @param stride outputs keep every stride-th feature of each row (1 for all of them)
   * @param maxAbs the largest |value| of the full output: the scale tolerances are relative to
   * @param inputSum the sum of the input values, to tell a generator mismatch from a wrong backbone
   */
  public record Probe(String input, long seed, int[] shape, double inputSum, String reference, int stride,
      double maxAbs, List<List<Double>> outputs, List<TapProbe> taps) {}

  /** One output of a tapped backbone: the module's name and its feature width. */
  public record Tap(String name, int dim) {}

  /** A tap's known answer for the probe input, as {@link Probe} holds the default output's. */
  public record TapProbe(String name, int stride, double maxAbs, List<List<Double>> outputs) {}

  /** The backbone's outputs, in order: its taps, or the one default output. */
  public List<Tap> outputs() {
    return taps == null || taps.isEmpty() ? List.of(new Tap(DEFAULT_TAP, featureDim)) : taps;
  }

  /** The name a one-output backbone's features go by. */
  public static final String DEFAULT_TAP = "default";

  /** This card for provenance: the probe's metadata without its (long) output values. */
  public ModelCard withoutProbeOutputs() {
    if (probe == null) return this;
    Probe p = new Probe(probe.input(), probe.seed(), probe.shape(), probe.inputSum(), probe.reference(),
        probe.stride(), probe.maxAbs(), null, null);
    return new ModelCard(name, architecture, inputSize, resize, interpolation, mean, std, featureDim, output,
        inferenceFile, trainableFile, auxFeatureDim, weights, torchVersion, exportedBy, p, taps);
  }

  public static ModelCard read(Path file) throws IOException {
    return Json.read(file, ModelCard.class);
  }
}
