package dev.headstart.features;

import java.util.Arrays;

/**
 * A {@link RowSink} that gathers one row (hash, view, the floats of each feature column asked
 * for, when they are decoded) and hands it on whole: what every reader of parts needs before it
 * can decide what the row is for.
 */
abstract class RowBuffer implements RowSink {
  private String hash;
  private int view;
  private final float[][] values;
  private final int[] counts;

  /** A buffer for rows of one feature column (or of keys only, where no float arrives). */
  RowBuffer() {
    this(1);
  }

  /** A buffer for rows of {@code columns} feature columns (a backbone's taps). */
  RowBuffer(int columns) {
    values = new float[columns][64];
    counts = new int[columns];
  }

  /**
   * One decoded row; {@code values[c][0, counts[c])} are the features of the c-th column asked
   * for, valid until the next row.
   */
  abstract void row(String hash, int view, float[][] values, int[] counts);

  @Override
  public void startRow() {
    hash = null;
    view = 0;
    Arrays.fill(counts, 0);
  }

  @Override
  public void contentHash(String h) {
    hash = h;
  }

  @Override
  public void view(int v) {
    view = v;
  }

  @Override
  public void addFloat(int column, float value) {
    if (counts[column] == values[column].length) values[column] = Arrays.copyOf(values[column], counts[column] * 2);
    values[column][counts[column]++] = value;
  }

  @Override
  public void endRow() {
    row(hash, view, values, counts);
  }
}
