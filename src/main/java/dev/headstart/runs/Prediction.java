package dev.headstart.runs;

import java.util.Locale;

/** One image's prediction, a line of predictions.csv (validation) or predictions_test.csv. */
public record Prediction(
    String path, int label, String labelName, int predicted, String predictedName, double probability) {

  public boolean correct() {
    return label == predicted;
  }

  public String toCsv() {
    return String.join(",", Csv.quote(path), Integer.toString(label), Csv.quote(labelName),
        Integer.toString(predicted), Csv.quote(predictedName),
        String.format(Locale.ROOT, "%.6f", probability), Boolean.toString(correct()));
  }
}
