package dev.headstart.finetune;

import dev.headstart.extract.ImageEntry;
import dev.headstart.io.Hashing;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Comparator;
import java.util.List;

/**
 * A fingerprint of the image set a run trained on: SHA-256 over every image's split, class,
 * relative path, size and modification time, in a fixed order. Cheap (no image is read) and it
 * changes when an image is added, removed, moved between classes or rewritten.
 */
final class DataFingerprint {
  private DataFingerprint() {}

  static String of(List<ImageEntry> entries) {
    StringBuilder sb = new StringBuilder();
    List<ImageEntry> sorted = entries.stream()
        .sorted(Comparator.comparing(ImageEntry::split).thenComparing(ImageEntry::path)).toList();
    for (ImageEntry e : sorted) {
      try {
        BasicFileAttributes a = Files.readAttributes(e.file(), BasicFileAttributes.class);
        sb.append(e.split()).append('\t').append(e.labelName()).append('\t').append(e.path())
            .append('\t').append(a.size()).append('\t').append(a.lastModifiedTime().toMillis())
            .append('\n');
      } catch (IOException ex) {
        throw new UncheckedIOException("cannot read " + e.file(), ex);
      }
    }
    return "sha256:" + Hashing.sha256(sb.toString());
  }
}
