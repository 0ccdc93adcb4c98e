package dev.headstart.runs;

import dev.headstart.config.SelectBy;

/**
 * The scores of one confusion matrix that a careful reader of an imbalanced dataset needs beside
 * plain accuracy, defined as scikit-learn defines them: recall and precision per class, balanced
 * accuracy (mean recall over the classes that have images), macro-F1 (mean F1 over the classes
 * that have images or are predicted, sklearn's default label set; a class never predicted has
 * precision 0, hence F1 0, as sklearn's zero_division=0).
 *
 * @param correct images on the diagonal
 * @param total all images counted
 * @param recall per class (index = label id), NaN for a class without images
 * @param precision per class, 0 when the class is never predicted
 * @param f1 per class, NaN for a class neither present nor predicted
 */
public record ClassScores(int correct, int total, double[] recall, double[] precision, double[] f1,
    double balancedAccuracy, double macroF1) {

  /** Rows = true class, columns = predicted class. */
  public static ClassScores of(int[][] confusion) {
    int k = confusion.length;
    int correct = 0;
    int total = 0;
    double[] recall = new double[k];
    double[] precision = new double[k];
    double[] f1 = new double[k];
    double recallSum = 0;
    double f1Sum = 0;
    int present = 0;
    int labelled = 0;
    for (int c = 0; c < k; c++) {
      int support = 0;
      int predicted = 0;
      for (int j = 0; j < k; j++) {
        support += confusion[c][j];
        predicted += confusion[j][c];
      }
      int tp = confusion[c][c];
      correct += tp;
      total += support;
      precision[c] = predicted == 0 ? 0 : (double) tp / predicted;
      // F1 = 2 tp / (2 tp + fp + fn): 0 (not 0/0) for a class predicted but never right
      f1[c] = support + predicted == 0 ? Double.NaN : 2.0 * tp / (support + predicted);
      if (!Double.isNaN(f1[c])) {
        f1Sum += f1[c];
        labelled++;
      }
      if (support == 0) {
        recall[c] = Double.NaN;
        continue;
      }
      recall[c] = (double) tp / support;
      recallSum += recall[c];
      present++;
    }
    return new ClassScores(correct, total, recall, precision, f1,
        present == 0 ? Double.NaN : recallSum / present, labelled == 0 ? Double.NaN : f1Sum / labelled);
  }

  /** Predictions against labels, for k classes. */
  public static ClassScores of(int[] labels, int[] predicted, int k) {
    int[][] confusion = new int[k][k];
    for (int i = 0; i < labels.length; i++) confusion[labels[i]][predicted[i]]++;
    return of(confusion);
  }

  public double accuracy() {
    return total == 0 ? Double.NaN : (double) correct / total;
  }

  /** The score that criterion names: what chooses the best epoch and ranks a sweep. */
  public double score(SelectBy criterion) {
    return switch (criterion) {
      case ACCURACY -> accuracy();
      case BALANCED_ACCURACY -> balancedAccuracy;
      case MACRO_F1 -> macroF1;
    };
  }
}
