package dev.headstart.extract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

class ImageDecoderTest {
  private final ImageDecoder decoder = new ImageDecoder(1_000_000);

  private static int channel(int rgb, int shift) {
    return (rgb >> shift) & 0xFF;
  }

  @Test
  void decodesPngBmpGifAndJpegToTheSamePixels() throws Exception {
    BufferedImage img = TestImages.rgb(20, 10, 3);
    int[] png = decoder.decode(TestImages.encode(img, "png")).pixels();
    int[] bmp = decoder.decode(TestImages.encode(img, "bmp")).pixels();
    RgbImage jpeg = decoder.decode(TestImages.encode(img, "jpg"));
    int[] expected = img.getRGB(0, 0, 20, 10, null, 0, 20);
    for (int i = 0; i < expected.length; i++) expected[i] &= 0xFFFFFF;
    assertThat(png).containsExactly(expected);
    assertThat(bmp).containsExactly(expected);
    assertThat(jpeg.width()).isEqualTo(20);
    assertThat(jpeg.height()).isEqualTo(10);
    // JPEG is lossy: close, not equal
    double diff = 0;
    for (int i = 0; i < expected.length; i++) diff += Math.abs(channel(jpeg.pixels()[i], 16) - channel(expected[i], 16));
    assertThat(diff / expected.length).isLessThan(20); // noisy 20x10 image, 4:2:0 chroma

    java.awt.image.IndexColorModel colours = new java.awt.image.IndexColorModel(8, 4,
        new byte[] {0, (byte) 255, 0, 0}, new byte[] {0, 0, (byte) 255, 0}, new byte[] {0, 0, 0, (byte) 255});
    BufferedImage palette = new BufferedImage(32, 16, BufferedImage.TYPE_BYTE_INDEXED, colours);
    for (int y = 0; y < 16; y++) {
      for (int x = 0; x < 32; x++) palette.getRaster().setSample(x, y, 0, x < 8 ? 1 : x < 16 ? 3 : y < 8 ? 2 : 0);
    }
    RgbImage gif = decoder.decode(TestImages.encode(palette, "gif"));
    assertThat(gif.rgb(0, 0)).isEqualTo(0xFF0000);
    assertThat(gif.rgb(10, 15)).isEqualTo(0x0000FF);
    assertThat(gif.rgb(20, 3)).isEqualTo(0x00FF00);
    assertThat(gif.rgb(31, 15)).isEqualTo(0);
  }

  @Test
  void grayAnd16BitAndAlphaBecomeRgbAsPilConvertsThem() throws Exception {
    BufferedImage gray = new BufferedImage(4, 2, BufferedImage.TYPE_BYTE_GRAY);
    gray.getRaster().setSample(1, 0, 0, 77);
    RgbImage g = decoder.decode(TestImages.encode(gray, "png"));
    assertThat(g.rgb(1, 0)).isEqualTo(77 << 16 | 77 << 8 | 77); // replicated, no gamma change

    BufferedImage gray16 = new BufferedImage(4, 2, BufferedImage.TYPE_USHORT_GRAY);
    gray16.getRaster().setSample(2, 1, 0, 200 * 256 + 99);
    RgbImage g16 = decoder.decode(TestImages.encode(gray16, "png"));
    assertThat(g16.rgb(2, 1)).isEqualTo(200 << 16 | 200 << 8 | 200); // high byte

    BufferedImage rgba = new BufferedImage(3, 3, BufferedImage.TYPE_INT_ARGB);
    rgba.setRGB(1, 1, 0x20_40_80_C0); // alpha 0x20: dropped, colour kept (not darkened)
    RgbImage a = decoder.decode(TestImages.encode(rgba, "png"));
    assertThat(a.rgb(1, 1)).isEqualTo(0x40_80_C0);
  }

  @Test
  void decodesWebp() throws Exception {
    RgbImage webp = decoder.decode(Path.of("src/test/resources/extract/tiny.webp"));
    assertThat(webp.width()).isEqualTo(12);
    assertThat(webp.height()).isEqualTo(8);
    assertThat(webp.rgb(0, 0)).isEqualTo(200 << 16 | 30 << 8 | 90);
    assertThat(webp.rgb(11, 7)).isEqualTo(10 << 16 | 30 << 8 | 250);
  }

  @Test
  void honoursJpegExifOrientation() throws Exception {
    // left half red, right half blue, 32 x 16
    BufferedImage img = new BufferedImage(32, 16, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 16; y++) for (int x = 0; x < 32; x++) img.setRGB(x, y, x < 16 ? 0xFF0000 : 0x0000FF);
    RgbImage upright = decoder.decode(TestImages.jpegWithOrientation(img, 1));
    assertThat(upright.width()).isEqualTo(32);
    // orientation 6: the camera was turned, the viewer turns 90 degrees clockwise: left goes top
    RgbImage turned = decoder.decode(TestImages.jpegWithOrientation(img, 6));
    assertThat(turned.width()).isEqualTo(16);
    assertThat(turned.height()).isEqualTo(32);
    assertThat(channel(turned.rgb(8, 4), 16)).isGreaterThan(200);
    assertThat(channel(turned.rgb(8, 28), 0)).isGreaterThan(200);
    RgbImage ccw = decoder.decode(TestImages.jpegWithOrientation(img, 8));
    assertThat(channel(ccw.rgb(8, 4), 0)).isGreaterThan(200);
    RgbImage mirrored = decoder.decode(TestImages.jpegWithOrientation(img, 2));
    assertThat(mirrored.width()).isEqualTo(32);
    assertThat(channel(mirrored.rgb(4, 8), 0)).isGreaterThan(200);
  }

  @Test
  void badFilesAreSkippedWithAReason() throws Exception {
    assertThatThrownBy(() -> decoder.decode(new byte[0]))
        .isInstanceOf(ImageSkippedException.class).hasMessageContaining("empty file");
    assertThatThrownBy(() -> decoder.decode("hello, not an image".getBytes()))
        .isInstanceOf(ImageSkippedException.class).hasMessageContaining("not an image");
    byte[] jpeg = TestImages.encode(TestImages.rgb(64, 64, 1), "jpg");
    byte[] truncated = Arrays.copyOf(jpeg, jpeg.length / 2);
    assertThatThrownBy(() -> decoder.decode(truncated))
        .isInstanceOf(ImageSkippedException.class).hasMessageContaining("truncated JPEG");
    byte[] png = TestImages.encode(TestImages.rgb(64, 64, 1), "png");
    byte[] truncatedPng = Arrays.copyOf(png, png.length / 2);
    assertThatThrownBy(() -> decoder.decode(truncatedPng))
        .isInstanceOf(ImageSkippedException.class).hasMessageContaining("PNG");
    ImageDecoder small = new ImageDecoder(1000);
    assertThatThrownBy(() -> small.decode(TestImages.encode(TestImages.rgb(40, 30, 1), "png")))
        .isInstanceOf(ImageSkippedException.class)
        .hasMessageContaining("too large: 40x30 = 1200 pixels, over extract.max_pixels = 1000");
  }

  @Test
  void pixelLimitIsCheckedFromTheHeaderBeforeDecoding() throws Exception {
    // a PNG header claiming 100000 x 100000 pixels and no image data at all: decoding it would
    // fail (or allocate 40 GB); the limit must refuse it first, from the header alone
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    png.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
    ByteBuffer ihdr = ByteBuffer.allocate(17);
    ihdr.put(new byte[] {'I', 'H', 'D', 'R'}).putInt(100_000).putInt(100_000)
        .put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
    CRC32 crc = new CRC32();
    crc.update(ihdr.array());
    png.write(ByteBuffer.allocate(4).putInt(13).array());
    png.write(ihdr.array());
    png.write(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    assertThatThrownBy(() -> decoder.decode(png.toByteArray()))
        .isInstanceOf(ImageSkippedException.class)
        .hasMessageContaining("too large: 100000x100000");
  }

  @Test
  void decodesFromAFile(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    Path f = TestImages.write(dir.resolve("a.png"), TestImages.rgb(5, 7, 2), "png");
    RgbImage fromFile = decoder.decode(f);
    RgbImage fromBytes = decoder.decode(Files.readAllBytes(f));
    assertThat(fromFile.width()).isEqualTo(5);
    assertThat(fromFile.height()).isEqualTo(7);
    assertThat(fromFile.pixels()).isEqualTo(fromBytes.pixels());
  }
}
