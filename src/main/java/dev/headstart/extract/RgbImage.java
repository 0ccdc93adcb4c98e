package dev.headstart.extract;

/**
 * A decoded image as 8-bit RGB, packed 0xRRGGBB per pixel in row-major order: the one pixel
 * format that preprocessing reads, whatever the file held (gray, palette, 16-bit, alpha).
 */
public record RgbImage(int width, int height, int[] pixels) {
  public RgbImage {
    if (width <= 0 || height <= 0 || pixels.length != width * height) {
      throw new IllegalArgumentException("bad image " + width + "x" + height + " for " + pixels.length + " pixels");
    }
  }

  public int rgb(int x, int y) {
    return pixels[y * width + x];
  }
}
