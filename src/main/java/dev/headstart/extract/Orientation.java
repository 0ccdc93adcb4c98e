package dev.headstart.extract;

/** Applies an EXIF orientation (1..8) to an image so that it is stored upright. */
final class Orientation {
  private Orientation() {}

  static RgbImage apply(RgbImage src, int orientation) {
    if (orientation <= 1 || orientation > 8) return src;
    int w = src.width();
    int h = src.height();
    boolean swap = orientation >= 5;
    int ow = swap ? h : w;
    int oh = swap ? w : h;
    int[] in = src.pixels();
    int[] out = new int[in.length];
    for (int y = 0; y < oh; y++) {
      for (int x = 0; x < ow; x++) {
        int sx;
        int sy;
        switch (orientation) {
          case 2 -> { sx = w - 1 - x; sy = y; }           // mirrored
          case 3 -> { sx = w - 1 - x; sy = h - 1 - y; }   // rotated 180
          case 4 -> { sx = x; sy = h - 1 - y; }           // mirrored vertically
          case 5 -> { sx = y; sy = x; }                   // transposed
          case 6 -> { sx = y; sy = h - 1 - x; }           // stored rotated: turn 90 clockwise
          case 7 -> { sx = w - 1 - y; sy = h - 1 - x; }   // transversed
          default -> { sx = w - 1 - y; sy = x; }          // 8: turn 90 counter-clockwise
        }
        out[y * ow + x] = in[sy * w + sx];
      }
    }
    return new RgbImage(ow, oh, out);
  }
}
