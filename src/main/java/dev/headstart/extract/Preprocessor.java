package dev.headstart.extract;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Turns a decoded image into the normalized float CHW tensor a backbone expects, following its
 * model card with torchvision's semantics.
 *
 * <ul>
 *   <li>eval: Resize(shorter side = card.resize, bilinear, antialiased like PIL),
 *       CenterCrop(card.input_size), ToTensor, Normalize(card.mean, card.std);
 *   <li>train: RandomResizedCrop(card.input_size, scale 0.08-1, ratio 3/4-4/3),
 *       RandomHorizontalFlip(0.5), ToTensor, Normalize: the augmented views of extract and the
 *       training transform of finetune.
 * </ul>
 *
 * Immutable and thread-safe; randomness comes only from the Random the caller passes, so a view
 * is reproducible from its seed whatever thread computes it.
 */
public final class Preprocessor {
  private static final double MIN_SCALE = 0.08;
  private static final double MAX_SCALE = 1.0;
  private static final double MIN_RATIO = 3.0 / 4.0;
  private static final double MAX_RATIO = 4.0 / 3.0;

  private final int inputSize;
  private final int resize;
  private final List<Double> mean;
  private final List<Double> std;
  private final float[][] lut; // [channel][8-bit value] -> normalized value

  public Preprocessor(ModelCard card) {
    this(card.inputSize(), card.resize(), card.mean(), card.std());
  }

  public Preprocessor(int inputSize, int resize, List<Double> mean, List<Double> std) {
    if (inputSize <= 0 || resize <= 0) {
      throw new IllegalArgumentException("model card input_size and resize must be positive, got "
          + inputSize + " and " + resize);
    }
    if (mean == null || std == null || mean.size() != 3 || std.size() != 3) {
      throw new IllegalArgumentException("model card mean and std must have 3 values (R, G, B)");
    }
    this.inputSize = inputSize;
    this.resize = resize;
    this.mean = List.copyOf(mean);
    this.std = List.copyOf(std);
    this.lut = new float[3][256];
    for (int c = 0; c < 3; c++) {
      float m = mean.get(c).floatValue();
      float s = std.get(c).floatValue();
      // the same float32 operations as ToTensor (v / 255) then Normalize ((x - m) / s)
      for (int v = 0; v < 256; v++) lut[c][v] = ((float) v / 255f - m) / s;
    }
  }

  public int inputSize() {
    return inputSize;
  }

  /** The eval transform's Resize target (the shorter side): a decoder may decode down to it. */
  public int resize() {
    return resize;
  }

  /** Floats in one preprocessed image: 3 x input_size x input_size. */
  public int tensorSize() {
    return 3 * inputSize * inputSize;
  }

  /** The eval transform into a new array. */
  public float[] eval(RgbImage image) {
    float[] out = new float[tensorSize()];
    eval(image, out, 0);
    return out;
  }

  /** The eval transform, written at dest[offset ..] (one image of a batch buffer). */
  public void eval(RgbImage image, float[] dest, int offset) {
    int w = image.width();
    int h = image.height();
    // torchvision Resize(int): shorter side to `resize`, the longer one truncated proportionally
    int newW;
    int newH;
    if (w <= h) {
      newW = resize;
      newH = (int) ((double) (resize * (long) h) / w);
    } else {
      newH = resize;
      newW = (int) ((double) (resize * (long) w) / h);
    }
    // torchvision CenterCrop: offsets rounded half-to-even (Python's round); zero padding if small
    int top = (int) Math.rint((newH - inputSize) / 2.0);
    int left = (int) Math.rint((newW - inputSize) / 2.0);
    int y0 = Math.max(top, 0);
    int x0 = Math.max(left, 0);
    int y1 = Math.min(top + inputSize, newH);
    int x1 = Math.min(left + inputSize, newW);
    int[] window = Resampler.resizeWindow(image, 0, 0, w, h, newW, newH, x0, y0, x1 - x0, y1 - y0);
    if (x0 - left != 0 || y0 - top != 0 || x1 - x0 != inputSize || y1 - y0 != inputSize) {
      window = pad(window, x1 - x0, y1 - y0, x0 - left, y0 - top);
    }
    normalize(window, false, dest, offset);
  }

  /** The training transform (RandomResizedCrop + RandomHorizontalFlip) into a new array. */
  public float[] train(RgbImage image, Random rng) {
    float[] out = new float[tensorSize()];
    train(image, rng, out, 0);
    return out;
  }

  /** The training transform, written at dest[offset ..]. */
  public void train(RgbImage image, Random rng, float[] dest, int offset) {
    int[] box = randomResizedCropBox(image.width(), image.height(), rng);
    boolean flip = rng.nextDouble() < 0.5;
    // crop first, then resize the crop alone: the filter never reads outside it (as PIL's crop)
    int[] window = Resampler.resizeWindow(image, box[0], box[1], box[2], box[3],
        inputSize, inputSize, 0, 0, inputSize, inputSize);
    normalize(window, flip, dest, offset);
  }

  /**
   * torchvision's RandomResizedCrop.get_params: ten tries at a random area and aspect ratio,
   * then a central crop clamped to the ratio range. Returns {x, y, width, height}.
   */
  static int[] randomResizedCropBox(int width, int height, Random rng) {
    double area = (double) width * height;
    double logMin = Math.log(MIN_RATIO);
    double logMax = Math.log(MAX_RATIO);
    for (int attempt = 0; attempt < 10; attempt++) {
      double target = area * (MIN_SCALE + (MAX_SCALE - MIN_SCALE) * rng.nextDouble());
      double ratio = Math.exp(logMin + (logMax - logMin) * rng.nextDouble());
      int w = (int) Math.rint(Math.sqrt(target * ratio));
      int h = (int) Math.rint(Math.sqrt(target / ratio));
      if (w > 0 && w <= width && h > 0 && h <= height) {
        int y = rng.nextInt(height - h + 1);
        int x = rng.nextInt(width - w + 1);
        return new int[] {x, y, w, h};
      }
    }
    double inRatio = (double) width / height;
    int w;
    int h;
    if (inRatio < MIN_RATIO) {
      w = width;
      h = (int) Math.rint(w / MIN_RATIO);
    } else if (inRatio > MAX_RATIO) {
      h = height;
      w = (int) Math.rint(h * MAX_RATIO);
    } else {
      w = width;
      h = height;
    }
    return new int[] {(width - w) / 2, (height - h) / 2, w, h};
  }

  private int[] pad(int[] window, int ww, int wh, int dx, int dy) {
    int[] out = new int[inputSize * inputSize]; // black, as torchvision's zero padding
    for (int y = 0; y < wh; y++) {
      System.arraycopy(window, y * ww, out, (y + dy) * inputSize + dx, ww);
    }
    return out;
  }

  private void normalize(int[] rgb, boolean flip, float[] dest, int offset) {
    int plane = inputSize * inputSize;
    float[] lr = lut[0];
    float[] lg = lut[1];
    float[] lb = lut[2];
    for (int y = 0; y < inputSize; y++) {
      int row = y * inputSize;
      for (int x = 0; x < inputSize; x++) {
        int p = rgb[row + (flip ? inputSize - 1 - x : x)];
        int o = offset + row + x;
        dest[o] = lr[(p >>> 16) & 0xFF];
        dest[o + plane] = lg[(p >>> 8) & 0xFF];
        dest[o + 2 * plane] = lb[p & 0xFF];
      }
    }
  }

  /** What the manifest records about preprocessing (part of the feature-store fingerprint). */
  public Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("input_size", inputSize);
    m.put("resize", resize);
    m.put("interpolation", "bilinear (antialiased, Pillow-exact)");
    m.put("center_crop", true);
    m.put("mean", mean);
    m.put("std", std);
    return m;
  }
}
