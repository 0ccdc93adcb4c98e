package dev.headstart.extract;

import dev.headstart.features.HadoopFs;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;

/**
 * The files of an image folder, by their path relative to its root (forward slashes): on the
 * local disk, or on any Hadoop file system (hdfs:, s3a:, ...), so the same listing and the same
 * decoding serve a laptop's folder and a cluster's bucket. Hidden names (a leading dot) are
 * never listed.
 */
public interface ImageFiles {
  /** Size in bytes and modification time in milliseconds. */
  record Stat(long size, long mtimeMillis) {}

  /** The root as the user named it. */
  String location();

  boolean isFolder(String rel);

  /** Names of the folders directly in rel, sorted. */
  List<String> subfolders(String rel);

  /** Names of the plain files directly in rel, sorted. */
  List<String> files(String rel);

  /** Every plain file under rel at any depth, as paths relative to the root, sorted. */
  List<String> walk(String rel);

  Stat stat(String rel) throws IOException;

  InputStream open(String rel) throws IOException;

  byte[] read(String rel) throws IOException;

  /** The file on the local disk, or null on another file system. */
  Path local(String rel);

  /** A plain path on the local disk; a URI (file:, hdfs:, s3a:, ...) through Hadoop's FileSystem. */
  static ImageFiles of(String location) {
    if (location.matches("^[a-zA-Z][a-zA-Z0-9+.-]+:.*") && !location.matches("^[a-zA-Z]:\\\\.*")) {
      return new HadoopImageFiles(location, HadoopFs.toPath(location));
    }
    return new LocalImageFiles(Path.of(location));
  }

  static ImageFiles local(Path root) {
    return new LocalImageFiles(root);
  }

  /** rel joined to a child name. */
  static String child(String rel, String name) {
    return rel.isEmpty() ? name : rel + "/" + name;
  }
}
