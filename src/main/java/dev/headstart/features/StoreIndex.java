package dev.headstart.features;

import dev.headstart.io.Hashing;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericData;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * {@code <store>/index.parquet}: the current listing, the only place labels and splits live.
 * Its id (a hash of every entry) is in its footer and in the manifest: a reader that finds them
 * different caught an extract between its two renames.
 */
public final class StoreIndex {
  static final String LISTING_KEY = "headstart.listing";

  private StoreIndex() {}

  /** The listing's id: equal for the same entries in the same order. */
  public static String listingId(List<IndexEntry> entries) {
    MessageDigest md = Hashing.sha256();
    for (IndexEntry e : entries) {
      md.update((e.path() + '\t' + e.split() + '\t' + e.label() + '\t' + e.labelName() + '\t' + e.contentHash() + '\n')
          .getBytes(StandardCharsets.UTF_8));
    }
    return HexFormat.of().formatHex(md.digest());
  }

  /** Writes the index; returns its listing id, what the manifest names. */
  public static String write(Path store, Configuration conf, List<IndexEntry> entries) throws IOException {
    String id = listingId(entries);
    Map<String, String> footer = new LinkedHashMap<>();
    footer.put(LISTING_KEY, id);
    ParquetTables.write(FeatureStoreLayout.index(store), FeatureSchema.INDEX, footer, conf, out -> {
      for (IndexEntry e : entries) {
        GenericData.Record r = new GenericData.Record(FeatureSchema.INDEX);
        r.put(FeatureSchema.PATH, e.path());
        r.put(FeatureSchema.SPLIT, e.split());
        r.put(FeatureSchema.LABEL, e.label());
        r.put(FeatureSchema.LABEL_NAME, e.labelName());
        r.put(FeatureSchema.CONTENT_HASH, e.contentHash());
        out.write(r);
      }
    });
    return id;
  }

  /** The index's entries in listing order; empty when the store has no index. */
  public static List<IndexEntry> read(Path store, Configuration conf) throws IOException {
    List<IndexEntry> entries = new ArrayList<>();
    ParquetTables.read(FeatureStoreLayout.index(store), conf, r -> entries.add(new IndexEntry(
        r.get(FeatureSchema.PATH).toString(), r.get(FeatureSchema.SPLIT).toString(),
        (Integer) r.get(FeatureSchema.LABEL), r.get(FeatureSchema.LABEL_NAME).toString(),
        r.get(FeatureSchema.CONTENT_HASH).toString())));
    return entries;
  }

  /** The listing id in the index's footer, or null when there is no index. */
  public static String storedListingId(Path store, Configuration conf) throws IOException {
    Path file = FeatureStoreLayout.index(store);
    if (!HadoopFs.fileSystem(file, conf).exists(file)) return null;
    return ParquetTables.footer(file, conf).get(LISTING_KEY);
  }
}
