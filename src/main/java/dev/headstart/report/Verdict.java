package dev.headstart.report;

import dev.headstart.runs.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import tech.tablesaw.api.Row;
import tech.tablesaw.api.Table;

/**
 * The plain-language answer at the top of the page: which method won here, by how much, at what
 * cost, and what the recipes' "when to use which" advice says for a dataset of this size.
 *
 * @param headline one sentence: the winner
 * @param details the comparison, the pretraining effect and the advice, a sentence group each
 */
public record Verdict(String headline, List<String> details) {

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
    String headline = String.format(Locale.ROOT, "Best here: %s (run %s), %s validation accuracy at epoch %d.",
        label(best.method()), best.name(), pct(best.metrics().bestValAccuracy()), best.metrics().bestEpoch());

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
      details.add(String.format(Locale.ROOT,
          "Training the same network from scratch reached %s: starting from pretrained weights is worth %s here.",
          pct(scratch.get().getDouble("best_val_accuracy")), points(gain)));
    }
    details.add(advice(best, head, finetune, extract));
    return new Verdict(headline, List.copyOf(details));
  }

  private static String compare(String subject, Row run, Row finetune, double extraction) {
    double gap = run.getDouble("best_val_accuracy") - finetune.getDouble("best_val_accuracy");
    double ratio = run.getDouble("speedup_vs_finetune");
    StringBuilder s = new StringBuilder(String.format(Locale.ROOT,
        "%s is %s %s the best end-to-end finetune (%s, %s) and took %s s against %s s: %s",
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
      Optional<ExtractInfo> extract) {
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
      if (lead <= SAME_ACCURACY) {
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
