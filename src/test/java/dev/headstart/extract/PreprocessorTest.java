package dev.headstart.extract;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Preprocessing against torchvision: the committed fixture holds images and the tensors that
 * Debian's torchvision made from them (tools/make_fixtures.py).
 */
class PreprocessorTest {
  static final Path FIXTURES = Path.of("src/test/resources/fixtures/preprocess");

  private static JsonObject expected() throws IOException {
    return JsonParser.parseString(Files.readString(FIXTURES.resolve("expected.json"))).getAsJsonObject();
  }

  static float[] readF32(Path file) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    float[] out = new float[b.remaining() / 4];
    b.asFloatBuffer().get(out);
    return out;
  }

  private static List<Double> doubles(JsonArray a) {
    List<Double> out = new ArrayList<>();
    for (JsonElement e : a) out.add(e.getAsDouble());
    return out;
  }

  static double meanAbsDiff(float[] a, float[] b) {
    assertThat(a).hasSameSizeAs(b);
    double sum = 0;
    for (int i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
    return sum / a.length;
  }

  @Test
  void evalTransformMatchesTorchvisionOnEveryFixtureImage() throws Exception {
    JsonObject exp = expected();
    Preprocessor pre = new Preprocessor(exp.get("crop").getAsInt(), exp.get("resize").getAsInt(),
        doubles(exp.getAsJsonArray("mean")), doubles(exp.getAsJsonArray("std")));
    ImageDecoder decoder = new ImageDecoder(100_000_000L);
    int checked = 0;
    for (JsonElement e : exp.getAsJsonArray("files")) {
      JsonObject f = e.getAsJsonObject();
      RgbImage img = decoder.decode(FIXTURES.resolve(f.get("image").getAsString()));
      assertThat(img.width()).isEqualTo(f.get("width").getAsInt());
      assertThat(img.height()).isEqualTo(f.get("height").getAsInt());
      float[] ours = pre.eval(img);
      float[] theirs = readF32(FIXTURES.resolve(f.get("tensor").getAsString()));
      double mad = meanAbsDiff(ours, theirs);
      System.out.printf("preprocess %-12s (%s) mean |ours - torchvision| = %.6f%n",
          f.get("image").getAsString(), f.get("mode").getAsString(), mad);
      assertThat(mad).isLessThan(0.02);
      // PNG and GIF decode losslessly, so the Pillow-exact resize should agree to float rounding
      if (!f.get("image").getAsString().endsWith(".jpg")) assertThat(mad).isLessThan(1e-5);
      checked++;
    }
    assertThat(checked).isEqualTo(4);
  }

  @Test
  void pillowDecodedPixelsGiveTorchvisionsTensorExactly() throws Exception {
    // photo.rgb8 is the JPEG as libjpeg decoded it: with the same pixels, only the resize differs
    JsonObject exp = expected();
    byte[] hwc = Files.readAllBytes(FIXTURES.resolve("photo.rgb8"));
    int w = 300;
    int h = 200;
    int[] px = new int[w * h];
    for (int i = 0; i < px.length; i++) {
      px[i] = ((hwc[3 * i] & 0xFF) << 16) | ((hwc[3 * i + 1] & 0xFF) << 8) | (hwc[3 * i + 2] & 0xFF);
    }
    RgbImage img = new RgbImage(w, h, px);
    List<Double> mean = doubles(exp.getAsJsonArray("mean"));
    List<Double> std = doubles(exp.getAsJsonArray("std"));
    float[] small = new Preprocessor(64, 73, mean, std).eval(img);
    float[] large = new Preprocessor(224, 256, mean, std).eval(img);
    double madSmall = meanAbsDiff(small, readF32(FIXTURES.resolve("photo.f32")));
    double madLarge = meanAbsDiff(large, readF32(FIXTURES.resolve("photo_224.f32")));
    System.out.printf("preprocess photo.rgb8 -> 64 px: %.7f, -> 224 px (upscaled): %.7f%n", madSmall, madLarge);
    assertThat(madSmall).isLessThan(1e-5);
    assertThat(madLarge).isLessThan(1e-5);
  }

  @Test
  void randomResizedCropIsSeededInsideTheImageAndFlips() throws Exception {
    int w = 50;
    int h = 30;
    int[] px = new int[w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) px[y * w + x] = (x * 5) << 16 | (y * 8) << 8 | 128;
    }
    RgbImage img = new RgbImage(w, h, px);
    Preprocessor pre = new Preprocessor(16, 18, List.of(0.5, 0.5, 0.5), List.of(0.5, 0.5, 0.5));
    float[] a = pre.train(img, new Random(7));
    float[] b = pre.train(img, new Random(7));
    float[] c = pre.train(img, new Random(8));
    assertThat(a).hasSize(3 * 16 * 16).containsExactly(b);
    assertThat(Arrays.equals(a, c)).isFalse();
    for (float v : a) assertThat(v).isBetween(-1f, 1f);

    Random rng = new Random(1);
    int flipped = 0;
    for (int i = 0; i < 400; i++) {
      int[] box = Preprocessor.randomResizedCropBox(w, h, rng);
      assertThat(box[0]).isGreaterThanOrEqualTo(0);
      assertThat(box[1]).isGreaterThanOrEqualTo(0);
      assertThat(box[0] + box[2]).isLessThanOrEqualTo(w);
      assertThat(box[1] + box[3]).isLessThanOrEqualTo(h);
      double area = (double) box[2] * box[3] / (w * h);
      assertThat(area).isBetween(0.05, 1.0);
      // the red channel rises left to right; a flipped view has it falling
      float[] v = pre.train(img, new Random(i));
      if (v[0] > v[15]) flipped++;
    }
    assertThat(flipped).isBetween(120, 280);
  }
}
