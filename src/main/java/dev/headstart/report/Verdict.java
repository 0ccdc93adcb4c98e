package dev.headstart.report;

import dev.headstart.runs.ClassScores;
import dev.headstart.runs.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import tech.tablesaw.api.Row;
import tech.tablesaw.api.Table;

/**
 * The plain-language answer at the top of the page: which method won here (chosen on validation),
 * its validation and held-out test accuracy with 95% intervals, whether the best head and the best
 * finetune really differ (paired on the same images), by how much and at what cost, what the
 * figures can be trusted for, and what the recipes' "when to use which" advice says for a dataset
 * of this size.
 *
 * @param headline one sentence: the winner
 * @param details the comparison, the pretraining effect and the advice, a sentence group each
 * @param headVsFinetune better, worse or "no clear difference at this sample size" (the best head
 *     against the best finetune, paired); empty when one of them is missing
 */
public record Verdict(String headline, List<String> details, String headVsFinetune) {

  public Verdict(String headline, List<String> details) {
    this(headline, details, "");
  }

  /** The largest class may be this many times the smallest before the report warns. */
  public static final double IMBALANCE_RATIO = 3.0;

  /** Below this many training images per class a dataset counts as small (hymenoptera: ~120). */
  public static final int SMALL_PER_CLASS = 1000;
  /** A head within this much accuracy of the finetune is "as good" for the advice. */
  public static final double SAME_ACCURACY = 0.02;

  public static Verdict of(ReportTables t, Optional<ExtractInfo> extract) {
    if (t.best().isEmpty()) {
      return new Verdict("No complete runs to compare yet.", List.of(
          "Train a head on cached features with ./train and a baseline with ./finetune, then run ./report again."));
    }
    LoadedRun best = t.best().get();
    List<String> details = new ArrayList<>();
    String headline = String.format(Locale.ROOT, "Best here: %s (run %s), %s validation accuracy %s at epoch %d%s.",
        label(best.method()), best.name(), pct(best.metrics().bestValAccuracy()), interval(best, false),
        best.metrics().bestEpoch(), best.hasTest() ? String.format(Locale.ROOT,
            ", and %s %s on the %d held-out test images", pct(best.metrics().test().accuracy()), interval(best, true),
            best.metrics().test().count()) : "");
    details.add(splitNote(t));
    String paired = "";
    if (t.headVsFinetune().isPresent()) {
      PairedComparison c = t.headVsFinetune().get();
      paired = c.verdict();
      details.add(pairedSentence(c));
    }

    Optional<Row> head = bestRow(t, Method.HEAD);
    Optional<Row> finetune = bestRow(t, Method.FINETUNE);
    if (finetune.isEmpty()) {
      details.add("No end-to-end finetune run was found, so there is no baseline for speed-ups; "
          + "run ./finetune to add one.");
    } else if (best.method() != Method.FINETUNE) {
      Row b = summaryRow(t, best.name());
      details.add(compare("It", b, finetune.get(), t.extractionSeconds()));
    } else if (head.isPresent()) {
      details.add(compare("The best head (" + head.get().getString("run") + ")", head.get(), finetune.get(),
          t.extractionSeconds()));
    }

    Optional<Row> scratch = bestRow(t, Method.SCRATCH);
    // bestPerMethod is best first, so its first row that is not scratch is the best pretrained run
    Table notScratch = t.bestPerMethod()
        .where(t.bestPerMethod().stringColumn("method").isNotEqualTo(Method.SCRATCH.id()));
    Optional<Double> pretrained = notScratch.isEmpty()
        ? Optional.empty() : Optional.of(notScratch.doubleColumn("best_val_accuracy").get(0));
    if (best.method() == Method.SCRATCH && pretrained.isPresent()) {
      details.add(pretrained.get() < best.metrics().bestValAccuracy()
          ? "Training from scratch beat every run that started from the pretrained backbone: its features do "
              + "not suit these images, or the pretrained runs need other settings (learning rate, epochs)."
          : "Training from scratch matched the best pretrained run and was cheaper: on these images the "
              + "pretrained backbone adds no accuracy.");
    }
    if (scratch.isPresent() && best.method() != Method.SCRATCH) {
      double gain = best.metrics().bestValAccuracy() - scratch.get().getDouble("best_val_accuracy");
      String onTest = "";
      if (best.hasTest() && !scratch.get().isMissing("test_accuracy")) {
        double testGain = best.metrics().test().accuracy() - scratch.get().getDouble("test_accuracy");
        onTest = String.format(Locale.ROOT, "; on the test split %s against %s, %s", pct(scratch.get().getDouble("test_accuracy")),
            pct(best.metrics().test().accuracy()), points(testGain));
      }
      details.add(String.format(Locale.ROOT,
          "Training the same network from scratch reached %s on validation: starting from pretrained weights is worth %s there%s.",
          pct(scratch.get().getDouble("best_val_accuracy")), points(gain), onTest));
    }
    imbalance(t).ifPresent(details::add);
    details.add(advice(best, head, finetune, extract, t.headVsFinetune()));
    return new Verdict(headline, List.copyOf(details), paired);
  }

  /** "(95% interval 92.1–96.4%)" of a run's validation or test accuracy. */
  static String interval(LoadedRun run, boolean test) {
    ClassScores s = ClassScores.of(test ? run.metrics().test().confusion() : run.metrics().confusion());
    Wilson w = Wilson.of(s.correct(), s.total());
    return String.format(Locale.ROOT, "(95%% interval %.1f–%.1f%%)", 100 * w.low(), 100 * w.high());
  }

  /** What the figures are: unbiased test figures, or validation figures that also did the choosing. */
  private static String splitNote(ReportTables t) {
    if (t.hasTest()) {
      long without = t.runs().stream().filter(r -> !r.hasTest()).count();
      return "Every epoch and every run here was chosen on the validation split; the test split was used for "
          + "nothing but the test figures, so they are unbiased estimates of accuracy on new images, while "
          + "validation figures are optimistic, the more so the more settings were tried."
          + (without == 0 ? "" : " " + without + " run(s) have no test figures (trained before the test split "
              + "existed): retrain them to compare on test.");
    }
    return "There is no test split, so these are validation figures: the same validation images chose each run's "
        + "best epoch and the best run, which makes them optimistic, the more so the more settings a sweep tried. "
        + "Add a test/ folder or set data.test_fraction for an unbiased figure.";
  }

  private static String pairedSentence(PairedComparison c) {
    String outcome = switch (c.verdict()) {
      case PairedComparison.BETTER -> "the head is better than the finetune";
      case PairedComparison.WORSE -> "the head is worse than the finetune";
      default -> "there is no clear difference at this sample size between the head and the finetune";
    };
    return String.format(Locale.ROOT,
        "Best head against best finetune, paired on the %d %s images both classified (%s against %s): %s. "
            + "Verdict: %s.",
        c.images(), c.split(), pct(c.firstAccuracy()), pct(c.secondAccuracy()),
        c.evidence("the head", "the finetune"), outcome);
  }

  /**
   * A warning when the largest class has more than {@link #IMBALANCE_RATIO} times the images of the
   * smallest, counted on the best run's validation split (or its test split, when larger). Classes
   * without images in that split are not counted: they have no figures to hide.
   */
  static Optional<String> imbalance(ReportTables t) {
    if (t.best().isEmpty()) return Optional.empty();
    LoadedRun run = t.best().get();
    int[][] m = run.hasTest() && run.metrics().test().count() > run.metrics().valCount()
        ? run.metrics().test().confusion() : run.metrics().confusion();
    String split = m == run.metrics().confusion() ? "validation" : "test";
    int largest = -1;
    int smallest = -1;
    for (int c = 0; c < m.length; c++) {
      int n = rowSum(m, c);
      if (n == 0) continue;
      if (largest < 0 || n > rowSum(m, largest)) largest = c;
      if (smallest < 0 || n < rowSum(m, smallest)) smallest = c;
    }
    if (largest < 0) return Optional.empty();
    int big = rowSum(m, largest);
    int small = rowSum(m, smallest);
    if (big <= IMBALANCE_RATIO * small) return Optional.empty();
    List<String> classes = run.metrics().classes();
    return Optional.of(String.format(Locale.ROOT,
        "Warning: the classes are imbalanced: on the %s split '%s' has %d images, %s %d of '%s'. Plain "
            + "accuracy hides how the small classes fare: read balanced accuracy, macro-F1 and per-class recall, "
            + "and consider train.class_weights: balanced (finetune.class_weights) and train.select_by: "
            + "balanced_accuracy.",
        split, classes.get(largest), big, String.format(Locale.ROOT, "%.1f× the", (double) big / small),
        small, classes.get(smallest)));
  }

  private static int rowSum(int[][] m, int row) {
    int n = 0;
    for (int v : m[row]) n += v;
    return n;
  }

  private static String compare(String subject, Row run, Row finetune, double extraction) {
    double gap = run.getDouble("best_val_accuracy") - finetune.getDouble("best_val_accuracy");
    double ratio = run.getDouble("speedup_vs_finetune");
    StringBuilder s = new StringBuilder(String.format(Locale.ROOT,
        "%s is %s %s the best end-to-end finetune on validation (%s, %s) and took %s s against %s s: %s",
        subject, points(Math.abs(gap)), gap >= 0 ? "above" : "below", finetune.getString("run"),
        pct(finetune.getDouble("best_val_accuracy")), secs(run.getDouble("total_seconds")),
        secs(finetune.getDouble("wall_seconds")), times(ratio)));
    if (Method.HEAD.id().equals(run.getString("method")) && extraction > 0) {
      s.append(String.format(Locale.ROOT,
          " counting the one-time feature extraction (%s s), %s without it, since every head and sweep reuses the cached features.",
          secs(extraction), times(run.getDouble("speedup_vs_finetune_without_extraction"))));
    } else {
      s.append('.');
    }
    return s.toString();
  }

  private static String advice(LoadedRun best, Optional<Row> head, Optional<Row> finetune,
      Optional<ExtractInfo> extract, Optional<PairedComparison> paired) {
    int images = extract.map(ExtractInfo::trainImages).filter(n -> n > 0).orElse(best.metrics().trainCount());
    int classes = Math.max(1, best.metrics().classes().size());
    int perClass = images / classes;
    boolean small = perClass < SMALL_PER_CLASS;
    StringBuilder s = new StringBuilder(String.format(Locale.ROOT,
        "With %d training images in %d classes (about %d per class) this dataset is %s. ", images, classes,
        perClass, small ? "small" : "large"));
    s.append(small
        ? "The recipes advise, for a small dataset similar to the pretraining data, fixed features with a "
            + "linear classifier (finetuning overfits), and for a small dataset unlike it, a classifier on "
            + "earlier-layer features."
        : "The recipes advise, for a large dataset, finetuning the whole network, still started from "
            + "pretrained weights even when the data differ from the pretraining data.");
    if (head.isPresent() && finetune.isPresent()) {
      double lead = finetune.get().getDouble("best_val_accuracy") - head.get().getDouble("best_val_accuracy");
      // the paired test decides when there is one; the fixed margin only without predictions to pair
      boolean same = paired.map(p -> !p.verdict().equals(PairedComparison.WORSE)).orElse(lead <= SAME_ACCURACY);
      if (paired.isPresent() && paired.get().verdict().equals(PairedComparison.WORSE)) {
        lead = paired.get().secondAccuracy() - paired.get().firstAccuracy();
      }
      boolean headBetter = paired.map(p -> p.verdict().equals(PairedComparison.BETTER)).orElse(false);
      if (headBetter) {
        s.append(small
            ? " Here the head is more accurate than finetuning, which fits data close to the pretraining: keep the head."
            : " Here the head even beats finetuning, so it is the better and cheaper choice at this size.");
      } else if (same) {
        s.append(small
            ? " Here the head is as accurate as finetuning, which fits data close to the pretraining: keep the head."
            : " Here the head still matches finetuning, so it is the cheaper choice even at this size.");
      } else {
        s.append(String.format(Locale.ROOT, small
            ? " Here finetuning leads the head by %s, a sign that the images differ from the pretraining data: "
                + "try features from an earlier layer, or keep the finetune if its cost is acceptable."
            : " Here finetuning leads the head by %s, as the advice expects for a dataset of this size.",
            points(lead)));
      }
    }
    return s.toString();
  }

  private static Optional<Row> bestRow(ReportTables t, Method method) {
    Table rows = t.bestPerMethod().where(t.bestPerMethod().stringColumn("method").isEqualTo(method.id()));
    return rows.isEmpty() ? Optional.empty() : Optional.of(rows.row(0));
  }

  private static Row summaryRow(ReportTables t, String run) {
    Table rows = t.summary().where(t.summary().stringColumn("run").isEqualTo(run));
    return rows.row(0);
  }

  static String label(Method m) {
    return switch (m) {
      case HEAD -> "a classifier head on cached backbone features";
      case FINETUNE -> "end-to-end finetuning";
      case PARTIAL -> "partial finetuning (last blocks and head)";
      case SCRATCH -> "training from scratch";
    };
  }

  static String pct(double accuracy) {
    return String.format(Locale.ROOT, "%.1f%%", 100 * accuracy);
  }

  static String points(double delta) {
    return String.format(Locale.ROOT, "%.1f percentage points", 100 * delta);
  }

  static String secs(double s) {
    return String.format(Locale.ROOT, s < 10 ? "%.2f" : "%.0f", s);
  }

  static String times(double ratio) {
    if (!Double.isFinite(ratio)) return "no time ratio";
    return ratio >= 1
        ? String.format(Locale.ROOT, "%.1f× faster", ratio)
        : String.format(Locale.ROOT, "%.1f× slower", 1 / ratio);
  }
}
