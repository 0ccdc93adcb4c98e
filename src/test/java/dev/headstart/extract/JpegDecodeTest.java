package dev.headstart.extract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.color.ColorSpace;
import java.awt.color.ICC_Profile;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * JPEG decoding against an independent oracle: Pillow's decodes of the same files
 * (src/test/resources/fixtures/jpeg, made by tools/make_fixtures.py), full size and in draft mode.
 * The tests of the libjpeg-turbo path are skipped, saying why, where it is not installed.
 */
class JpegDecodeTest {
  private static final Path FIX = Path.of("src/test/resources/fixtures/jpeg");
  private final ImageDecoder exact = new ImageDecoder(100_000_000L);
  private final ImageDecoder reduced = new ImageDecoder(100_000_000L, false);

  private static JsonObject spec() throws Exception {
    return JsonParser.parseString(Files.readString(FIX.resolve("jpeg.json"))).getAsJsonObject();
  }

  private static int[] pillow(String raw, int w, int h) throws Exception {
    byte[] hwc = Files.readAllBytes(FIX.resolve(raw));
    assertThat(hwc).hasSize(w * h * 3);
    int[] px = new int[w * h];
    for (int i = 0; i < px.length; i++) {
      px[i] = ((hwc[3 * i] & 0xFF) << 16) | ((hwc[3 * i + 1] & 0xFF) << 8) | (hwc[3 * i + 2] & 0xFF);
    }
    return px;
  }

  private static int maxDiff(int[] a, int[] b) {
    int max = 0;
    for (int i = 0; i < a.length; i++) {
      for (int s = 0; s <= 16; s += 8) max = Math.max(max, Math.abs(((a[i] >> s) & 0xFF) - ((b[i] >> s) & 0xFF)));
    }
    return max;
  }

  private static void assumeNative() {
    assumeTrue(TurboJpeg.available(), () -> "libjpeg-turbo path not tested: " + TurboJpeg.unavailableReason());
  }

  @Test
  void libjpegTurboGivesPillowsPixelsExactly() throws Exception {
    assumeNative();
    for (JsonElement e : spec().getAsJsonArray("files")) {
      JsonObject f = e.getAsJsonObject();
      int w = f.get("width").getAsInt();
      int h = f.get("height").getAsInt();
      RgbImage ours = exact.decode(FIX.resolve(f.get("image").getAsString()));
      assertThat(ours.width()).isEqualTo(w);
      assertThat(ours.height()).isEqualTo(h);
      assertThat(ours.pixels()).as(f.get("description").getAsString())
          .containsExactly(pillow(f.get("pixels").getAsString(), w, h));
    }
  }

  @Test
  void theJdkFallbackGivesTheSamePixelsAsPillow() throws Exception {
    // without libjpeg-turbo (or for the files it leaves to the JDK) the features must not change
    for (JsonElement e : spec().getAsJsonArray("files")) {
      JsonObject f = e.getAsJsonObject();
      int w = f.get("width").getAsInt();
      int h = f.get("height").getAsInt();
      RgbImage jdk = exact.decodeJdk(Files.readAllBytes(FIX.resolve(f.get("image").getAsString())));
      int diff = maxDiff(jdk.pixels(), pillow(f.get("pixels").getAsString(), w, h));
      System.out.printf("jpeg %-16s JDK vs Pillow max difference %d%n", f.get("image").getAsString(), diff);
      assertThat(diff).as(f.get("description").getAsString()).isZero();
    }
  }

  @Test
  void reducedDecodingGivesPillowsDraftModePixelsExactly() throws Exception {
    assumeNative();
    JsonObject draft = spec().getAsJsonObject("draft");
    byte[] bytes = Files.readAllBytes(FIX.resolve(draft.get("image").getAsString()));
    for (JsonElement e : draft.getAsJsonArray("decodes")) {
      JsonObject d = e.getAsJsonObject();
      int w = d.get("width").getAsInt();
      int h = d.get("height").getAsInt();
      RgbImage ours = reduced.decodeForResize(bytes, d.get("target").getAsInt());
      assertThat(ours.width()).as("draft to %s", d.get("target")).isEqualTo(w);
      assertThat(ours.height()).isEqualTo(h);
      assertThat(ours.pixels()).containsExactly(pillow(d.get("pixels").getAsString(), w, h));
    }
  }

  @Test
  void anExactDecoderNeverReduces() throws Exception {
    byte[] bytes = Files.readAllBytes(FIX.resolve("big.jpg"));
    RgbImage full = exact.decodeForResize(bytes, 48);
    assertThat(full.width()).isEqualTo(512);
    assertThat(full.pixels()).containsExactly(exact.decode(bytes).pixels());
    // a reduced decoder gives the full image when the target leaves no room for a scale
    assertThat(reduced.decodeForResize(bytes, 200).width()).isEqualTo(512);
    assertThat(reduced.decode(bytes).width()).isEqualTo(512);
  }

  @Test
  void theScaleIsPillowsDraftRuleNeverBelowTheTarget() {
    assertThat(ImageDecoder.dctScale(512, 384, 48)).isEqualTo(8);
    assertThat(ImageDecoder.dctScale(512, 384, 64)).isEqualTo(4);   // 384 / 8 = 48 < 64
    assertThat(ImageDecoder.dctScale(512, 384, 128)).isEqualTo(2);
    assertThat(ImageDecoder.dctScale(512, 384, 193)).isEqualTo(1);
    assertThat(ImageDecoder.dctScale(3000, 2000, 256)).isEqualTo(4); // 2000 / 8 = 250 < 256
    assertThat(ImageDecoder.dctScale(2000, 3000, 256)).isEqualTo(4);
    assertThat(ImageDecoder.dctScale(4032, 3024, 256)).isEqualTo(8);
    assertThat(ImageDecoder.dctScale(300, 200, 0)).isEqualTo(1);
  }

  @Test
  void exifOrientationAndThePixelLimitApplyToReducedDecodes() throws Exception {
    assumeNative();
    java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(64, 32,
        java.awt.image.BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 32; y++) for (int x = 0; x < 64; x++) img.setRGB(x, y, x < 32 ? 0xFF0000 : 0x0000FF);
    RgbImage turned = reduced.decodeForResize(TestImages.jpegWithOrientation(img, 6), 8);
    assertThat(turned.width()).isEqualTo(8);   // 1/4 of 32, then turned
    assertThat(turned.height()).isEqualTo(16);
    assertThat((turned.rgb(4, 2) >> 16) & 0xFF).isGreaterThan(200); // left half went to the top
    assertThat(turned.rgb(4, 14) & 0xFF).isGreaterThan(200);
    ImageDecoder small = new ImageDecoder(1000, false);
    assertThatThrownBy(() -> small.decodeForResize(TestImages.encode(img, "jpg"), 4))
        .isInstanceOf(ImageSkippedException.class)
        .hasMessageContaining("too large: 64x32 = 2048 pixels, over extract.max_pixels = 1000");
  }

  @Test
  void truncatedAndCorruptJpegsAreSkippedWithTheReasonsOfBefore() throws Exception {
    assumeNative();
    byte[] jpeg = Files.readAllBytes(FIX.resolve("big.jpg"));
    byte[] truncated = Arrays.copyOf(jpeg, jpeg.length / 2);
    assertThatThrownBy(() -> exact.decode(truncated))
        .isInstanceOf(ImageSkippedException.class).hasMessageContaining("truncated JPEG");
    assertThatThrownBy(() -> reduced.decodeForResize(truncated, 48))
        .isInstanceOf(ImageSkippedException.class).hasMessageContaining("truncated JPEG");
    byte[] headerOnly = Arrays.copyOf(jpeg, 40);
    assertThatThrownBy(() -> exact.decode(headerOnly)).isInstanceOf(ImageSkippedException.class)
        .hasMessageContaining("JPEG");
  }

  @Test
  void aNonSrgbIccProfileKeepsTheJdkPathAndItsColourConversion() throws Exception {
    byte[] plain = Files.readAllBytes(FIX.resolve("s444.jpg"));
    byte[] linear = withIcc(plain, ICC_Profile.getInstance(ColorSpace.CS_LINEAR_RGB).getData());
    byte[] srgb = withIcc(plain, ICC_Profile.getInstance(ColorSpace.CS_sRGB).getData());
    assertThat(ImageDecoder.hasConvertedIccProfile(plain)).isFalse();
    assertThat(ImageDecoder.hasConvertedIccProfile(srgb)).isFalse();
    assertThat(ImageDecoder.hasConvertedIccProfile(linear)).isTrue();
    // the same pixels with or without libjpeg-turbo: both paths convert through the profile
    int[] converted = exact.decode(linear).pixels();
    assertThat(converted).containsExactly(exact.decodeJdk(linear).pixels());
    assertThat(maxDiff(converted, exact.decode(plain).pixels())).isGreaterThan(10); // it was converted
    assertThat(exact.decode(srgb).pixels()).containsExactly(exact.decode(plain).pixels());
  }

  /** The JPEG with an APP2 ICC_PROFILE segment (one chunk) inserted after SOI. */
  private static byte[] withIcc(byte[] jpeg, byte[] profile) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(jpeg, 0, 2);
    byte[] id = "ICC_PROFILE\0".getBytes(StandardCharsets.ISO_8859_1);
    int len = 2 + id.length + 2 + profile.length;
    out.write(0xFF);
    out.write(0xE2);
    out.write(len >> 8);
    out.write(len & 0xFF);
    out.write(id, 0, id.length);
    out.write(1);
    out.write(1);
    out.write(profile, 0, profile.length);
    out.write(jpeg, 2, jpeg.length - 2);
    return out.toByteArray();
  }
}
