package dev.headstart.features;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.io.InputFile;

/**
 * Loads whole splits of a feature store for training: every part of a split into one
 * contiguous float[] with parquet's low-level converters (no boxing), after checking the store
 * against its manifest. Every problem is reported before any training starts, naming the store,
 * split, part file or row and what to do about it.
 */
public final class FeatureStoreReader {
  private final String location;
  private final Path store;
  private final Configuration conf;

  public FeatureStoreReader(String location) {
    this.location = location;
    this.store = HadoopFs.toPath(location);
    this.conf = HadoopFs.configuration();
  }

  /**
   * Loads the required splits (each must have rows) and the optional ones that exist.
   *
   * @param useViews keep augmented views (view > 0) of the train split; other splits always keep view 0 only
   */
  public LoadedFeatures load(List<String> required, List<String> optional, boolean useViews) throws IOException {
    long t0 = System.nanoTime();
    Manifest manifest = manifest();
    Map<String, FeatureSplit> splits = new LinkedHashMap<>();
    for (String split : required) {
      FeatureSplit s = readSplit(manifest, split, useViews && split.equals("train"), FeatureRows.parts(store, split, conf));
      if (s.rows() == 0) {
        throw new FeatureStoreException("split '" + split + "' of feature store " + location + " has no rows: "
            + "put images under <data.root>/" + split + "/<class>/ and rerun ./extract");
      }
      splits.put(split, s);
    }
    for (String split : optional) {
      if (required.contains(split)) continue;
      List<Path> parts = FeatureRows.parts(store, split, conf);
      if (!parts.isEmpty()) splits.put(split, readSplit(manifest, split, false, parts));
    }
    return new LoadedFeatures(location, manifest, splits, (System.nanoTime() - t0) / 1e9);
  }

  /** The manifest, after checking the store exists and was written completely. */
  public Manifest manifest() throws IOException {
    FileSystem fs = HadoopFs.fileSystem(store, conf);
    if (!fs.exists(store)) {
      throw new FeatureStoreException("feature store " + location + " does not exist: run ./extract first,"
          + " or point train.features (--features) at the folder extract wrote");
    }
    Manifest m;
    try {
      m = ManifestIO.readIfExists(store, conf).orElse(null);
    } catch (IOException e) {
      throw new FeatureStoreException(e.getMessage(), e);
    }
    if (m == null) {
      boolean empty = fs.listStatus(store).length == 0;
      throw new FeatureStoreException("feature store " + location + (empty ? " is empty" : " has no "
          + Manifest.FILE_NAME) + ": run ./extract first, or point train.features (--features) at the"
          + " folder extract wrote");
    }
    if (!m.complete()) {
      throw new FeatureStoreException("feature store " + location + " is incomplete (its extract was"
          + " interrupted): rerun ./extract to finish it");
    }
    if (m.classes() == null || m.classes().isEmpty()) {
      throw new FeatureStoreException(location + "/" + Manifest.FILE_NAME + " lists no classes: rerun ./extract --overwrite");
    }
    if (m.featureDim() <= 0) {
      throw new FeatureStoreException(location + "/" + Manifest.FILE_NAME + " has feature_dim "
          + m.featureDim() + ": rerun ./extract --overwrite");
    }
    return m;
  }

  private FeatureSplit readSplit(Manifest manifest, String split, boolean keepViews, List<Path> parts)
      throws IOException {
    Manifest.SplitCounts counts = manifest.splits() == null ? null : manifest.splits().get(split);
    int expected = counts == null ? 0 : keepViews ? counts.rows() : counts.images();
    SplitCollector sink = new SplitCollector(split, manifest.classes(), manifest.featureDim(), keepViews, expected);
    for (Path part : parts) {
      sink.startFile(part.toString());
      try (ParquetReader<Boolean> reader = new PartReaderBuilder(HadoopInputFile.fromPath(part, conf),
          new FeatureReadSupport(sink, manifest.fingerprint(), part.toString())).withConf(conf).build()) {
        while (reader.read() != null) {
          // rows accumulate in the collector
        }
      } catch (FileNotFoundException e) {
        throw new FeatureStoreException(part + " disappeared while reading: is an extract running?", e);
      } catch (RuntimeException e) {
        throw unwrap(e, part);
      }
    }
    return sink.build();
  }

  /** Parquet wraps converter exceptions in its own; our message is the one the user needs. */
  private static RuntimeException unwrap(RuntimeException e, Path part) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof FeatureStoreException f) return f;
    }
    return new FeatureStoreException(part + " is not a readable Parquet feature part (" + e.getMessage()
        + "); delete it and rerun ./extract", e);
  }

  private static final class PartReaderBuilder extends ParquetReader.Builder<Boolean> {
    private final ReadSupport<Boolean> support;

    PartReaderBuilder(InputFile file, ReadSupport<Boolean> support) {
      super(file);
      this.support = support;
    }

    @Override
    protected ReadSupport<Boolean> getReadSupport() {
      return support;
    }
  }
}
