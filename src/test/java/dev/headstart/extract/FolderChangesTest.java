package dev.headstart.extract;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A folder's time tells of files added, removed or renamed in it, down to the class folders. */
class FolderChangesTest {
  @TempDir Path root;

  @Test
  void addedRemovedAndRenamedFilesShowInTheirFolder() throws Exception {
    Path cat = Files.createDirectories(root.resolve("train/cat"));
    Files.createDirectories(root.resolve("val/dog"));
    Files.writeString(cat.resolve("a.png"), "x");
    long then = settle();
    ImageFiles files = ImageFiles.local(root);
    assertThat(FolderChanges.since(files, then)).isFalse();

    Files.writeString(cat.resolve("b.png"), "y");
    assertThat(FolderChanges.since(files, then)).isTrue();
    then = settle();
    assertThat(FolderChanges.since(files, then)).isFalse();
    Files.move(cat.resolve("b.png"), root.resolve("val/dog/b.png"));
    assertThat(FolderChanges.since(files, then)).isTrue();
    then = settle();
    Files.delete(root.resolve("val/dog/b.png"));
    assertThat(FolderChanges.since(files, then)).isTrue();

    // a file rewritten in place is hashing's to find, not this guess's
    then = settle();
    Files.writeString(cat.resolve("a.png"), "z");
    assertThat(FolderChanges.since(files, then)).isFalse();
    // nor does a missing folder hide anything
    assertThat(FolderChanges.since(ImageFiles.local(root.resolve("gone")), then)).isTrue();
  }

  /** Sets every folder's time to a second ago and returns the moment after it. */
  private long settle() throws Exception {
    FileTime past = FileTime.fromMillis(System.currentTimeMillis() - 1000);
    try (var walk = Files.walk(root)) {
      for (Path p : walk.filter(Files::isDirectory).toList()) Files.setLastModifiedTime(p, past);
    }
    return past.toMillis();
  }
}
