package dev.headstart.runs;

import java.util.Locale;

/** One line of history.csv: one split of one epoch. */
public record HistoryRow(int epoch, String split, double loss, double accuracy, double seconds) {
  public String toCsv() {
    return String.format(Locale.ROOT, "%d,%s,%.6f,%.6f,%.4f", epoch, split, loss, accuracy, seconds);
  }
}
