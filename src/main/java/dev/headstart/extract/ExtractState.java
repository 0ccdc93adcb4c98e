package dev.headstart.extract;

import com.google.gson.reflect.TypeToken;
import dev.headstart.features.HadoopFs;
import dev.headstart.features.Manifest.SkippedFile;
import dev.headstart.io.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * {@code <store>/_extract_state.json}: which parts an extract has finished, so that a killed
 * extract resumes without rerunning their images. Updated after every part is renamed into
 * place. The leading underscore keeps Spark, pyarrow and DuckDB directory reads away from it.
 *
 * @param fingerprint the features fingerprint the parts were made with
 * @param inputsHash the plan's inputs hash when the extract last completed ("" while running)
 * @param parts "split/index" of each finished part -> what it holds
 */
record ExtractState(String fingerprint, String inputsHash, Map<String, PartRecord> parts) {
  static final String FILE_NAME = "_extract_state.json";

  /** A finished part: the chunk key it was made for, its counts and the images it skipped. */
  record PartRecord(String chunkKey, int images, int rows, List<SkippedFile> skipped, double seconds) {}

  static String partKey(String split, int index) {
    return split + "/" + index;
  }

  static ExtractState empty(String fingerprint) {
    return new ExtractState(fingerprint, "", new TreeMap<>());
  }

  static ExtractState read(Path store, Configuration conf) throws IOException {
    Path file = new Path(store, FILE_NAME);
    FileSystem fs = HadoopFs.fileSystem(file, conf);
    if (!fs.exists(file)) return null;
    try (InputStream in = fs.open(file)) {
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      ExtractState s = Json.GSON.fromJson(text, new TypeToken<ExtractState>() {}.getType());
      if (s == null || s.parts() == null) return null;
      return new ExtractState(s.fingerprint(), s.inputsHash() == null ? "" : s.inputsHash(), new TreeMap<>(s.parts()));
    } catch (RuntimeException e) {
      return null; // unreadable state: the parts are redone, nothing is lost
    }
  }

  void write(Path store, Configuration conf) throws IOException {
    HadoopFs.writeJson(new Path(store, FILE_NAME), this, conf);
  }

  ExtractState withInputsHash(String hash) {
    return new ExtractState(fingerprint, hash, parts);
  }
}
