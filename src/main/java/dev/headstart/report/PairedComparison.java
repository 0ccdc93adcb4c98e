package dev.headstart.report;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import tech.tablesaw.api.Table;

/**
 * Two runs compared on the same images: the test split when both have one (else validation),
 * matched by image path. A difference in accuracy between two runs is only evidence when the
 * images one gets right and the other wrong lean clearly one way, which McNemar's exact test
 * checks; at the 5% level the first run is "better" or "worse", otherwise there is "no clear
 * difference at this sample size".
 *
 * @param split "test" or "validation": which images were compared
 * @param images images both runs classified
 * @param firstAccuracy the first run's accuracy on those images
 * @param secondAccuracy the second run's accuracy on those images
 * @param verdict better, worse, or no clear difference at this sample size (the first against the second)
 */
public record PairedComparison(String split, int images, double firstAccuracy, double secondAccuracy,
    McNemar test, String verdict) {

  public static final String BETTER = "better";
  public static final String WORSE = "worse";
  public static final String UNCLEAR = "no clear difference at this sample size";
  /** The significance level of the verdict. */
  public static final double ALPHA = 0.05;

  /** Empty when the two runs share no classified image. */
  public static Optional<PairedComparison> of(LoadedRun first, LoadedRun second) {
    boolean onTest = first.hasTest() && second.hasTest()
        && !first.testPredictions().isEmpty() && !second.testPredictions().isEmpty();
    Table a = onTest ? first.testPredictions() : first.predictions();
    Table b = onTest ? second.testPredictions() : second.predictions();
    Map<String, Boolean> secondRight = new HashMap<>();
    for (int i = 0; i < b.rowCount(); i++) secondRight.put(b.stringColumn("path").get(i), correct(b, i));
    int n = 0;
    int firstRight = 0;
    int otherRight = 0;
    int onlyFirst = 0;
    int onlySecond = 0;
    for (int i = 0; i < a.rowCount(); i++) {
      Boolean other = secondRight.get(a.stringColumn("path").get(i));
      if (other == null) continue;
      boolean mine = correct(a, i);
      n++;
      if (mine) firstRight++;
      if (other) otherRight++;
      if (mine && !other) onlyFirst++;
      if (!mine && other) onlySecond++;
    }
    if (n == 0) return Optional.empty();
    McNemar test = McNemar.of(onlyFirst, onlySecond);
    String verdict = test.exactP() >= ALPHA ? UNCLEAR : onlyFirst > onlySecond ? BETTER : WORSE;
    return Optional.of(new PairedComparison(onTest ? "test" : "validation", n, (double) firstRight / n,
        (double) otherRight / n, test, verdict));
  }

  private static boolean correct(Table t, int row) {
    return t.intColumn("label").getInt(row) == t.intColumn("predicted").getInt(row);
  }

  /** "the head is right on 12 images the finetune gets wrong and wrong on 3 it gets right (McNemar ...)". */
  public String evidence(String first, String second) {
    return String.format(Locale.ROOT,
        "%s is right on %d of these images where %s is wrong, and wrong on %d where it is right "
            + "(McNemar's exact test p = %s, mid-p = %s)",
        first, test.b(), second, test.c(), p(test.exactP()), p(test.midP()));
  }

  static String p(double p) {
    return p < 0.001 ? String.format(Locale.ROOT, "%.1e", p) : String.format(Locale.ROOT, "%.3f", p);
  }
}
