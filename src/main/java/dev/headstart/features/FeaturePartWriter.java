package dev.headstart.features;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopOutputFile;

/**
 * Writes feature rows to ONE Parquet part of a fingerprint folder through the Hadoop FileSystem
 * API. The part is written under a hidden temporary name and renamed when {@link #close}
 * completes, so an interrupted write never leaves a part that looks whole; {@link #abort} drops
 * the temporary file instead. {@link #finish} without the rename lets a compaction publish its
 * parts only once a journal names them.
 */
public final class FeaturePartWriter implements AutoCloseable {
  private final FileSystem fs;
  private final Path finalPath;
  private final Path tmpPath;
  private final ParquetWriter<GenericRecord> writer;
  private final Schema schema;
  private final List<String> tapColumns;
  private int dim = -1;
  private long rows;
  private boolean closed;

  private FeaturePartWriter(FileSystem fs, Path finalPath, Path tmpPath, ParquetWriter<GenericRecord> writer,
      Schema schema, List<String> tapColumns) {
    this.schema = schema;
    this.tapColumns = tapColumns;
    this.fs = fs;
    this.finalPath = finalPath;
    this.tmpPath = tmpPath;
    this.writer = writer;
  }

  /**
   * Opens {@code part} (a path in a fingerprint folder) and stamps its footer with the
   * fingerprint, so a reader can tell a part copied into the wrong folder from the rest.
   */
  public static FeaturePartWriter open(Path part, Configuration conf, String fingerprint) throws IOException {
    return open(part, conf, fingerprint, null, List.of());
  }

  /**
   * As {@link #open(Path, Configuration, String)}, with a temporary name of this writer's own
   * ({@code attempt}): two attempts at the same part (a retried or speculative Spark task) never
   * write into one file; whichever finishes last renames its complete part into place.
   */
  public static FeaturePartWriter open(Path part, Configuration conf, String fingerprint, String attempt)
      throws IOException {
    return open(part, conf, fingerprint, attempt, List.of());
  }

  /**
   * As {@link #open(Path, Configuration, String, String)}, with a column per tap of the backbone
   * besides the default one ({@link FeatureSchema#row}).
   */
  public static FeaturePartWriter open(Path part, Configuration conf, String fingerprint, String attempt,
      List<String> tapColumns) throws IOException {
    Path tmp = attempt == null ? FeatureStoreLayout.inProgress(part)
        : new Path(part.getParent(), "." + part.getName() + "." + attempt + ".inprogress");
    Schema schema = FeatureSchema.row(tapColumns);
    FileSystem fs = HadoopFs.fileSystem(part, conf);
    fs.mkdirs(part.getParent());
    AvroParquetWriter.Builder<GenericRecord> builder = AvroParquetWriter.<GenericRecord>builder(HadoopOutputFile.fromPath(tmp, conf))
        .withSchema(schema)
        .withConf(conf)
        .withDataModel(GenericData.get())
        .withCompressionCodec(codec())
        .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
        // one feature vector is a few KB; dictionaries only help the hash column
        .withDictionaryEncoding(FeatureSchema.FEATURES + ".list.element", false)
        .withExtraMetaData(fingerprint == null ? Map.of() : Map.of(FeatureReadSupport.FINGERPRINT_KEY, fingerprint));
    for (String c : tapColumns) builder = builder.withDictionaryEncoding(c + ".list.element", false);
    ParquetWriter<GenericRecord> writer = builder.build();
    return new FeaturePartWriter(fs, part, tmp, writer, schema, List.copyOf(tapColumns));
  }

  /** ZSTD (smaller parts, fast to decode) when its native library loads here, else Snappy. */
  static CompressionCodecName codec() {
    return ZstdAvailability.AVAILABLE ? CompressionCodecName.ZSTD : CompressionCodecName.SNAPPY;
  }

  public void write(StoredRow row) throws IOException {
    if (closed) throw new IllegalStateException("part " + finalPath + " is already closed");
    if (dim < 0) dim = row.features().length;
    if (row.features().length != dim) {
      throw new IllegalArgumentException("row " + row.contentHash() + " view " + row.view() + " has "
          + row.features().length + " features, the part's other rows have " + dim);
    }
    if (row.taps().length != tapColumns.size()) {
      throw new IllegalArgumentException("row " + row.contentHash() + " view " + row.view() + " has "
          + row.taps().length + " tap(s) besides the default, the part has columns " + tapColumns);
    }
    GenericData.Record r = new GenericData.Record(schema);
    r.put(FeatureSchema.CONTENT_HASH, row.contentHash());
    r.put(FeatureSchema.VIEW, row.view());
    r.put(FeatureSchema.FEATURES, new FloatList(row.features()));
    for (int t = 0; t < tapColumns.size(); t++) r.put(tapColumns.get(t), new FloatList(row.taps()[t]));
    writer.write(r);
    rows++;
  }

  public void writeAll(List<StoredRow> batch) throws IOException {
    for (StoredRow row : batch) write(row);
  }

  public long rows() {
    return rows;
  }

  /** The part's final location (it exists only after {@link #close}). */
  public Path path() {
    return finalPath;
  }

  /** Finishes the file under its hidden name; {@link #publish} makes it visible. */
  public void finish() throws IOException {
    if (closed) return;
    closed = true;
    writer.close();
  }

  /** The hidden name the part has until it is published. */
  public Path temporaryPath() {
    return tmpPath;
  }

  /** Finishes the file and renames it to its final name, replacing an older part of that name. */
  @Override
  public void close() throws IOException {
    finish();
    publish(fs, tmpPath, finalPath);
  }

  /** Renames a finished hidden part to its final name. */
  public static void publish(FileSystem fs, Path tmpPath, Path finalPath) throws IOException {
    if (fs.exists(finalPath)) fs.delete(finalPath, false);
    if (!fs.rename(tmpPath, finalPath)) {
      throw new IOException("could not rename " + tmpPath + " to " + finalPath);
    }
  }

  /** Drops what was written: the temporary file is deleted and no part appears. */
  public void abort() throws IOException {
    if (closed) return;
    closed = true;
    try {
      writer.close();
    } finally {
      fs.delete(tmpPath, false);
    }
  }

  /** A float[] seen as the List<Float> Avro wants, without copying it first. */
  private static final class FloatList extends java.util.AbstractList<Float> {
    private final float[] values;

    FloatList(float[] values) {
      this.values = values;
    }

    @Override
    public Float get(int index) {
      return values[index];
    }

    @Override
    public int size() {
      return values.length;
    }
  }

  /** Whether zstd-jni's native library loads on this machine (checked once). */
  private static final class ZstdAvailability {
    static final boolean AVAILABLE = check();

    private static boolean check() {
      try {
        return com.github.luben.zstd.util.Native.isLoaded() || load();
      } catch (Throwable e) {
        return false;
      }
    }

    private static boolean load() {
      com.github.luben.zstd.util.Native.load();
      return true;
    }
  }
}
