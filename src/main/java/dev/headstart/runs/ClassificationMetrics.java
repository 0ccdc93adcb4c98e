package dev.headstart.runs;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Accuracy, confusion matrix and per-class accuracy of predictions against labels. */
public record ClassificationMetrics(double accuracy, int[][] confusion, Map<String, Double> perClassAccuracy) {

  public static ClassificationMetrics of(int[] labels, int[] predicted, List<String> classes) {
    if (labels.length != predicted.length) {
      throw new IllegalArgumentException("labels and predictions differ in length");
    }
    int k = classes.size();
    int[][] confusion = new int[k][k];
    int correct = 0;
    for (int i = 0; i < labels.length; i++) {
      confusion[labels[i]][predicted[i]]++;
      if (labels[i] == predicted[i]) correct++;
    }
    Map<String, Double> perClass = new LinkedHashMap<>();
    for (int c = 0; c < k; c++) {
      int total = 0;
      for (int p = 0; p < k; p++) total += confusion[c][p];
      perClass.put(classes.get(c), total == 0 ? Double.NaN : (double) confusion[c][c] / total);
    }
    double acc = labels.length == 0 ? Double.NaN : (double) correct / labels.length;
    return new ClassificationMetrics(acc, confusion, perClass);
  }
}
