package dev.headstart.extract;

import ai.djl.repository.zoo.ZooModel;
import dev.headstart.core.Reporter;
import dev.headstart.engine.Agreement;
import dev.headstart.engine.EngineGuard;
import dev.headstart.engine.ProbeInput;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * For backbones whose card carries no known answer (cards made before it existed): the frozen
 * file's outputs on the probe input compared with its unfrozen twin's (name-trainable.pt), which
 * runs the same weights without folded batch-norm. Where there is no twin either, one warning.
 */
final class TwinCheck {
  private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();
  private static final long SEED = 1;

  private TwinCheck() {}

  static ProbeResult check(Backbone backbone, String role, String precision) {
    BackboneSource source = backbone.source();
    if (source.cardFile() == null || role.equals("trainable")) return null;
    String trainableName = source.card().trainableFile();
    if (trainableName == null || trainableName.isBlank()) return null;
    Path twin = source.cardFile().toAbsolutePath().getParent().resolve(trainableName);
    if (!Files.isRegularFile(twin)) return null;
    int s = source.card().inputSize();
    long t0 = System.nanoTime();
    float[] input = ProbeInput.generate(new int[] {2, 3, s, s}, SEED);
    float[][][] frozen = backbone.forwardTaps(new ImageBatch(input, 2, s));
    float[][][] reference;
    try (ZooModel<ImageBatch, float[][][]> model = BackboneLoader.loadFeatureModel(twin, backbone.device());
        var predictor = model.newPredictor()) {
      reference = predictor.predict(new ImageBatch(input, 2, s));
    } catch (ai.djl.translate.TranslateException e) {
      throw new IllegalStateException("unfrozen twin " + twin + " failed: " + e.getMessage(), e);
    }
    double tol = KnownAnswer.tolerance(precision, backbone.device().isGpu());
    if (reference.length != frozen.length) {
      return new ProbeResult(role, precision, false, Double.POSITIVE_INFINITY, tol,
          (System.nanoTime() - t0) / 1e9, EngineGuard.applied().isa().envValue, "unfrozen twin " + twin.getFileName()
          + " gives " + reference.length + " outputs, the file " + frozen.length);
    }
    double worst = 0;
    for (int t = 0; t < frozen.length; t++) {
      worst = Math.max(worst, Agreement.relativeMaxDiff(flat(frozen[t]), flat(reference[t])));
    }
    return new ProbeResult(role, precision, worst <= tol, worst, tol, (System.nanoTime() - t0) / 1e9,
        EngineGuard.applied().isa().envValue, "unfrozen twin " + twin.getFileName() + " on this machine");
  }

  static void warnUnchecked(String uri, Reporter reporter) {
    if (WARNED.add(uri)) {
      reporter.warn("backbone " + uri + " has no known answer in its model card (an older "
          + "card, or a djl:// model) and no unfrozen twin, so its outputs are not checked on this CPU; "
          + "/usr/bin/python3 tools/export_backbone.py --add-probe CARD.json adds one");
    }
  }

  private static float[] flat(float[][] rows) {
    int n = 0;
    for (float[] r : rows) n += r.length;
    float[] out = new float[n];
    int i = 0;
    for (float[] r : rows) {
      System.arraycopy(r, 0, out, i, r.length);
      i += r.length;
    }
    return out;
  }
}
