package dev.headstart.features;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A store of the earlier layout: {@code <store>/<split>/part-NNNNN.parquet} with path, split and
 * label inside every row, and a manifest without a layout number. This headstart refuses to
 * read it or write beside it, and offers two ways on: re-extract it, or migrate its rows (their
 * content_hash, view and features carry over; the index is rebuilt from the folder).
 */
public final class LegacyStore {
  /** The state file of the earlier layout's resumable extract. */
  static final String LEGACY_STATE = "_extract_state.json";

  private LegacyStore() {}

  /** Whether the store holds parts or a manifest of the earlier layout. */
  public static boolean isLegacy(Path store, Configuration conf) throws IOException {
    FileSystem fs = HadoopFs.fileSystem(store, conf);
    if (!fs.exists(store)) return false;
    if (!FeatureStoreLayout.legacyParts(fs, store).isEmpty()) return true;
    Optional<Manifest> m = ManifestIO.readIfExists(store, conf);
    return m.isPresent() && m.get().layout() != FeatureStoreLayout.LAYOUT;
  }

  public static FeatureStoreException refusal(String location) {
    return new FeatureStoreException("feature store " + location + " was written by an earlier headstart"
        + " (parts per split, labels inside the rows); this headstart keys features by image content and"
        + " keeps labels in an index. Run ./extract --migrate to convert it without running the backbone"
        + " again (same backbone and preprocessing only), or ./extract --overwrite to re-extract it");
  }

  /** The earlier layout's manifest, if it has one. */
  public static Optional<Manifest> manifest(Path store, Configuration conf) throws IOException {
    return ManifestIO.readIfExists(store, conf).filter(m -> m.layout() != FeatureStoreLayout.LAYOUT);
  }

  /**
   * Copies every legacy row's (content_hash, view, features) into the fingerprint's folder, one
   * new part per old part, then removes the old parts. Killed half way, it is simply run again:
   * rows copied twice are read once.
   *
   * @return rows copied
   */
  public static long migrate(Path store, Configuration conf, String fingerprint, String runId) throws IOException {
    FileSystem fs = HadoopFs.fileSystem(store, conf);
    Path dir = FeatureStoreLayout.fingerprintDir(store, fingerprint);
    List<Path> parts = FeatureStoreLayout.legacyParts(fs, store);
    long rows = 0;
    int seq = 0;
    for (Path old : parts) {
      try (FeaturePartWriter w = FeaturePartWriter.open(
          new Path(dir, FeatureStoreLayout.partName(runId, seq++)), conf, fingerprint)) {
        long[] n = {0};
        IOException[] failure = {null};
        ParquetTables.read(old, conf, r -> {
          if (failure[0] != null) return;
          try {
            w.write(new StoredRow(r.get(FeatureSchema.CONTENT_HASH).toString(), (Integer) r.get(FeatureSchema.VIEW),
                floats(r)));
            n[0]++;
          } catch (IOException e) {
            failure[0] = e;
          }
        });
        if (failure[0] != null) throw failure[0];
        rows += n[0];
      }
    }
    remove(store, conf);
    return rows;
  }

  /** Deletes what the earlier layout wrote (parts, its state file, its manifest), nothing else. */
  public static void remove(Path store, Configuration conf) throws IOException {
    FileSystem fs = HadoopFs.fileSystem(store, conf);
    if (!fs.exists(store)) return;
    for (String split : FeatureStoreLayout.LEGACY_SPLITS) {
      Path dir = new Path(store, split);
      if (!fs.exists(dir)) continue;
      for (var f : fs.listStatus(dir)) {
        String name = f.getPath().getName();
        if (FeatureStoreLayout.isPart(name) || FeatureStoreLayout.isInProgress(name)) fs.delete(f.getPath(), false);
      }
      if (fs.listStatus(dir).length == 0) fs.delete(dir, false);
    }
    fs.delete(new Path(store, LEGACY_STATE), false);
    if (manifest(store, conf).isPresent()) fs.delete(FeatureStoreLayout.manifest(store), false);
  }

  static float[] floats(GenericRecord r) {
    return floats(r, FeatureSchema.FEATURES);
  }

  /** A list<float> column of an Avro record as a float[]. */
  static float[] floats(GenericRecord r, String column) {
    List<?> list = (List<?>) r.get(column);
    float[] f = new float[list.size()];
    for (int i = 0; i < f.length; i++) f[i] = ((Number) list.get(i)).floatValue();
    return f;
  }
}
