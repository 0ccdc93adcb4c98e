package dev.headstart.features;

/** Receives the rows of a feature part as Parquet decodes them, floats as primitives. */
interface RowSink {
  void startRow();

  void contentHash(String hash);

  void view(int view);

  void addFloat(float value);

  void endRow();
}
