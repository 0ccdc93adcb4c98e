package dev.headstart.extract;

/**
 * Antialiased bilinear resizing that reproduces Pillow's {@code Image.resize(..., BILINEAR)}
 * (what torchvision's Resize and RandomResizedCrop call on PIL images) bit for bit: a triangle
 * filter widened by the scale factor when shrinking, 22-bit fixed-point weights, a horizontal
 * pass rounded to 8 bits, then a vertical pass. Matching Pillow's arithmetic is what keeps the
 * features close to a PyTorch pipeline's; integer arithmetic is also what makes it fast.
 *
 * <p>Only the output window that a crop keeps is computed (and only the source rows it needs),
 * so resize + center crop costs about as much as producing the crop.
 */
final class Resampler {
  private static final int PRECISION_BITS = 32 - 8 - 2;
  private static final int HALF = 1 << (PRECISION_BITS - 1);

  private Resampler() {}

  /** Filter taps of every output pixel along one axis (Pillow's precompute_coeffs). */
  private record Coefficients(int[] start, int[] count, int[] weights, int taps) {}

  private static Coefficients coefficients(int inSize, int outSize, int from, int to) {
    double scale = (double) inSize / outSize;
    double filterScale = Math.max(scale, 1.0);
    double support = filterScale; // bilinear support is 1
    int taps = (int) Math.ceil(support) * 2 + 1;
    int n = to - from;
    int[] start = new int[n];
    int[] count = new int[n];
    int[] weights = new int[n * taps];
    double[] k = new double[taps];
    double inv = 1.0 / filterScale;
    for (int i = 0; i < n; i++) {
      int xx = from + i;
      double center = (xx + 0.5) * scale;
      int xmin = Math.max((int) (center - support + 0.5), 0);
      int xmax = Math.min((int) (center + support + 0.5), inSize) - xmin;
      double total = 0;
      for (int x = 0; x < xmax; x++) {
        double t = Math.abs((x + xmin - center + 0.5) * inv);
        double w = t < 1.0 ? 1.0 - t : 0.0;
        k[x] = w;
        total += w;
      }
      for (int x = 0; x < xmax; x++) {
        double w = total != 0 ? k[x] / total : k[x];
        weights[i * taps + x] = (int) (w < 0 ? -0.5 + w * (1 << PRECISION_BITS) : 0.5 + w * (1 << PRECISION_BITS));
      }
      start[i] = xmin;
      count[i] = xmax;
    }
    return new Coefficients(start, count, weights, taps);
  }

  private static int clip8(int v) {
    int s = v >> PRECISION_BITS;
    return s < 0 ? 0 : Math.min(s, 255);
  }

  /**
   * Resizes the source rectangle (sx, sy, sw, sh) of image to outW x outH and returns the window
   * [cx, cx+cw) x [cy, cy+ch) of the result as packed RGB (the window must lie inside the output).
   */
  static int[] resizeWindow(RgbImage image, int sx, int sy, int sw, int sh,
      int outW, int outH, int cx, int cy, int cw, int ch) {
    int[] src = image.pixels();
    int stride = image.width();
    Coefficients hor = coefficients(sw, outW, cx, cx + cw);
    Coefficients ver = coefficients(sh, outH, cy, cy + ch);
    int rowFirst = ver.start[0];
    int rowLast = ver.start[ch - 1] + ver.count[ch - 1];
    for (int i = 0; i < ch; i++) {
      rowFirst = Math.min(rowFirst, ver.start[i]);
      rowLast = Math.max(rowLast, ver.start[i] + ver.count[i]);
    }
    int rows = rowLast - rowFirst;

    // horizontal pass over the source rows the window needs, rounded to 8 bits as Pillow does
    int[] tmp = new int[rows * cw];
    int ht = hor.taps;
    for (int r = 0; r < rows; r++) {
      int rowBase = (sy + rowFirst + r) * stride + sx;
      int o = r * cw;
      for (int i = 0; i < cw; i++) {
        int r8 = HALF;
        int g8 = HALF;
        int b8 = HALF;
        int p0 = rowBase + hor.start[i];
        int k0 = i * ht;
        for (int t = 0, n = hor.count[i]; t < n; t++) {
          int p = src[p0 + t];
          int w = hor.weights[k0 + t];
          r8 += ((p >>> 16) & 0xFF) * w;
          g8 += ((p >>> 8) & 0xFF) * w;
          b8 += (p & 0xFF) * w;
        }
        tmp[o + i] = (clip8(r8) << 16) | (clip8(g8) << 8) | clip8(b8);
      }
    }

    // vertical pass, row by row so that the taps read contiguous memory
    int[] out = new int[cw * ch];
    int[] accR = new int[cw];
    int[] accG = new int[cw];
    int[] accB = new int[cw];
    int vt = ver.taps;
    for (int j = 0; j < ch; j++) {
      java.util.Arrays.fill(accR, HALF);
      java.util.Arrays.fill(accG, HALF);
      java.util.Arrays.fill(accB, HALF);
      int r0 = ver.start[j] - rowFirst;
      for (int t = 0, n = ver.count[j]; t < n; t++) {
        int w = ver.weights[j * vt + t];
        int base = (r0 + t) * cw;
        for (int i = 0; i < cw; i++) {
          int p = tmp[base + i];
          accR[i] += ((p >>> 16) & 0xFF) * w;
          accG[i] += ((p >>> 8) & 0xFF) * w;
          accB[i] += (p & 0xFF) * w;
        }
      }
      int o = j * cw;
      for (int i = 0; i < cw; i++) {
        out[o + i] = (clip8(accR[i]) << 16) | (clip8(accG[i]) << 8) | clip8(accB[i]);
      }
    }
    return out;
  }
}
