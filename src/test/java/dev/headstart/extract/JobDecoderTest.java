package dev.headstart.extract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.headstart.config.ExtractConfig;
import dev.headstart.io.Hashing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which decode each view gets, and what the manifest says about it. */
class JobDecoderTest {
  private static final Path BIG = Path.of("src/test/resources/fixtures/jpeg/big.jpg"); // 512x384
  private final Preprocessor pre = new Preprocessor(32, 48, List.of(0.5, 0.5, 0.5), List.of(0.25, 0.25, 0.25));

  @Test
  void viewZeroTakesTheReducedDecodeAndViewsTheFullImageWhateverTheJobAsks() throws Exception {
    assumeTrue(TurboJpeg.available(), () -> "reduced decoding not tested: " + TurboJpeg.unavailableReason());
    ImageDecoder reduced = new ImageDecoder(100_000_000L, false);
    ImageDecoder exact = new ImageDecoder(100_000_000L, true);
    String hash = Hashing.sha256(Files.readAllBytes(BIG));
    ImageFiles folder = ImageFiles.local(BIG.getParent());
    String big = BIG.getFileName().toString();
    JobDecoder jobs = new JobDecoder(folder, reduced, pre, 7);
    float[][] alone = jobs.decode(hash, big, new int[] {0}).tensors();
    float[][] withViews = jobs.decode(hash, big, new int[] {0, 1}).tensors();
    byte[] bytes = Files.readAllBytes(BIG);
    // view 0: the 1/8 decode (64x48, shorter side 48 = resize), then the eval transform
    assertThat(alone[0]).containsExactly(pre.eval(reduced.decodeForResize(bytes, 48)));
    assertThat(withViews[0]).containsExactly(alone[0]);
    assertThat(java.util.Arrays.equals(alone[0], pre.eval(exact.decode(bytes)))).isFalse();
    // view 1: a random crop of the full-size image, as with an exact decoder
    float[][] exactViews = new JobDecoder(folder, exact, pre, 7).decode(hash, big, new int[] {0, 1}).tensors();
    assertThat(withViews[1]).containsExactly(exactViews[1]);
    assertThat(exactViews[0]).containsExactly(pre.eval(exact.decode(bytes)));
  }

  @Test
  void theManifestRecordsReducedDecodingAndOnlyThen() {
    ExtractConfig reduced = ExtractConfig.DEFAULTS;
    ExtractConfig exact = new ExtractConfig(reduced.out(), reduced.batchSize(), reduced.threads(), reduced.views(),
        reduced.seed(), reduced.maxPixels(), reduced.strict(), reduced.partRows(), reduced.overwrite(),
        reduced.precision(), reduced.intraOpThreads(), reduced.gc(), reduced.compactBelow(), reduced.migrate(),
        reduced.engine(), reduced.spark(), true);
    // exact decoding keeps the preprocessing (and so the fingerprints) stores had before the key existed
    assertThat(ExtractStage.preprocessing(pre, exact)).doesNotContainKey("jpeg_decode");
    if (TurboJpeg.available()) {
      assertThat(ExtractStage.preprocessing(pre, reduced)).containsEntry("jpeg_decode", ImageDecoder.REDUCED_DECODE);
    } else {
      // without libjpeg-turbo extract decodes at full size, and says so in the fingerprint
      assertThat(ExtractStage.preprocessing(pre, reduced)).doesNotContainKey("jpeg_decode");
    }
  }
}
