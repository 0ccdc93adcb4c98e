package dev.headstart.features;

import com.google.gson.JsonParseException;
import java.io.IOException;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * {@code <store>/_compaction.json}: written once a compaction's new parts are complete (still
 * hidden) and before any of them is published, removed once the old parts are deleted. Whoever
 * finds it finishes the swap, so a kill at any point loses no row and, for headstart's readers,
 * shows none twice.
 *
 * @param fingerprintDir the folder name, {@code fingerprint=...}
 * @param oldParts the parts being replaced
 * @param newParts the parts replacing them (their rows: every live row of the old ones)
 */
public record CompactionJournal(String fingerprintDir, List<String> oldParts, List<String> newParts) {
  public static CompactionJournal read(Path store, Configuration conf) throws IOException {
    Path file = FeatureStoreLayout.compactionJournal(store);
    try {
      CompactionJournal j = HadoopFs.readJson(file, CompactionJournal.class, conf);
      if (j != null && (j.oldParts() == null || j.newParts() == null || j.fingerprintDir() == null)) {
        throw new JsonParseException("fields missing");
      }
      return j;
    } catch (JsonParseException e) {
      throw new FeatureStoreException(file + " is not a compaction journal headstart can read (" + e.getMessage()
          + "); if no extract is running, delete it and rerun ./extract", e);
    }
  }

  void write(Path store, Configuration conf) throws IOException {
    HadoopFs.writeJson(FeatureStoreLayout.compactionJournal(store), this, conf);
  }

  static void delete(Path store, Configuration conf) throws IOException {
    Path file = FeatureStoreLayout.compactionJournal(store);
    HadoopFs.fileSystem(file, conf).delete(file, false);
  }
}
