package dev.headstart.extract;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** An image folder on the local disk. */
final class LocalImageFiles implements ImageFiles {
  private final Path root;

  LocalImageFiles(Path root) {
    this.root = root;
  }

  @Override
  public String location() {
    return root.toString();
  }

  @Override
  public boolean isFolder(String rel) {
    return Files.isDirectory(resolve(rel));
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
    Path dir = resolve(rel);
    try (Stream<Path> list = Files.list(dir)) {
      return list.filter(p -> folders ? Files.isDirectory(p) : Files.isRegularFile(p))
          .map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
    }
  }

  @Override
  public List<String> walk(String rel) {
    Path dir = resolve(rel);
    List<String> out = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path f : walk.filter(Files::isRegularFile).sorted().toList()) {
        String relative = root.relativize(f).toString().replace('\\', '/');
        if (!hidden(dir, f)) out.add(relative);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
    }
    return out;
  }

  private static boolean hidden(Path base, Path file) {
    for (Path part : base.relativize(file)) {
      if (part.toString().startsWith(".")) return true;
    }
    return false;
  }

  @Override
  public Stat stat(String rel) throws IOException {
    BasicFileAttributes a = Files.readAttributes(resolve(rel), BasicFileAttributes.class);
    return new Stat(a.size(), a.lastModifiedTime().toMillis());
  }

  @Override
  public InputStream open(String rel) throws IOException {
    return Files.newInputStream(resolve(rel));
  }

  @Override
  public byte[] read(String rel) throws IOException {
    return Files.readAllBytes(resolve(rel));
  }

  @Override
  public Path local(String rel) {
    return resolve(rel);
  }

  private Path resolve(String rel) {
    return rel.isEmpty() ? root : root.resolve(rel);
  }
}
