package dev.headstart.features;

/** Receives the rows of a feature part as Parquet decodes them, floats as primitives. */
interface RowSink {
  void startRow();

  void contentHash(String hash);

  void view(int view);

  /** One float of the row's feature column {@code column} (its index among the columns asked for). */
  void addFloat(int column, float value);

  void endRow();
}
