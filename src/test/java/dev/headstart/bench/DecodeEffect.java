package dev.headstart.bench;

import ai.djl.Device;
import dev.headstart.config.BackboneConfig;
import dev.headstart.extract.Backbone;
import dev.headstart.extract.BackboneLoader;
import dev.headstart.extract.ImageBatch;
import dev.headstart.extract.ImageDecoder;
import dev.headstart.extract.Preprocessor;
import dev.headstart.extract.RgbImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * What reduced-size JPEG decoding changes: every JPEG of a folder decoded exactly (full size, then
 * the resize) and reduced (DCT-scaled, then the resize), both through the backbone; prints one JSON
 * line with the largest and mean absolute differences of the input tensors and of the features
 * (and the mean absolute feature, for scale). Not a test; bench/decode.sh runs it:
 *
 * <pre>
 * java -cp target/headstart.jar:target/test-classes dev.headstart.bench.DecodeEffect IMAGES MODEL.pt
 * </pre>
 */
public final class DecodeEffect {
  private DecodeEffect() {}

  public static void main(String[] args) throws Exception {
    // the oneDNN cap extract's command line would run under on this machine (see ExtractBench)
    dev.headstart.engine.EngineGuard.prepare(java.util.EnumSet.of(dev.headstart.engine.Workload.FP32_INFERENCE));
    Path root = Path.of(args[0]);
    String model = Path.of(args[1]).toAbsolutePath().toString();
    List<Path> files;
    try (var walk = Files.walk(root)) {
      files = walk.filter(p -> p.toString().endsWith(".jpg")).sorted().toList();
    }
    ImageDecoder exact = new ImageDecoder(Long.MAX_VALUE, true);
    ImageDecoder reduced = new ImageDecoder(Long.MAX_VALUE, false);
    if (!reduced.reduces()) throw new IllegalStateException("no reduced decoding here: " + ImageDecoder.jpegDecoder());
    try (Backbone b = BackboneLoader.load(BackboneLoader.locate(new BackboneConfig(model, "", "cpu"), Path.of(".")),
        Device.cpu(), "fp32")) {
      Preprocessor pre = new Preprocessor(b.card());
      int size = pre.inputSize();
      int n = 0;
      int changed = 0;
      double tMax = 0;
      double tSum = 0;
      long tCount = 0;
      double fMax = 0;
      double fSum = 0;
      double fAbs = 0;
      long fCount = 0;
      for (Path f : files) {
        byte[] bytes = Files.readAllBytes(f);
        RgbImage full = exact.decode(bytes);
        RgbImage small = reduced.decodeForResize(bytes, pre.resize());
        n++;
        if (small.width() == full.width()) continue; // not reduced: identical by construction
        changed++;
        float[] x = new float[2 * pre.tensorSize()];
        pre.eval(full, x, 0);
        pre.eval(small, x, pre.tensorSize());
        for (int i = 0; i < pre.tensorSize(); i++) {
          double d = Math.abs(x[i] - x[i + pre.tensorSize()]);
          tMax = Math.max(tMax, d);
          tSum += d;
          tCount++;
        }
        float[][] feats = b.forward(new ImageBatch(x, 2, size));
        for (int k = 0; k < feats[0].length; k++) {
          double d = Math.abs(feats[0][k] - feats[1][k]);
          fMax = Math.max(fMax, d);
          fSum += d;
          fAbs += Math.abs(feats[0][k]);
          fCount++;
        }
      }
      System.out.printf(Locale.ROOT, "{\"what\": \"reduced decode effect\", \"images\": %d, \"images_reduced\": %d, "
          + "\"tensor_max_abs_diff\": %.5f, \"tensor_mean_abs_diff\": %.6f, \"feature_max_abs_diff\": %.5f, "
          + "\"feature_mean_abs_diff\": %.6f, \"feature_mean_abs\": %.5f}%n",
          n, changed, tMax, tCount == 0 ? 0 : tSum / tCount, fMax, fCount == 0 ? 0 : fSum / fCount,
          fCount == 0 ? 0 : fAbs / fCount);
    }
  }
}
