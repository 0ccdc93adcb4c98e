package dev.headstart.features;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Where things live in a feature store:
 *
 * <pre>
 * manifest.json                          provenance of the current listing's features
 * index.parquet                          the current listing: path -> content_hash, split, label, label_name
 * rows/fingerprint=&lt;fp&gt;/part-*.parquet    feature rows keyed by (content_hash, view), one folder per
 *                                        backbone + preprocessing fingerprint
 * rows/fingerprint=&lt;fp&gt;/_fingerprint.json what made that folder's rows
 * _hash_cache.parquet                    (path, size, mtime) -> content hash, so unchanged files are not read again
 * _compaction.json                       only while a compaction swaps parts
 * </pre>
 *
 * Parts being written carry a leading dot and files headstart keeps for itself a leading
 * underscore: Hadoop, Spark, pyarrow and DuckDB globs skip both, so a reader never sees half a
 * part. The {@code fingerprint=} folder names are Hive partitions: Spark and pyarrow read
 * {@code rows/} with a fingerprint column.
 */
public final class FeatureStoreLayout {
  /** The layout this headstart writes; manifests of the earlier per-split layout carry none. */
  public static final int LAYOUT = 2;
  public static final String PART_PREFIX = "part-";
  public static final String PART_SUFFIX = ".parquet";
  public static final String ROWS = "rows";
  public static final String FINGERPRINT_PREFIX = "fingerprint=";
  public static final String INDEX = "index.parquet";
  public static final String HASH_CACHE = "_hash_cache.parquet";
  public static final String FINGERPRINT_INFO = "_fingerprint.json";
  public static final String COMPACTION = "_compaction.json";
  /** Split folders of the earlier layout ({@code <store>/<split>/part-NNNNN.parquet}). */
  public static final List<String> LEGACY_SPLITS = List.of("train", "val", "test");

  private FeatureStoreLayout() {}

  public static Path manifest(Path store) {
    return new Path(store, Manifest.FILE_NAME);
  }

  public static Path index(Path store) {
    return new Path(store, INDEX);
  }

  public static Path hashCache(Path store) {
    return new Path(store, HASH_CACHE);
  }

  public static Path compactionJournal(Path store) {
    return new Path(store, COMPACTION);
  }

  public static Path rowsDir(Path store) {
    return new Path(store, ROWS);
  }

  /** The folder of one fingerprint's rows; its name carries the fingerprint's first 16 hex digits. */
  public static Path fingerprintDir(Path store, String fingerprint) {
    return new Path(rowsDir(store), dirName(fingerprint));
  }

  public static String dirName(String fingerprint) {
    return FINGERPRINT_PREFIX + fingerprint.substring(0, Math.min(16, fingerprint.length()));
  }

  public static Path fingerprintInfo(Path fingerprintDir) {
    return new Path(fingerprintDir, FINGERPRINT_INFO);
  }

  /** A part's name: the writing run's id (sortable by time) and its sequence number in that run. */
  public static String partName(String runId, int sequence) {
    return String.format(Locale.ROOT, "%s%s-%05d%s", PART_PREFIX, runId, sequence, PART_SUFFIX);
  }

  /** The hidden name a part has while it is written. */
  public static Path inProgress(Path part) {
    return new Path(part.getParent(), "." + part.getName() + ".inprogress");
  }

  public static boolean isPart(String fileName) {
    return fileName.startsWith(PART_PREFIX) && fileName.endsWith(PART_SUFFIX);
  }

  public static boolean isInProgress(String fileName) {
    return fileName.startsWith(".") && fileName.endsWith(".inprogress");
  }

  /** The finished parts in a folder, sorted by name (missing folder: none). */
  public static List<Path> parts(FileSystem fs, Path dir) throws IOException {
    if (!fs.exists(dir)) return List.of();
    FileStatus[] files = fs.listStatus(dir, p -> isPart(p.getName()));
    Arrays.sort(files, (a, b) -> a.getPath().getName().compareTo(b.getPath().getName()));
    List<Path> out = new ArrayList<>();
    for (FileStatus f : files) if (f.isFile()) out.add(f.getPath());
    return out;
  }

  /** Every fingerprint folder under rows/. */
  public static List<Path> fingerprintDirs(FileSystem fs, Path store) throws IOException {
    Path rows = rowsDir(store);
    if (!fs.exists(rows)) return List.of();
    List<Path> out = new ArrayList<>();
    for (FileStatus f : fs.listStatus(rows)) {
      if (f.isDirectory() && f.getPath().getName().startsWith(FINGERPRINT_PREFIX)) out.add(f.getPath());
    }
    out.sort(null);
    return out;
  }

  /** Parts of the earlier layout, {@code <store>/<split>/part-NNNNN.parquet}. */
  public static List<Path> legacyParts(FileSystem fs, Path store) throws IOException {
    List<Path> out = new ArrayList<>();
    for (String split : LEGACY_SPLITS) out.addAll(parts(fs, new Path(store, split)));
    return out;
  }
}
