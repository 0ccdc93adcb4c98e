package dev.headstart.report;

/**
 * The Wilson score interval of a proportion (an accuracy: k right out of n): unlike the normal
 * approximation it stays inside [0, 1] and keeps its coverage near 0% and 100% and for small n,
 * the usual case for a validation or test split.
 *
 * @param low lower end, NaN when n is 0
 * @param high upper end, NaN when n is 0
 */
public record Wilson(double low, double high) {
  /** The standard normal quantile of a two-sided 95% interval. */
  public static final double Z95 = 1.959963984540054;

  public static Wilson of(int successes, int n) {
    return of(successes, n, Z95);
  }

  public static Wilson of(int successes, int n, double z) {
    if (successes < 0 || successes > n) {
      throw new IllegalArgumentException(successes + " successes out of " + n);
    }
    if (n == 0) return new Wilson(Double.NaN, Double.NaN);
    double p = (double) successes / n;
    double z2 = z * z;
    double centre = (p + z2 / (2.0 * n)) / (1 + z2 / n);
    double half = z / (1 + z2 / n) * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
    // the end points are exactly 0 and 1 at p = 0 and p = 1; rounding must not leave [0, 1]
    return new Wilson(Math.max(0, centre - half), Math.min(1, centre + half));
  }
}
