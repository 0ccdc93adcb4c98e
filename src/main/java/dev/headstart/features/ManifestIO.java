package dev.headstart.features;

import com.google.gson.JsonParseException;
import dev.headstart.io.Json;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Reads and writes {@code <store>/manifest.json} through the Hadoop FileSystem API, so the
 * manifest lives wherever the parts do. Writes go to a temporary name and are renamed into
 * place (atomically on a local disk), so a reader sees the old manifest or the new one.
 */
public final class ManifestIO {
  private ManifestIO() {}

  public static void write(String storeLocation, Manifest manifest) throws IOException {
    write(HadoopFs.toPath(storeLocation), manifest, HadoopFs.configuration());
  }

  public static void write(Path store, Manifest manifest, Configuration conf) throws IOException {
    HadoopFs.writeJson(FeatureStoreLayout.manifest(store), manifest, conf);
  }

  /** The store's manifest, or empty when the store has none yet. */
  public static Optional<Manifest> readIfExists(String storeLocation) throws IOException {
    return readIfExists(HadoopFs.toPath(storeLocation), HadoopFs.configuration());
  }

  public static Optional<Manifest> readIfExists(Path store, Configuration conf) throws IOException {
    Path file = FeatureStoreLayout.manifest(store);
    FileSystem fs = HadoopFs.fileSystem(file, conf);
    String text;
    try (InputStream in = fs.open(file)) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (FileNotFoundException e) {
      return Optional.empty();
    }
    try {
      Manifest m = Json.GSON.fromJson(text, Manifest.class);
      if (m == null) throw new IOException(file + " is empty; rerun ./extract to rewrite it");
      return Optional.of(m);
    } catch (JsonParseException e) {
      throw new IOException(file + " is not a valid feature-store manifest (" + e.getMessage()
          + "); rerun ./extract to rewrite it", e);
    }
  }

  /** The store's manifest; a clear error when it has none. */
  public static Manifest read(String storeLocation) throws IOException {
    return readIfExists(storeLocation).orElseThrow(() -> new FileNotFoundException(
        "no " + Manifest.FILE_NAME + " in feature store " + storeLocation
            + ": run ./extract first (or point train.features at a folder that extract wrote)"));
  }
}
