package dev.headstart.features;

import java.util.Locale;
import org.apache.hadoop.fs.Path;

/**
 * Where things live in a feature store: {@code <store>/manifest.json} and
 * {@code <store>/<split>/part-<NNNNN>.parquet}. Parts being written carry a leading dot, which
 * Hadoop, Spark and DuckDB globs all skip, so a reader never sees half a part.
 */
public final class FeatureStoreLayout {
  public static final String PART_PREFIX = "part-";
  public static final String PART_SUFFIX = ".parquet";

  private FeatureStoreLayout() {}

  public static Path manifest(Path store) {
    return new Path(store, Manifest.FILE_NAME);
  }

  public static Path splitDir(Path store, String split) {
    return new Path(store, split);
  }

  public static String partName(int index) {
    return String.format(Locale.ROOT, "%s%05d%s", PART_PREFIX, index, PART_SUFFIX);
  }

  public static Path part(Path store, String split, int index) {
    return new Path(splitDir(store, split), partName(index));
  }

  /** The hidden name a part has while it is written. */
  public static Path inProgress(Path part) {
    return new Path(part.getParent(), "." + part.getName() + ".inprogress");
  }

  public static boolean isPart(String fileName) {
    return fileName.startsWith(PART_PREFIX) && fileName.endsWith(PART_SUFFIX);
  }
}
