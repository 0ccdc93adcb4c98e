package dev.headstart.head;

import dev.headstart.config.TrainConfig;
import dev.headstart.runs.HistoryRow;
import java.util.List;

/**
 * What one head training produced: its history, the best epoch (by validation accuracy, the
 * seeds' rule) and that epoch's parameters and validation predictions.
 *
 * @param bestParameters the best epoch's parameters in DJL's saveParameters format
 * @param valPredicted predicted class of every validation row with the best parameters
 * @param valProbability softmax probability of that prediction
 * @param seconds this head's own time (setup, steps with its share of the batch gathers, validation)
 * @param stoppedEarly true when patience ran out before the last epoch
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
    boolean stoppedEarly) {

  public double secondsPerEpoch() {
    return epochsRun == 0 ? 0 : seconds / epochsRun;
  }
}
