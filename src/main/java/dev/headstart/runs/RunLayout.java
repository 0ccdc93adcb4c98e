package dev.headstart.runs;

/**
 * The files every training run writes, whatever trained it (head, finetune, partial, scratch).
 * The report reads only these, so it never needs to know how a run was trained. A run folder
 * without metrics.json is half-written: RunWriter writes it last, inside a temporary folder that
 * is renamed into place.
 */
public final class RunLayout {
  /** The resolved hyperparameters and provenance: a {@link RunConfig}. */
  public static final String CONFIG = "config.json";
  /** epoch,split,loss,accuracy,seconds (split = train | val): {@link HistoryRow}. */
  public static final String HISTORY = "history.csv";
  /**
   * best epoch, accuracies, per-class accuracy, confusion matrix, wall time, and the test split's
   * accuracy, per-class accuracy and confusion matrix at that epoch: {@link RunMetrics}.
   */
  public static final String METRICS = "metrics.json";
  /** path,label,label_name,predicted,predicted_name,probability,correct on the validation split. */
  public static final String PREDICTIONS = "predictions.csv";
  /** The same columns on the test split at the best epoch; only when there is a test split. */
  public static final String PREDICTIONS_TEST = "predictions_test.csv";
  /** The best epoch's weights; the method decides the file name (see RunConfig.weights). */
  public static final String WEIGHTS_DIR = "weights";

  public static final String HISTORY_HEADER = "epoch,split,loss,accuracy,seconds";
  public static final String PREDICTIONS_HEADER =
      "path,label,label_name,predicted,predicted_name,probability,correct";

  private RunLayout() {}
}
