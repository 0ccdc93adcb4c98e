package dev.headstart.runs;

import java.util.List;
import java.util.Map;

/**
 * metrics.json of a run, at its best epoch (by validation accuracy, as the seeds' train_model keeps).
 *
 * @param perClassAccuracy class name -> recall on the validation split at the best epoch
 * @param confusion rows = true class, columns = predicted class, counts on the validation split
 * @param setupSeconds one-time cost outside the epochs (loading, for finetune the model build)
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
    int[][] confusion) {}
