package dev.headstart.head;

import dev.headstart.config.TrainConfig;
import dev.headstart.runs.HistoryRow;
import java.util.List;

/**
 * What one head training produced: its history, the best epoch (by validation accuracy, the
 * seeds' rule, or by train.select_by) and that epoch's parameters and validation predictions, and
 * the test split's predictions with those parameters when there is a test split.
 *
 * @param bestParameters the best epoch's parameters in DJL's saveParameters format
 * @param valPredicted predicted class of every validation row with the best parameters
 * @param valProbability softmax probability of that prediction
 * @param seconds this head's own time (setup, steps with its share of the batch gathers, validation)
 * @param stoppedEarly true when patience ran out before the last epoch
 * @param bestScore the best epoch's validation score by the config's select_by (its accuracy by default)
 * @param testPredicted predicted class of every test row at the best epoch; null without a test split
 * @param testProbability softmax probability of that prediction; null without a test split
 */
public record TrainOutcome(
    TrainConfig config,
    HeadSpec spec,
    List<HistoryRow> history,
    int epochsRun,
    int bestEpoch,
    double bestValAccuracy,
    double bestValLoss,
    double finalTrainAccuracy,
    int[] valPredicted,
    float[] valProbability,
    byte[] bestParameters,
    double seconds,
    boolean stoppedEarly,
    double bestScore,
    int[] testPredicted,
    float[] testProbability) {

  /** Accuracy on the test split at the best epoch, NaN without a test split. */
  public double testAccuracy(int[] testLabels) {
    if (testPredicted == null || testPredicted.length == 0) return Double.NaN;
    int correct = 0;
    for (int i = 0; i < testPredicted.length; i++) if (testPredicted[i] == testLabels[i]) correct++;
    return (double) correct / testPredicted.length;
  }

  public double secondsPerEpoch() {
    return epochsRun == 0 ? 0 : seconds / epochsRun;
  }
}
