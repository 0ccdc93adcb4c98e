package dev.headstart.report;

/**
 * McNemar's test for two classifiers scored on the same images: only the discordant images
 * count, b (the first right, the second wrong) and c (the reverse). Under "no difference" b is
 * Binomial(b + c, 1/2). The exact two-sided p-value doubles the smaller tail (capped at 1, as
 * statsmodels' mcnemar(exact=True)); the mid-p-value takes half the probability of the observed
 * count out of it, which is less conservative and closer to the nominal level for small counts.
 *
 * @param b images the first classifier gets right and the second wrong
 * @param c images the second gets right and the first wrong
 */
public record McNemar(int b, int c, double exactP, double midP) {

  public static McNemar of(int b, int c) {
    if (b < 0 || c < 0) throw new IllegalArgumentException("negative counts " + b + ", " + c);
    int n = b + c;
    if (n == 0) return new McNemar(b, c, 1, 1);
    int k = Math.min(b, c);
    // log-space binomial terms: 0.5^n underflows a double beyond about a thousand discordant images
    double logHalfN = n * Math.log(0.5);
    double logChoose = 0;
    double cdf = 0;
    double pmfK = 0;
    for (int i = 0; i <= k; i++) {
      if (i > 0) logChoose += Math.log(n - i + 1) - Math.log(i);
      double pmf = Math.exp(logChoose + logHalfN);
      cdf += pmf;
      if (i == k) pmfK = pmf;
    }
    double exact = Math.min(1, 2 * cdf);
    double mid = Math.min(1, 2 * cdf - pmfK);
    return new McNemar(b, c, exact, mid);
  }

  /** Discordant images: the only ones that tell the two apart. */
  public int discordant() {
    return b + c;
  }
}
