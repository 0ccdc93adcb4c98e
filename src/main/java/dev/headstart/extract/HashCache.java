package dev.headstart.extract;

import dev.headstart.features.FeatureStoreLayout;
import dev.headstart.features.ParquetTables;
import java.io.IOException;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * {@code <store>/_hash_cache.parquet}: what extract learnt about each file of the last listing,
 * keyed by (path, size, modification time) as make and rsync do: its content hash, and why it
 * could not be decoded if it could not. An unchanged file is neither read nor decoded again. The
 * cache belongs to one data root; another root starts an empty one.
 */
final class HashCache {
  /** One file: what it looked like when hashed, its hash, and the decoder's verdict if it failed. */
  record Entry(String path, long size, long mtimeMillis, String contentHash, String skipReason, long skipMaxPixels) {
    boolean matches(long size, long mtimeMillis) {
      return this.size == size && this.mtimeMillis == mtimeMillis;
    }

    Entry withSkip(String reason, long maxPixels) {
      return new Entry(path, size, mtimeMillis, contentHash, reason, maxPixels);
    }
  }

  private static final String ROOT_KEY = "headstart.data_root";
  static final Schema SCHEMA = SchemaBuilder.record("HashCacheEntry").namespace("dev.headstart.extract")
      .fields()
      .requiredString("path")
      .requiredLong("size")
      .requiredLong("mtime_ms")
      .requiredString("content_hash")
      .optionalString("skip_reason")
      .requiredLong("skip_max_pixels")
      .endRecord();

  private final Map<String, Entry> entries;

  private HashCache(Map<String, Entry> entries) {
    this.entries = entries;
  }

  static HashCache empty() {
    return new HashCache(new HashMap<>());
  }

  /** The cache of {@code dataRoot}'s files; empty when the store has none or it is another root's. */
  static HashCache read(Path store, Configuration conf, String dataRoot) throws IOException {
    Path file = FeatureStoreLayout.hashCache(store);
    Map<String, Entry> entries = new HashMap<>();
    try {
      if (!file.getFileSystem(conf).exists(file)) return empty();
      if (!dataRoot.equals(ParquetTables.footer(file, conf).get(ROOT_KEY))) return empty();
      ParquetTables.read(file, conf, r -> {
        Object skip = r.get("skip_reason");
        Entry e = new Entry(r.get("path").toString(), (Long) r.get("size"), (Long) r.get("mtime_ms"),
            r.get("content_hash").toString(), skip == null ? null : skip.toString(), (Long) r.get("skip_max_pixels"));
        entries.put(e.path(), e);
      });
    } catch (IOException | RuntimeException e) {
      return empty(); // an unreadable cache costs one re-hash, never a wrong answer
    }
    return new HashCache(entries);
  }

  Entry get(String path) {
    return entries.get(path);
  }

  int size() {
    return entries.size();
  }

  static void write(Path store, Configuration conf, String dataRoot, Collection<Entry> entries) throws IOException {
    ParquetTables.write(FeatureStoreLayout.hashCache(store), SCHEMA, Map.of(ROOT_KEY, dataRoot), conf, out -> {
      for (Entry e : entries) {
        GenericData.Record r = new GenericData.Record(SCHEMA);
        r.put("path", e.path());
        r.put("size", e.size());
        r.put("mtime_ms", e.mtimeMillis());
        r.put("content_hash", e.contentHash());
        r.put("skip_reason", e.skipReason());
        r.put("skip_max_pixels", e.skipMaxPixels());
        out.write(r);
      }
    });
  }
}
