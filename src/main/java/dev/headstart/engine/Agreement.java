package dev.headstart.engine;

/**
 * How far computed values are from a reference: the largest absolute difference relative to the
 * largest reference value (the measure the known-answer check and the engine battery use, so
 * features near zero do not make a tolerance meaningless). NaN or infinity anywhere is infinitely
 * far.
 */
public final class Agreement {
  private Agreement() {}

  /** max |actual - reference| / max |reference|; reference values are read with a stride of 1. */
  public static double relativeMaxDiff(float[] actual, double[] reference) {
    if (actual.length != reference.length) return Double.POSITIVE_INFINITY;
    double maxDiff = 0;
    double maxRef = 0;
    for (int i = 0; i < actual.length; i++) {
      double a = actual[i];
      if (!Double.isFinite(a)) return Double.POSITIVE_INFINITY;
      maxDiff = Math.max(maxDiff, Math.abs(a - reference[i]));
      maxRef = Math.max(maxRef, Math.abs(reference[i]));
    }
    return maxDiff / Math.max(maxRef, 1e-12);
  }

  /** Like {@link #relativeMaxDiff(float[], double[])} with a float reference. */
  public static double relativeMaxDiff(float[] actual, float[] reference) {
    double[] r = new double[reference.length];
    for (int i = 0; i < r.length; i++) r[i] = reference[i];
    return relativeMaxDiff(actual, r);
  }
}
