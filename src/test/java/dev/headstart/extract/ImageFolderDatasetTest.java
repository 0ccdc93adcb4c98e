package dev.headstart.extract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstart.core.UserException;
import dev.headstart.features.Manifest.SkippedFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderDatasetTest {
  @TempDir Path root;

  private void image(String rel) throws Exception {
    TestImages.write(root.resolve(rel), TestImages.rgb(8, 8, rel.hashCode()), "png");
  }

  private static List<String> paths(List<ImageEntry> entries) {
    return entries.stream().map(ImageEntry::path).toList();
  }

  private static String reasonFor(ImageFolderDataset d, String path) {
    return d.skipped().stream().filter(s -> s.path().equals(path)).map(SkippedFile::reason)
        .findFirst().orElse(null);
  }

  @Test
  void classesComeFromTrainSortedWithTheSameIdsOnEverySplit() throws Exception {
    image("train/zebra/1.png");
    image("train/ant/2.png");
    image("train/ant/sub/3.png"); // nested folders count, as in torchvision's ImageFolder
    image("train/bee/4.png");
    image("val/bee/5.png");
    image("val/ant/6.png");
    image("test/zebra/7.png");
    image("train/ant/.hidden.png");
    image("train/.cache/8.png");
    Files.writeString(root.resolve("train/ant/notes.txt"), "hello");
    Files.write(root.resolve("train/bee/song.ogg"), new byte[] {1, 2, 3});
    image("val/wolf/9.png"); // a class train does not have
    Files.createDirectories(root.resolve("train/empty"));

    ImageFolderDataset d = ImageFolderDataset.scan(root, 0.2, 42);
    assertThat(d.classes()).containsExactly("ant", "bee", "zebra");
    assertThat(d.splitNames()).containsExactly("train", "val", "test");
    assertThat(paths(d.split("train")))
        .containsExactly("train/ant/2.png", "train/ant/sub/3.png", "train/bee/4.png", "train/zebra/1.png");
    assertThat(d.split("train").get(2).label()).isEqualTo(1);
    assertThat(paths(d.split("val"))).containsExactly("val/ant/6.png", "val/bee/5.png");
    assertThat(d.split("val").get(1).label()).isEqualTo(1);
    assertThat(d.split("test").get(0).label()).isEqualTo(2);
    assertThat(d.split("test").get(0).labelName()).isEqualTo("zebra");
    assertThat(d.valHeldOut()).isFalse();

    assertThat(reasonFor(d, "train/ant/notes.txt")).contains("not an image file", ".txt");
    assertThat(reasonFor(d, "train/bee/song.ogg")).contains("not an image file", ".ogg");
    assertThat(reasonFor(d, "val/wolf/9.png")).contains("class 'wolf'", "train");
    assertThat(reasonFor(d, "train/empty/")).contains("empty class folder");
    // hidden files and folders are neither used nor listed
    assertThat(d.skipped()).extracting(SkippedFile::path).noneMatch(p -> p.contains(".hidden") || p.contains(".cache"));
  }

  @Test
  void withoutAValFolderAStratifiedDeterministicShareIsHeldOut() throws Exception {
    for (int i = 0; i < 10; i++) image("train/a/" + i + ".png");
    for (int i = 0; i < 20; i++) image("train/b/" + i + ".png");
    ImageFolderDataset d1 = ImageFolderDataset.scan(root, 0.2, 42);
    ImageFolderDataset d2 = ImageFolderDataset.scan(root, 0.2, 42);
    ImageFolderDataset other = ImageFolderDataset.scan(root, 0.2, 7);
    assertThat(d1.valHeldOut()).isTrue();
    List<ImageEntry> val = d1.split("val");
    assertThat(val.stream().filter(e -> e.label() == 0)).hasSize(2);
    assertThat(val.stream().filter(e -> e.label() == 1)).hasSize(4);
    assertThat(val).allMatch(e -> e.split().equals("val"));
    assertThat(d1.split("train")).hasSize(24);
    Set<String> all = new HashSet<>(paths(d1.split("train")));
    all.addAll(paths(val));
    assertThat(all).hasSize(30); // a partition: nothing lost, nothing twice
    assertThat(paths(d2.split("val"))).isEqualTo(paths(val));
    assertThat(paths(other.split("val"))).isNotEqualTo(paths(val));
  }

  @Test
  void testFractionHoldsOutAStratifiedTestSplitFromTrainOnlyWithoutATestFolder() throws Exception {
    for (int i = 0; i < 10; i++) image("train/a/" + i + ".png");
    for (int i = 0; i < 20; i++) image("train/b/" + i + ".png");
    for (int i = 0; i < 4; i++) image("val/a/" + i + ".png");
    ImageFolderDataset d = ImageFolderDataset.scan(root, 0.2, 42, 0.3);
    assertThat(d.splitNames()).containsExactly("train", "val", "test");
    List<ImageEntry> test = d.split("test");
    assertThat(test.stream().filter(e -> e.label() == 0)).hasSize(3);
    assertThat(test.stream().filter(e -> e.label() == 1)).hasSize(6);
    assertThat(test).allMatch(e -> e.split().equals("test") && e.path().startsWith("train/"));
    // the val/ folder stays val; train keeps the rest, nothing lost and nothing twice
    assertThat(paths(d.split("val"))).hasSize(4).allMatch(p -> p.startsWith("val/"));
    Set<String> all = new HashSet<>(paths(d.split("train")));
    all.addAll(paths(test));
    assertThat(d.split("train")).hasSize(21);
    assertThat(all).hasSize(30);
    assertThat(paths(ImageFolderDataset.scan(root, 0.2, 42, 0.3).split("test"))).isEqualTo(paths(test));

    // without val/ both shares come out of train, disjoint
    Files.walk(root.resolve("val")).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    ImageFolderDataset noVal = ImageFolderDataset.scan(root, 0.2, 42, 0.3);
    Set<String> testPaths = new HashSet<>(paths(noVal.split("test")));
    assertThat(paths(noVal.split("val"))).hasSize(1 + 3).noneMatch(testPaths::contains);
    assertThat(noVal.split("train").size() + noVal.split("val").size() + testPaths.size()).isEqualTo(30);

    // a test/ folder wins over the fraction
    image("test/b/x.png");
    assertThat(paths(ImageFolderDataset.scan(root, 0.2, 42, 0.3).split("test"))).containsExactly("test/b/x.png");
  }

  @Test
  void missingFoldersAreClearErrors() throws Exception {
    assertThatThrownBy(() -> ImageFolderDataset.scan(root.resolve("nope"), 0.2, 1))
        .isInstanceOf(UserException.class).hasMessageContaining("data.root").hasMessageContaining("nope");
    Files.createDirectories(root.resolve("val/a"));
    assertThatThrownBy(() -> ImageFolderDataset.scan(root, 0.2, 1))
        .isInstanceOf(UserException.class).hasMessageContaining("no train/ folder");
    Files.createDirectories(root.resolve("train/a"));
    assertThatThrownBy(() -> ImageFolderDataset.scan(root, 0.2, 1))
        .isInstanceOf(UserException.class).hasMessageContaining("no class folder with images");
  }
}
