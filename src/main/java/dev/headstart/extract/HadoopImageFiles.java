package dev.headstart.extract;

import dev.headstart.features.HadoopFs;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/** An image folder on a Hadoop file system (hdfs:, s3a:, ...), read through its FileSystem API. */
final class HadoopImageFiles implements ImageFiles {
  private final String location;
  private final Path root;
  private final FileSystem fs;

  HadoopImageFiles(String location, Path root) {
    this.location = location;
    this.root = root;
    try {
      Configuration conf = HadoopFs.configuration();
      this.fs = HadoopFs.fileSystem(root, conf);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot reach " + location + ": " + e.getMessage(), e);
    }
  }

  @Override
  public String location() {
    return location;
  }

  @Override
  public boolean isFolder(String rel) {
    try {
      return fs.getFileStatus(resolve(rel)).isDirectory();
    } catch (FileNotFoundException e) {
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resolve(rel) + ": " + e.getMessage(), e);
    }
  }

  @Override
  public List<String> subfolders(String rel) {
    return list(rel, true);
  }

  @Override
  public List<String> files(String rel) {
    return list(rel, false);
  }

  private List<String> list(String rel, boolean folders) {
    try {
      FileStatus[] all = fs.listStatus(resolve(rel));
      return Arrays.stream(all).filter(s -> folders ? s.isDirectory() : s.isFile())
          .map(s -> s.getPath().getName()).filter(n -> !n.startsWith(".")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + resolve(rel) + ": " + e.getMessage(), e);
    }
  }

  @Override
  public List<String> walk(String rel) {
    List<String> out = new ArrayList<>();
    String base = fs.makeQualified(root).toUri().getPath();
    try {
      RemoteIterator<LocatedFileStatus> it = fs.listFiles(resolve(rel), true);
      while (it.hasNext()) {
        String path = it.next().getPath().toUri().getPath();
        String relative = path.substring(base.endsWith("/") ? base.length() : base.length() + 1);
        String below = rel.isEmpty() ? relative : relative.substring(Math.min(relative.length(), rel.length() + 1));
        boolean hidden = false;
        for (String part : below.split("/")) hidden |= part.startsWith(".");
        if (!hidden) out.add(relative);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + resolve(rel) + ": " + e.getMessage(), e);
    }
    out.sort(null);
    return out;
  }

  @Override
  public Stat stat(String rel) throws IOException {
    FileStatus s = fs.getFileStatus(resolve(rel));
    return new Stat(s.getLen(), s.getModificationTime());
  }

  @Override
  public InputStream open(String rel) throws IOException {
    return fs.open(resolve(rel));
  }

  @Override
  public byte[] read(String rel) throws IOException {
    try (InputStream in = open(rel)) {
      return in.readAllBytes();
    }
  }

  @Override
  public java.nio.file.Path local(String rel) {
    return null;
  }

  private Path resolve(String rel) {
    return rel.isEmpty() ? root : new Path(root, rel);
  }
}
