package dev.headstart.extract;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;

/** Small images made on the fly for the tests (ImageIO writes them; nothing is downloaded). */
final class TestImages {
  private TestImages() {}

  /** A w x h RGB image of smooth gradients plus seeded noise, so every image differs. */
  static BufferedImage rgb(int w, int h, long seed) {
    Random r = new Random(seed);
    int base = r.nextInt(128);
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int red = (base + x * 255 / w) & 0xFF;
        int green = (y * 255 / h + r.nextInt(16)) & 0xFF;
        int blue = (base * 2 + (x + y) * 4) & 0xFF;
        img.setRGB(x, y, (red << 16) | (green << 8) | blue);
      }
    }
    return img;
  }

  static byte[] encode(BufferedImage img, String format) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    if (!ImageIO.write(img, format, out)) throw new IOException("no ImageIO writer for " + format);
    return out.toByteArray();
  }

  static Path write(Path file, BufferedImage img, String format) throws IOException {
    Files.createDirectories(file.getParent());
    Files.write(file, encode(img, format));
    return file;
  }

  /** A JPEG with an EXIF APP1 segment holding only the orientation tag. */
  static byte[] jpegWithOrientation(BufferedImage img, int orientation) throws IOException {
    byte[] jpeg = encode(img, "jpg");
    byte[] tiff = {
      'M', 'M', 0, 42, 0, 0, 0, 8, // big-endian TIFF header, first IFD at 8
      0, 1, // one entry
      0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte) orientation, 0, 0, // Orientation, SHORT, 1 value
      0, 0, 0, 0 // no next IFD
    };
    byte[] exifId = {'E', 'x', 'i', 'f', 0, 0};
    int len = 2 + exifId.length + tiff.length;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(jpeg, 0, 2); // SOI
    out.write(0xFF);
    out.write(0xE1);
    out.write(len >> 8);
    out.write(len & 0xFF);
    out.write(exifId);
    out.write(tiff);
    out.write(jpeg, 2, jpeg.length - 2);
    return out.toByteArray();
  }
}
