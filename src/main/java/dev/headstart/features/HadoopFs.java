package dev.headstart.features;

import dev.headstart.io.Json;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The Hadoop side of the feature store: one Configuration, and the mapping from what a user
 * writes (a plain folder or any Hadoop URI such as hdfs:// or s3a://) to a Hadoop Path.
 */
public final class HadoopFs {
  static {
    // Hadoop warns on every start that HADOOP_HOME is unset and that it found no native library;
    // neither matters for reading and writing Parquet, so both stay quiet unless the user asks.
    if (System.getProperty("hadoop.home.dir") == null && System.getenv("HADOOP_HOME") == null) {
      System.setProperty("hadoop.home.dir", new File(System.getProperty("java.io.tmpdir")).getAbsolutePath());
    }
    quiet("org.apache.hadoop.util.NativeCodeLoader");
    quiet("org.apache.hadoop.util.Shell");
    quiet("org.apache.parquet.hadoop.InternalParquetRecordReader");
    quiet("org.apache.parquet.hadoop.InternalParquetRecordWriter");
    quiet("org.apache.hadoop.io.compress.CodecPool");
  }

  private static void quiet(String logger) {
    String key = "org.slf4j.simpleLogger.log." + logger;
    if (System.getProperty(key) == null) System.setProperty(key, "error");
  }

  private HadoopFs() {}

  /** A fresh configuration: standard three-level Parquet lists, no .crc side files on local disks. */
  public static Configuration configuration() {
    Configuration conf = new Configuration();
    conf.setBoolean("parquet.avro.write-old-list-structure", false);
    conf.setBoolean("parquet.avro.add-list-element-records", false);
    return conf;
  }

  /** A plain path becomes an absolute file: URI; anything with a scheme passes through. */
  public static Path toPath(String location) {
    if (location.matches("^[a-zA-Z][a-zA-Z0-9+.-]+:.*") && !location.matches("^[a-zA-Z]:\\\\.*")) {
      return new Path(URI.create(location));
    }
    return new Path(new File(location).getAbsoluteFile().toURI());
  }

  public static FileSystem fileSystem(Path path, Configuration conf) throws IOException {
    FileSystem fs = path.getFileSystem(conf);
    // the local file system otherwise writes a .crc file beside every part, which other readers list
    fs.setWriteChecksum(false);
    fs.setVerifyChecksum(false);
    return fs;
  }

  /**
   * Reads a JSON file through the FileSystem API into {@code type}; null when there is no such
   * file. Text that is not that JSON throws Gson's JsonParseException, for the caller to name.
   */
  public static <T> T readJson(Path file, Class<T> type, Configuration conf) throws IOException {
    String text;
    try (java.io.InputStream in = fileSystem(file, conf).open(file)) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (java.io.FileNotFoundException e) {
      return null;
    }
    return Json.GSON.fromJson(text, type);
  }

  /**
   * Writes value as JSON (and a newline) to file so that a reader never sees half of it: through
   * java.nio's atomic rename on a local disk, elsewhere a hidden temporary file renamed over it
   * (object stores and HDFS cannot rename over an existing file; the window is one call wide).
   */
  public static void writeJson(Path file, Object value, Configuration conf) throws IOException {
    if (isLocal(file)) {
      Json.writeFile(Paths.get(file.toUri()), value);
      return;
    }
    FileSystem fs = fileSystem(file, conf);
    fs.mkdirs(file.getParent());
    Path tmp = new Path(file.getParent(), "." + file.getName() + ".tmp");
    try (OutputStream out = fs.create(tmp, true)) {
      out.write((Json.write(value) + "\n").getBytes(StandardCharsets.UTF_8));
    }
    if (fs.exists(file)) fs.delete(file, false);
    if (!fs.rename(tmp, file)) throw new IOException("could not rename " + tmp + " to " + file);
  }

  /** True when the path is on the local disk, where java.nio can rename atomically. */
  public static boolean isLocal(Path path) {
    return "file".equals(path.toUri().getScheme());
  }
}
