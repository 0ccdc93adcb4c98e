package dev.headstart.runs;

import java.util.List;
import java.util.Map;

/**
 * metrics.json of a run, at its best epoch (by validation accuracy, as the seeds' train_model keeps,
 * or by the criterion train.select_by names).
 *
 * @param perClassAccuracy class name -> recall on the validation split at the best epoch
 * @param confusion rows = true class, columns = predicted class, counts on the validation split
 * @param setupSeconds one-time cost outside the epochs (loading, for finetune the model build)
 * @param selectBy what chose the best epoch, on the validation split: accuracy, balanced_accuracy
 *     or macro_f1 (null in runs written before it was recorded: accuracy)
 * @param test the held-out test split at the best epoch; null when there is no test split. It is
 *     never looked at to choose anything.
 */
public record RunMetrics(
    String name,
    String method,
    int bestEpoch,
    double bestValAccuracy,
    double bestValLoss,
    double finalTrainAccuracy,
    int epochs,
    double wallSeconds,
    double secondsPerEpoch,
    double setupSeconds,
    int trainCount,
    int valCount,
    List<String> classes,
    Map<String, Double> perClassAccuracy,
    int[][] confusion,
    String selectBy,
    TestMetrics test) {

  /** A run without a test split, chosen by validation accuracy. */
  public RunMetrics(String name, String method, int bestEpoch, double bestValAccuracy, double bestValLoss,
      double finalTrainAccuracy, int epochs, double wallSeconds, double secondsPerEpoch, double setupSeconds,
      int trainCount, int valCount, List<String> classes, Map<String, Double> perClassAccuracy, int[][] confusion) {
    this(name, method, bestEpoch, bestValAccuracy, bestValLoss, finalTrainAccuracy, epochs, wallSeconds,
        secondsPerEpoch, setupSeconds, trainCount, valCount, classes, perClassAccuracy, confusion, "accuracy", null);
  }

  /** The same run with its test split and selection criterion recorded. */
  public RunMetrics with(String criterion, TestMetrics testMetrics) {
    return new RunMetrics(name, method, bestEpoch, bestValAccuracy, bestValLoss, finalTrainAccuracy, epochs,
        wallSeconds, secondsPerEpoch, setupSeconds, trainCount, valCount, classes, perClassAccuracy, confusion,
        criterion, testMetrics);
  }

  /**
   * The test split at the selected epoch.
   *
   * @param perClassAccuracy class name -> recall on test
   * @param confusion rows = true class, columns = predicted class, counts on test
   */
  public record TestMetrics(int count, double accuracy, Map<String, Double> perClassAccuracy, int[][] confusion) {
    public static TestMetrics of(ClassificationMetrics m, int count) {
      return new TestMetrics(count, m.accuracy(), m.perClassAccuracy(), m.confusion());
    }
  }
}
