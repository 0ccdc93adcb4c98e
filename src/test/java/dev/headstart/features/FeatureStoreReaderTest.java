package dev.headstart.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeatureStoreReaderTest {
  @TempDir Path dir;

  private final List<String> classes = List.of("ants", "bees", "wasps");

  private String store() {
    return dir.resolve("features").toString();
  }

  @Test
  void loadsEveryPartOfASplitIntoOneContiguousArray() throws Exception {
    List<FeatureRow> train = SyntheticStore.rows("train", classes, 10, 6, 2.0, 2, 1);
    List<FeatureRow> val = SyntheticStore.rows("val", classes, 4, 6, 2.0, 0, 2);
    SyntheticStore.writeSplit(store(), "train", train, 3);
    SyntheticStore.writeSplit(store(), "val", val, 1);
    SyntheticStore.writeManifest(store(), SyntheticStore.manifest(classes, 6, 2, Map.of("train", train.size(), "val", val.size())));

    LoadedFeatures all = new FeatureStoreReader(store()).load(List.of("train", "val"), List.of("test"), true);
    assertThat(all.splits()).containsOnlyKeys("train", "val");
    FeatureSplit t = all.split("train");
    assertThat(t.rows()).isEqualTo(train.size());
    assertThat(t.features()).hasSize(train.size() * 6);
    for (int r = 0; r < train.size(); r++) {
      FeatureRow row = train.get(r);
      assertThat(t.paths()[r]).isEqualTo(row.path());
      assertThat(t.labels()[r]).isEqualTo(row.label());
      assertThat(t.views()[r]).isEqualTo(row.view());
      for (int d = 0; d < 6; d++) assertThat(t.features()[r * 6 + d]).isEqualTo(row.features()[d]);
    }

    LoadedFeatures noViews = new FeatureStoreReader(store()).load(List.of("train", "val"), List.of(), false);
    FeatureSplit t0 = noViews.split("train");
    assertThat(t0.rows()).isEqualTo(30);
    assertThat(t0.views()).containsOnly(0);
    FeatureRow second = train.stream().filter(r -> r.view() == 0).skip(1).findFirst().orElseThrow();
    assertThat(t0.paths()[1]).isEqualTo(second.path());
    assertThat(java.util.Arrays.copyOfRange(t0.features(), 6, 12)).containsExactly(second.features());
    assertThat(noViews.split("val").rows()).isEqualTo(val.size());
  }

  @Test
  void missingOrEmptyStoreIsNamed() throws Exception {
    assertThatThrownBy(() -> new FeatureStoreReader(store()).load(List.of("train"), List.of(), false))
        .isInstanceOf(FeatureStoreException.class).hasMessageContaining(store()).hasMessageContaining("does not exist")
        .hasMessageContaining("./extract");
    Files.createDirectories(dir.resolve("features"));
    assertThatThrownBy(() -> new FeatureStoreReader(store()).load(List.of("train"), List.of(), false))
        .isInstanceOf(FeatureStoreException.class).hasMessageContaining("is empty");
  }

  @Test
  void splitWithoutRowsIsNamed() throws Exception {
    List<FeatureRow> train = SyntheticStore.rows("train", classes, 3, 4, 2.0, 0, 1);
    SyntheticStore.writeSplit(store(), "train", train, 1);
    SyntheticStore.writeManifest(store(), SyntheticStore.manifest(classes, 4, 0, Map.of("train", train.size())));
    assertThatThrownBy(() -> new FeatureStoreReader(store()).load(List.of("train", "val"), List.of(), false))
        .isInstanceOf(FeatureStoreException.class).hasMessageContaining("split 'val'").hasMessageContaining("no rows");
  }

  @Test
  void labelOutsideTheClassListIsNamedWithItsRow() throws Exception {
    List<FeatureRow> train = new ArrayList<>(SyntheticStore.rows("train", classes, 3, 4, 2.0, 0, 1));
    FeatureRow bad = train.get(4);
    train.set(4, new FeatureRow(bad.path(), "train", 7, "moths", 0, bad.contentHash(), bad.features()));
    SyntheticStore.writeSplit(store(), "train", train, 1);
    SyntheticStore.writeManifest(store(), SyntheticStore.manifest(classes, 4, 0, Map.of("train", train.size())));
    assertThatThrownBy(() -> new FeatureStoreReader(store()).load(List.of("train"), List.of(), false))
        .isInstanceOf(FeatureStoreException.class).hasMessageContaining(bad.path())
        .hasMessageContaining("label 7").hasMessageContaining("3 classes").hasMessageContaining("index.parquet");
  }

  @Test
  void aSplitExtractedWithAnotherClassListIsRefused() throws Exception {
    List<FeatureRow> train = SyntheticStore.rows("train", classes, 3, 4, 2.0, 0, 1);
    List<FeatureRow> val = SyntheticStore.rows("val", List.of("bees", "ants", "wasps"), 2, 4, 2.0, 0, 1);
    SyntheticStore.writeSplit(store(), "train", train, 1);
    SyntheticStore.writeSplit(store(), "val", val, 1);
    SyntheticStore.writeManifest(store(), SyntheticStore.manifest(classes, 4, 0, Map.of("train", train.size(), "val", val.size())));
    assertThatThrownBy(() -> new FeatureStoreReader(store()).load(List.of("train", "val"), List.of(), false))
        .isInstanceOf(FeatureStoreException.class).hasMessageContaining("split val")
        .hasMessageContaining("named 'bees'").hasMessageContaining("another class list");
  }

  @Test
  void labelsComeFromTheIndexSoARelabelledImageNeedsNoNewRows() throws Exception {
    SyntheticStore.write(store(), classes, 4, 2, 5, 2.0, 0);
    FeatureRow moved = SyntheticStore.rows("train", classes, 4, 5, 2.0, 0, 1).get(0);
    // the image moves from ants to bees: only the index changes, its feature row stays as it was
    Configuration conf = HadoopFs.configuration();
    org.apache.hadoop.fs.Path root = HadoopFs.toPath(store());
    List<IndexEntry> index = new ArrayList<>();
    for (IndexEntry e : StoreIndex.read(root, conf)) {
      index.add(e.path().equals(moved.path())
          ? new IndexEntry("train/bees/moved.png", "train", 1, "bees", e.contentHash()) : e);
    }
    StoreIndex.write(root, conf, index);
    assertThatThrownBy(() -> new FeatureStoreReader(store()).load(List.of("train"), List.of(), false))
        .isInstanceOf(FeatureStoreException.class).hasMessageContaining("describe different listings");
    SyntheticStore.writeManifest(store(), ManifestIO.read(store()));
    FeatureSplit t = new FeatureStoreReader(store()).load(List.of("train"), List.of(), false).split("train");
    int row = java.util.Arrays.asList(t.paths()).indexOf("train/bees/moved.png");
    assertThat(row).isNotNegative();
    assertThat(t.labels()[row]).isEqualTo(1);
    assertThat(java.util.Arrays.copyOfRange(t.features(), row * 5, row * 5 + 5)).containsExactly(moved.features());
  }

  @Test
  void theSameBytesUnderTwoClassesAreKeptOrDropped() throws Exception {
    List<FeatureRow> train = new ArrayList<>(SyntheticStore.rows("train", classes, 3, 4, 2.0, 0, 1));
    FeatureRow a = train.get(0);
    train.add(new FeatureRow("train/wasps/copy.png", "train", 2, "wasps", 0, a.contentHash(), a.features()));
    SyntheticStore.writeSplit(store(), "train", train, 1);
    SyntheticStore.writeManifest(store(), SyntheticStore.manifest(classes, 4, 0, Map.of("train", train.size())));
    assertThat(new FeatureStoreReader(store()).load(List.of("train"), List.of(), false).split("train").rows())
        .isEqualTo(10);
    FeatureSplit dropped = new FeatureStoreReader(store()).load(List.of("train"), List.of(), false, true).split("train");
    assertThat(dropped.rows()).isEqualTo(8);
    assertThat(dropped.paths()).doesNotContain(a.path(), "train/wasps/copy.png");
  }

  @Test
  void aListedImageWithoutFeaturesIsAnIncompleteStore() throws Exception {
    List<FeatureRow> train = SyntheticStore.rows("train", classes, 3, 4, 2.0, 0, 1);
    SyntheticStore.writeSplit(store(), "train", train, 1);
    SyntheticStore.writeManifest(store(), SyntheticStore.manifest(classes, 4, 0, Map.of("train", train.size())));
    // a part that holds all but the last row
    SyntheticStore.writeParts(store(), "train", train.subList(0, train.size() - 1), 1, SyntheticStore.FINGERPRINT);
    assertThatThrownBy(() -> new FeatureStoreReader(store()).load(List.of("train"), List.of(), false))
        .isInstanceOf(FeatureStoreException.class).hasMessageContaining("no features for 1 row(s)")
        .hasMessageContaining(train.get(train.size() - 1).path()).hasMessageContaining("rerun ./extract");
  }

  @Test
  void aStoreOfTheEarlierLayoutIsRefusedWithBothWaysOn() throws Exception {
    Files.createDirectories(dir.resolve("features/train"));
    Files.writeString(dir.resolve("features/manifest.json"), "{\"fingerprint\": \"old\", \"complete\": true,"
        + " \"classes\": [\"ants\"], \"feature_dim\": 4}");
    assertThatThrownBy(() -> new FeatureStoreReader(store()).load(List.of("train"), List.of(), false))
        .isInstanceOf(FeatureStoreException.class).hasMessageContaining("earlier headstart")
        .hasMessageContaining("--migrate").hasMessageContaining("--overwrite");
  }

  @Test
  void aPartFromAnotherBackboneIsRefusedByItsFingerprint() throws Exception {
    List<FeatureRow> train = SyntheticStore.rows("train", classes, 3, 4, 2.0, 0, 1);
    SyntheticStore.writeSplit(store(), "train", train, 1);
    SyntheticStore.writeSplit(store(), "val", SyntheticStore.rows("val", classes, 2, 4, 2.0, 0, 1), 1);
    SyntheticStore.writeParts(store(), "val", SyntheticStore.rows("val", classes, 2, 4, 2.0, 0, 1), 1, "other-backbone");
    SyntheticStore.writeManifest(store(), SyntheticStore.manifest(classes, 4, 0, Map.of("train", 9, "val", 6)));
    assertThatThrownBy(() -> new FeatureStoreReader(store()).load(List.of("train", "val"), List.of(), false))
        .isInstanceOf(FeatureStoreException.class).hasMessageContaining("part-synthetic-val-00000.parquet")
        .hasMessageContaining("other-backbone");
  }

  @Test
  void nanFeaturesAreNamedWithTheRowsPath() throws Exception {
    List<FeatureRow> train = new ArrayList<>(SyntheticStore.rows("train", classes, 3, 4, 2.0, 0, 1));
    train.get(2).features()[3] = Float.NaN;
    SyntheticStore.writeSplit(store(), "train", train, 1);
    SyntheticStore.writeManifest(store(), SyntheticStore.manifest(classes, 4, 0, Map.of("train", train.size())));
    assertThatThrownBy(() -> new FeatureStoreReader(store()).load(List.of("train"), List.of(), false))
        .isInstanceOf(FeatureStoreException.class).hasMessageContaining(train.get(2).path())
        .hasMessageContaining("NaN");
  }

  @Test
  void featuresOfAnotherDimensionAreRefused() throws Exception {
    List<FeatureRow> train = SyntheticStore.rows("train", classes, 3, 5, 2.0, 0, 1);
    SyntheticStore.writeSplit(store(), "train", train, 1);
    SyntheticStore.writeManifest(store(), SyntheticStore.manifest(classes, 4, 0, Map.of("train", train.size())));
    assertThatThrownBy(() -> new FeatureStoreReader(store()).load(List.of("train"), List.of(), false))
        .isInstanceOf(FeatureStoreException.class).hasMessageContaining("has 5 features")
        .hasMessageContaining("says 4");
  }
}
