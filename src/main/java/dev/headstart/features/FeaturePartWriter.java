package dev.headstart.features;

import java.io.IOException;
import java.util.List;
import java.util.Map;
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
 * Writes feature rows to ONE Parquet part, {@code <store>/<split>/part-<NNNNN>.parquet}, through
 * the Hadoop FileSystem API. The part is written under a hidden temporary name and renamed
 * when {@link #close} completes, so an interrupted write never leaves a part that looks whole;
 * {@link #abort} drops the temporary file instead.
 */
public final class FeaturePartWriter implements AutoCloseable {
  private final FileSystem fs;
  private final Path finalPath;
  private final Path tmpPath;
  private final ParquetWriter<GenericRecord> writer;
  private int dim = -1;
  private long rows;
  private boolean closed;

  private FeaturePartWriter(FileSystem fs, Path finalPath, Path tmpPath, ParquetWriter<GenericRecord> writer) {
    this.fs = fs;
    this.finalPath = finalPath;
    this.tmpPath = tmpPath;
    this.writer = writer;
  }

  /** Opens part {@code index} of {@code split} in the store at {@code storeLocation} (a folder or Hadoop URI). */
  public static FeaturePartWriter open(String storeLocation, String split, int index) throws IOException {
    return open(HadoopFs.toPath(storeLocation), split, index, HadoopFs.configuration(), null);
  }

  /**
   * Like {@link #open(String, String, int)}, and stamps the part's footer with the store's
   * fingerprint (Manifest.fingerprint), so the train stage can tell a part made by another
   * backbone, preprocessing or class list from the rest of the store.
   */
  public static FeaturePartWriter open(String storeLocation, String split, int index, String fingerprint)
      throws IOException {
    return open(HadoopFs.toPath(storeLocation), split, index, HadoopFs.configuration(), fingerprint);
  }

  public static FeaturePartWriter open(Path store, String split, int index, Configuration conf, String fingerprint)
      throws IOException {
    Path part = FeatureStoreLayout.part(store, split, index);
    Path tmp = FeatureStoreLayout.inProgress(part);
    FileSystem fs = HadoopFs.fileSystem(part, conf);
    fs.mkdirs(part.getParent());
    ParquetWriter<GenericRecord> writer = AvroParquetWriter.<GenericRecord>builder(HadoopOutputFile.fromPath(tmp, conf))
        .withSchema(FeatureSchema.SCHEMA)
        .withConf(conf)
        .withDataModel(GenericData.get())
        .withCompressionCodec(codec())
        .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
        // one feature vector is a few KB; dictionaries only help the repeated string columns
        .withDictionaryEncoding(FeatureSchema.FEATURES + ".list.element", false)
        .withExtraMetaData(fingerprint == null ? Map.of() : Map.of(FeatureReadSupport.FINGERPRINT_KEY, fingerprint))
        .build();
    return new FeaturePartWriter(fs, part, tmp, writer);
  }

  /** ZSTD (smaller parts, fast to decode) when its native library loads here, else Snappy. */
  static CompressionCodecName codec() {
    return ZstdAvailability.AVAILABLE ? CompressionCodecName.ZSTD : CompressionCodecName.SNAPPY;
  }

  public void write(FeatureRow row) throws IOException {
    if (closed) throw new IllegalStateException("part " + finalPath + " is already closed");
    if (dim < 0) dim = row.features().length;
    if (row.features().length != dim) {
      throw new IllegalArgumentException("row " + row.path() + " has " + row.features().length
          + " features, the part's other rows have " + dim);
    }
    GenericData.Record r = new GenericData.Record(FeatureSchema.SCHEMA);
    r.put(FeatureSchema.PATH, row.path());
    r.put(FeatureSchema.SPLIT, row.split());
    r.put(FeatureSchema.LABEL, row.label());
    r.put(FeatureSchema.LABEL_NAME, row.labelName());
    r.put(FeatureSchema.VIEW, row.view());
    r.put(FeatureSchema.CONTENT_HASH, row.contentHash());
    r.put(FeatureSchema.FEATURES, new FloatList(row.features()));
    writer.write(r);
    rows++;
  }

  public void writeAll(List<FeatureRow> batch) throws IOException {
    for (FeatureRow row : batch) write(row);
  }

  public long rows() {
    return rows;
  }

  /** The part's final location (it exists only after {@link #close}). */
  public Path path() {
    return finalPath;
  }

  /** Finishes the file and renames it to its final name, replacing an older part of that name. */
  @Override
  public void close() throws IOException {
    if (closed) return;
    closed = true;
    writer.close();
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
