package dev.headstart.features;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.hadoop.util.HadoopOutputFile;

/**
 * The store's small tables (the index, the hash cache) as single Parquet files: written whole
 * under a hidden name and renamed over the old file, so a reader sees the old table or the new.
 */
public final class ParquetTables {
  private ParquetTables() {}

  /** Something that writes the table's records, one call each. */
  public interface Rows {
    void writeTo(RecordWriter out) throws IOException;
  }

  /** Takes one record of the table. */
  public interface RecordWriter {
    void write(GenericRecord record) throws IOException;
  }

  public static void write(Path file, Schema schema, Map<String, String> footer, Configuration conf, Rows rows)
      throws IOException {
    FileSystem fs = HadoopFs.fileSystem(file, conf);
    fs.mkdirs(file.getParent());
    Path tmp = new Path(file.getParent(), "." + file.getName() + ".inprogress");
    try (ParquetWriter<GenericRecord> w = AvroParquetWriter.<GenericRecord>builder(HadoopOutputFile.fromPath(tmp, conf))
        .withSchema(schema).withConf(conf).withDataModel(GenericData.get())
        .withCompressionCodec(FeaturePartWriter.codec()).withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
        .withExtraMetaData(footer).build()) {
      rows.writeTo(w::write);
    } catch (IOException | RuntimeException e) {
      fs.delete(tmp, false);
      throw e;
    }
    FeaturePartWriter.publish(fs, tmp, file);
  }

  /** Every record of the table; false when the file does not exist. */
  public static boolean read(Path file, Configuration conf, Consumer<GenericRecord> each) throws IOException {
    FileSystem fs = HadoopFs.fileSystem(file, conf);
    if (!fs.exists(file)) return false;
    try (ParquetReader<GenericRecord> reader = AvroParquetReader.<GenericRecord>builder(HadoopInputFile.fromPath(file, conf))
        // the schema's full name is a record of this project, which Avro would try to load as a
        // generated class: read generic records instead
        .withDataModel(GenericData.get()).withConf(conf).build()) {
      GenericRecord r;
      while ((r = reader.read()) != null) each.accept(r);
    } catch (FileNotFoundException e) {
      return false;
    }
    return true;
  }

  /** The key-value footer of a Parquet file. */
  public static Map<String, String> footer(Path file, Configuration conf) throws IOException {
    try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(file, conf))) {
      return r.getFooter().getFileMetaData().getKeyValueMetaData();
    }
  }
}
