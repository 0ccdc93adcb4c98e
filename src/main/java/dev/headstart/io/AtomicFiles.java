package dev.headstart.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.stream.Stream;

/** Write-then-rename helpers: an output is either complete or absent, never half-written. */
public final class AtomicFiles {
  private AtomicFiles() {}

  public static void writeString(Path file, String content) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path tmp = tempFor(file);
    try {
      Files.writeString(tmp, content, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE);
      move(tmp, file);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * A hidden temporary name beside file, not yet created. Not Files.createTempFile: its
   * owner-only permissions would stay on the renamed output.
   */
  public static Path tempFor(Path file) {
    Path parent = file.toAbsolutePath().getParent();
    return parent.resolve("." + file.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".tmp");
  }

  public static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  public static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) return;
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    }
  }
}
