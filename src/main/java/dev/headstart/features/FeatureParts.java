package dev.headstart.features;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.schema.Type;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.io.InputFile;

/** The parts of one fingerprint folder: which ones count, and decoding them into a {@link RowSink}. */
public final class FeatureParts {
  private FeatureParts() {}

  /**
   * The parts a reader uses: every finished part, except those a compaction has already
   * replaced (its journal names them and all its new parts are in place) but not yet deleted.
   */
  public static List<Path> live(FileSystem fs, Path store, Path fingerprintDir, Configuration conf) throws IOException {
    List<Path> parts = FeatureStoreLayout.parts(fs, fingerprintDir);
    CompactionJournal journal = CompactionJournal.read(store, conf);
    if (journal == null || !journal.fingerprintDir().equals(fingerprintDir.getName())) return parts;
    Set<String> present = new HashSet<>();
    for (Path p : parts) present.add(p.getName());
    if (!present.containsAll(journal.newParts())) return parts;
    List<Path> out = new ArrayList<>();
    for (Path p : parts) if (!journal.oldParts().contains(p.getName())) out.add(p);
    return out;
  }

  /**
   * Decodes every row of {@code part} into {@code sink}: the keys, and the feature columns named
   * (each float with its column's index in {@code featureColumns}; none: keys only).
   */
  static void scan(Path part, Configuration conf, RowSink sink, String fingerprint, List<String> featureColumns)
      throws IOException {
    try (ParquetReader<Boolean> reader = new PartReaderBuilder(HadoopInputFile.fromPath(part, conf),
        new FeatureReadSupport(sink, fingerprint, part.toString(), featureColumns)).withConf(conf).build()) {
      while (reader.read() != null) {
        // rows go to the sink
      }
    } catch (FileNotFoundException e) {
      throw new FeatureStoreException(part + " disappeared while reading: is an extract running?", e);
    } catch (RuntimeException e) {
      throw unwrap(e, part);
    }
  }

  /** The feature columns of a part, in its schema's order ({@code features} first). */
  static List<String> featureColumns(Path part, Configuration conf) throws IOException {
    try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(part, conf))) {
      List<String> out = new ArrayList<>();
      for (Type t : r.getFooter().getFileMetaData().getSchema().getFields()) {
        if (FeatureSchema.isFeatureColumn(t.getName())) out.add(t.getName());
      }
      return out;
    }
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
