package dev.headstart.engine;

/**
 * The deterministic known-answer input "hash32-v1": the same float32 values in Java and in
 * tools/export_backbone.py, so a model card can carry the outputs PyTorch gives for it. Each
 * value is a 32-bit integer hash of its flat index and the seed, mapped exactly onto [-2, 2).
 */
public final class ProbeInput {
  public static final String GENERATOR = "hash32-v1";

  private ProbeInput() {}

  /** count values for a tensor of that many elements (row-major). */
  public static float[] generate(int count, long seed) {
    float[] out = new float[count];
    long base = (seed * 0x9E3779B9L) & 0xFFFFFFFFL;
    for (int i = 0; i < count; i++) {
      long x = (i + base) & 0xFFFFFFFFL;
      x ^= x >>> 16;
      x = (x * 0x7FEB352DL) & 0xFFFFFFFFL;
      x ^= x >>> 15;
      x = (x * 0x846CA68BL) & 0xFFFFFFFFL;
      x ^= x >>> 16;
      out[i] = (float) ((x >>> 8) / 16777216.0 * 4.0 - 2.0);
    }
    return out;
  }

  public static float[] generate(int[] shape, long seed) {
    long n = 1;
    for (int d : shape) n *= d;
    if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("probe shape too large");
    return generate((int) n, seed);
  }

  /** The sum the card records, to tell a generator mismatch from a wrong backbone. */
  public static double sum(float[] values) {
    double s = 0;
    for (float v : values) s += v;
    return s;
  }
}
