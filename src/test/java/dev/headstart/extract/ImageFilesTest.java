package dev.headstart.extract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstart.config.DataConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An image folder read through Hadoop's FileSystem (a file: URI here) lists and reads as on the local disk. */
class ImageFilesTest {
  @TempDir Path dir;

  @Test
  void aHadoopUriListsTheSameDatasetAsTheFolder() throws Exception {
    for (String f : List.of("train/cat/a.png", "train/cat/sub/b.jpg", "train/cat/.hidden.png", "train/dog/c.png",
        "train/dog/notes.txt", "train/loose.png", "val/cat/d.png", "val/bird/e.png", "train/.cache/x.png")) {
      Path p = dir.resolve(f);
      Files.createDirectories(p.getParent());
      Files.writeString(p, "bytes of " + f);
    }
    Files.createDirectories(dir.resolve("train/empty"));
    ImageFiles local = ImageFiles.of(dir.toString());
    ImageFiles hadoop = ImageFiles.of(dir.toUri().toString());
    assertThat(local).isInstanceOf(LocalImageFiles.class);
    assertThat(hadoop).isInstanceOf(HadoopImageFiles.class);
    assertThat(hadoop.walk("train")).isEqualTo(local.walk("train"))
        .containsExactly("train/cat/a.png", "train/cat/sub/b.jpg", "train/dog/c.png", "train/dog/notes.txt",
            "train/loose.png");
    assertThat(hadoop.subfolders("train")).isEqualTo(local.subfolders("train")).containsExactly("cat", "dog", "empty");
    assertThat(hadoop.files("train")).isEqualTo(local.files("train")).containsExactly("loose.png");
    assertThat(hadoop.stat("val/cat/d.png")).isEqualTo(local.stat("val/cat/d.png"));
    assertThat(new String(hadoop.read("train/cat/sub/b.jpg"))).isEqualTo("bytes of train/cat/sub/b.jpg");
    assertThat(hadoop.local("train/cat/a.png")).isNull();
    assertThat(local.local("train/cat/a.png")).isEqualTo(dir.resolve("train/cat/a.png"));

    DataConfig data = DataConfig.DEFAULTS;
    ImageFolderDataset a = ImageFolderDataset.scan(local, data);
    ImageFolderDataset b = ImageFolderDataset.scan(hadoop, data);
    assertThat(b.classes()).isEqualTo(a.classes()).containsExactly("cat", "dog");
    assertThat(b.skipped()).isEqualTo(a.skipped());
    for (String split : a.splitNames()) {
      assertThat(b.split(split).stream().map(e -> e.path() + " " + e.split() + " " + e.label()).toList())
          .isEqualTo(a.split(split).stream().map(e -> e.path() + " " + e.split() + " " + e.label()).toList());
    }
    assertThat(b.root()).isNull();
    assertThat(a.root()).isEqualTo(dir);
  }
}
