package dev.headstart.extract;

import dev.headstart.core.UserException;
import dev.headstart.engine.EngineBattery;
import dev.headstart.engine.ProbeInput;
import java.util.List;

/**
 * The known-answer check: runs a backbone file on its model card's probe input and compares the
 * pooled features with the outputs eager PyTorch gave for the same weights. Every process that
 * loads a backbone runs it once, before using it, and says nothing when it passes.
 */
public final class KnownAnswer {
  private KnownAnswer() {}

  /** The tolerance for a precision on the CPU, relative to the largest reference feature. */
  public static double tolerance(String precision) {
    return tolerance(precision, false);
  }

  /**
   * The tolerance for a precision and device, relative to the largest reference feature. On the
   * CPU float32 rounding through a deep net stays orders of magnitude below 1e-4 of the largest
   * feature; bfloat16 keeps 8 significant bits, so a few percent. A GPU's float32 convolutions and
   * matrix products may run in TF32 (10 significant bits: cuDNN's and cuBLAS's default on Ampere
   * and later) and in another summation order, so its float32 bound is that of a 10-bit format,
   * still far below what a miscomputing kernel gives (tens of percent, NaN); half precision keeps
   * 11 bits but its activations are rounded at every layer.
   */
  public static double tolerance(String precision, boolean gpu) {
    return switch (precision) {
      case "bf16" -> 0.1;
      case "fp16" -> 0.05;
      default -> gpu ? GPU_FP32_TOLERANCE : EngineBattery.FP32_TOLERANCE;
    };
  }

  /** float32 on a GPU (TF32 inside): see {@link #tolerance(String, boolean)}. */
  static final double GPU_FP32_TOLERANCE = 1e-2;

  /** Checks a loaded backbone against the card's probe (on its first lane); null when the card has none. */
  public static ProbeResult check(Backbone backbone, String file, String precision) {
    return check(backbone, 0, file, precision);
  }

  /** Checks one lane of a loaded backbone (a model on one device) against the card's probe. */
  static ProbeResult check(Backbone backbone, int lane, String file, String precision) {
    ModelCard.Probe probe = backbone.card().probe();
    if (probe == null) return null;
    int[] shape = probe.shape();
    if (shape == null || shape.length != 4 || shape[1] != 3 || shape[2] != shape[3]) {
      throw new IllegalArgumentException("model card probe of " + backbone.source().uri()
          + " has shape " + java.util.Arrays.toString(shape) + ", not [N,3,S,S]");
    }
    if (!ProbeInput.GENERATOR.equals(probe.input())) {
      throw new UserException("model card of " + backbone.source().uri() + " has a probe made with input '"
          + probe.input() + "', which this headstart does not know (it knows " + ProbeInput.GENERATOR
          + "); re-make it with /usr/bin/python3 tools/export_backbone.py --add-probe CARD.json");
    }
    long t0 = System.nanoTime();
    float[] input = ProbeInput.generate(shape, probe.seed());
    double sum = ProbeInput.sum(input);
    if (Math.abs(sum - probe.inputSum()) > 1e-6 * input.length) {
      throw new IllegalStateException("probe input generator " + probe.input() + " does not reproduce "
          + "the card's input (sum " + sum + " vs " + probe.inputSum() + "); re-export the card with "
          + "tools/export_backbone.py --add-probe");
    }
    float[][][] out = backbone.forwardTaps(lane, new ImageBatch(input, shape[0], shape[2]));
    double worst = compare(out[0], probe.outputs(), probe.stride(), probe.maxAbs());
    // a tapped card's probe holds every tap's answer, in output order
    List<ModelCard.TapProbe> taps = probe.taps() == null ? List.of() : probe.taps();
    if (!taps.isEmpty() && taps.size() != out.length) worst = Double.POSITIVE_INFINITY;
    for (int t = 1; t < Math.min(taps.size(), out.length); t++) {
      ModelCard.TapProbe tp = taps.get(t);
      worst = Math.max(worst, compare(out[t], tp.outputs(), tp.stride(), tp.maxAbs()));
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    double tol = tolerance(precision, backbone.laneDevice(lane).isGpu());
    return new ProbeResult(file, precision, worst <= tol, worst, tol, seconds,
        dev.headstart.engine.EngineGuard.applied().isa().envValue, probe.reference());
  }

  /** max |got - expected| over the stored features, relative to the card's max |feature|. */
  static double compare(float[][] out, List<List<Double>> expected, int probeStride, double maxAbs) {
    if (out.length != expected.size()) return Double.POSITIVE_INFINITY;
    int stride = Math.max(1, probeStride);
    double worst = 0;
    for (int n = 0; n < out.length; n++) {
      List<Double> row = expected.get(n);
      if ((row.size() - 1L) * stride >= out[n].length) return Double.POSITIVE_INFINITY;
      for (int j = 0; j < row.size(); j++) {
        double got = out[n][j * stride];
        if (!Double.isFinite(got)) return Double.POSITIVE_INFINITY;
        worst = Math.max(worst, Math.abs(got - row.get(j)));
      }
      for (float v : out[n]) if (!Float.isFinite(v)) return Double.POSITIVE_INFINITY;
    }
    return worst / Math.max(maxAbs, 1e-12);
  }

}
