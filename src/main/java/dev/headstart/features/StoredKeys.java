package dev.headstart.features;

import dev.headstart.config.ExtractConfig;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The keys a fingerprint folder already holds: content hash -> a bit per view stored. Read
 * from the key columns only (the features column is not decoded), so looking up a million
 * images costs seconds, not a re-read of the features.
 */
public final class StoredKeys {
  private final Map<String, Long> views;
  private final long rows;

  private StoredKeys(Map<String, Long> views, long rows) {
    this.views = views;
    this.rows = rows;
  }

  public static StoredKeys read(Path store, String fingerprint, Configuration conf) throws IOException {
    FileSystem fs = HadoopFs.fileSystem(store, conf);
    Map<String, Long> views = new HashMap<>();
    long[] rows = {0};
    RowSink sink = new RowBuffer(0) {
      @Override
      void row(String hash, int view, float[][] values, int[] counts) {
        if (view >= 0 && view <= ExtractConfig.MAX_VIEWS) views.merge(hash, 1L << view, (a, b) -> a | b);
        rows[0]++;
      }
    };
    Path dir = FeatureStoreLayout.fingerprintDir(store, fingerprint);
    for (Path part : FeatureParts.live(fs, store, dir, conf)) FeatureParts.scan(part, conf, sink, fingerprint, List.of());
    return new StoredKeys(views, rows[0]);
  }

  public boolean has(String hash, int view) {
    Long mask = views.get(hash);
    return mask != null && (mask & (1L << view)) != 0;
  }

  /** Rows in the folder's parts (a row stored twice counts twice). */
  public long rows() {
    return rows;
  }

}
