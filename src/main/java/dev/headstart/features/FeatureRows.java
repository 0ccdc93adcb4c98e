package dev.headstart.features;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;

/**
 * Reads parts back as {@link FeatureRow} objects through parquet-avro: convenient for small
 * inspections (one image's row, a test), slow for training (Avro boxes every float; the train
 * stage uses {@link FeatureStoreReader}).
 */
public final class FeatureRows {
  private FeatureRows() {}

  /** The finished parts of one split, in part-number order (hidden in-progress parts are skipped). */
  public static List<Path> parts(Path store, String split, Configuration conf) throws IOException {
    Path dir = FeatureStoreLayout.splitDir(store, split);
    FileSystem fs = HadoopFs.fileSystem(dir, conf);
    if (!fs.exists(dir)) return List.of();
    FileStatus[] files = fs.listStatus(dir, p -> FeatureStoreLayout.isPart(p.getName()));
    Arrays.sort(files, (a, b) -> a.getPath().getName().compareTo(b.getPath().getName()));
    List<Path> out = new ArrayList<>();
    for (FileStatus f : files) if (f.isFile()) out.add(f.getPath());
    return out;
  }

  public static List<FeatureRow> read(Path part, Configuration conf) throws IOException {
    List<FeatureRow> rows = new ArrayList<>();
    try (ParquetReader<GenericRecord> reader =
        AvroParquetReader.<GenericRecord>builder(HadoopInputFile.fromPath(part, conf))
        // the schema's full name is this project's FeatureRow record, which Avro would try to
        // instantiate as a generated class: read generic records instead
        .withDataModel(GenericData.get()).withConf(conf).build()) {
      GenericRecord r;
      while ((r = reader.read()) != null) rows.add(toRow(r));
    }
    return rows;
  }

  /** Every row of a split, all parts in order. */
  public static List<FeatureRow> readSplit(String storeLocation, String split) throws IOException {
    Configuration conf = HadoopFs.configuration();
    List<FeatureRow> rows = new ArrayList<>();
    for (Path p : parts(HadoopFs.toPath(storeLocation), split, conf)) rows.addAll(read(p, conf));
    return rows;
  }

  private static FeatureRow toRow(GenericRecord r) {
    List<?> list = (List<?>) r.get(FeatureSchema.FEATURES);
    float[] f = new float[list.size()];
    for (int i = 0; i < f.length; i++) f[i] = ((Number) list.get(i)).floatValue();
    return new FeatureRow(r.get(FeatureSchema.PATH).toString(), r.get(FeatureSchema.SPLIT).toString(),
        (Integer) r.get(FeatureSchema.LABEL), r.get(FeatureSchema.LABEL_NAME).toString(),
        (Integer) r.get(FeatureSchema.VIEW), r.get(FeatureSchema.CONTENT_HASH).toString(), f);
  }
}
