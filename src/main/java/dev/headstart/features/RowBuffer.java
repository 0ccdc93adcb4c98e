package dev.headstart.features;

import java.util.Arrays;

/**
 * A {@link RowSink} that gathers one row (hash, view, its floats when they are decoded) and hands
 * it on whole: what every reader of parts needs before it can decide what the row is for.
 */
abstract class RowBuffer implements RowSink {
  private String hash;
  private int view;
  private float[] values = new float[64];
  private int count;

  /** One decoded row; {@code values[0, count)} are its features, valid until the next row. */
  abstract void row(String hash, int view, float[] values, int count);

  @Override
  public void startRow() {
    hash = null;
    view = 0;
    count = 0;
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
  public void addFloat(float value) {
    if (count == values.length) values = Arrays.copyOf(values, count * 2);
    values[count++] = value;
  }

  @Override
  public void endRow() {
    row(hash, view, values, count);
  }
}
