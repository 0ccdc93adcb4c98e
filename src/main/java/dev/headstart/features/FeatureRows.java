package dev.headstart.features;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Reads rows back as objects through parquet-avro: convenient for small inspections (one
 * image's rows, a test), slow for training (Avro boxes every float; the train stage uses
 * {@link FeatureStoreReader}).
 */
public final class FeatureRows {
  private FeatureRows() {}

  /** Every stored row of one part, with every tap column it has (in the part's order). */
  public static List<StoredRow> read(Path part, Configuration conf) throws IOException {
    List<StoredRow> rows = new ArrayList<>();
    ParquetTables.read(part, conf, r -> {
      List<float[]> taps = new ArrayList<>();
      for (org.apache.avro.Schema.Field f : r.getSchema().getFields()) {
        if (FeatureSchema.isFeatureColumn(f.name()) && !f.name().equals(FeatureSchema.FEATURES)) {
          taps.add(LegacyStore.floats(r, f.name()));
        }
      }
      rows.add(new StoredRow(r.get(FeatureSchema.CONTENT_HASH).toString(), (Integer) r.get(FeatureSchema.VIEW),
          LegacyStore.floats(r), taps.toArray(new float[0][])));
    });
    return rows;
  }

  /**
   * Every row of a split as the index joins it with the current fingerprint's features: in
   * index order, each image's views in order; a row stored twice is returned once.
   */
  public static List<FeatureRow> readSplit(String storeLocation, String split) throws IOException {
    Configuration conf = HadoopFs.configuration();
    Path store = HadoopFs.toPath(storeLocation);
    FeatureStoreReader reader = new FeatureStoreReader(storeLocation);
    Manifest manifest = reader.manifest();
    Map<String, TreeMap<Integer, float[]>> byHash = new HashMap<>();
    FileSystem fs = HadoopFs.fileSystem(store, conf);
    for (Path p : FeatureParts.live(fs, store, new Path(store, manifest.featuresDir()), conf)) {
      for (StoredRow r : read(p, conf)) {
        byHash.computeIfAbsent(r.contentHash(), k -> new TreeMap<>()).putIfAbsent(r.view(), r.features());
      }
    }
    List<FeatureRow> rows = new ArrayList<>();
    for (IndexEntry e : reader.index(manifest)) {
      if (!e.split().equals(split)) continue;
      TreeMap<Integer, float[]> views = byHash.getOrDefault(e.contentHash(), new TreeMap<>());
      for (Map.Entry<Integer, float[]> v : views.entrySet()) {
        if (v.getKey() > 0 && !split.equals("train")) continue;
        rows.add(new FeatureRow(e.path(), e.split(), e.label(), e.labelName(), v.getKey(), e.contentHash(), v.getValue()));
      }
    }
    return rows;
  }
}
