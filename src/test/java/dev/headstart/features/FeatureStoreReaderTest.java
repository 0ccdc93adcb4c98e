package dev.headstart.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
    ManifestIO.write(store(), SyntheticStore.manifest(classes, 6, 2, Map.of("train", train.size(), "val", val.size())));

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
    ManifestIO.write(store(), SyntheticStore.manifest(classes, 4, 0, Map.of("train", train.size())));
    assertThatThrownBy(() -> new FeatureStoreReader(store()).load(List.of("train", "val"), List.of(), false))
        .isInstanceOf(FeatureStoreException.class).hasMessageContaining("split 'val'").hasMessageContaining("no rows");
  }

  @Test
  void labelOutsideTheClassListIsNamedWithItsRow() throws Exception {
    List<FeatureRow> train = new ArrayList<>(SyntheticStore.rows("train", classes, 3, 4, 2.0, 0, 1));
    FeatureRow bad = train.get(4);
    train.set(4, new FeatureRow(bad.path(), "train", 7, "moths", 0, bad.contentHash(), bad.features()));
    SyntheticStore.writeSplit(store(), "train", train, 1);
    ManifestIO.write(store(), SyntheticStore.manifest(classes, 4, 0, Map.of("train", train.size())));
    assertThatThrownBy(() -> new FeatureStoreReader(store()).load(List.of("train"), List.of(), false))
        .isInstanceOf(FeatureStoreException.class).hasMessageContaining(bad.path())
        .hasMessageContaining("label 7").hasMessageContaining("3 classes");
  }

  @Test
  void aSplitExtractedWithAnotherClassListIsRefused() throws Exception {
    List<FeatureRow> train = SyntheticStore.rows("train", classes, 3, 4, 2.0, 0, 1);
    List<FeatureRow> val = SyntheticStore.rows("val", List.of("bees", "ants", "wasps"), 2, 4, 2.0, 0, 1);
    SyntheticStore.writeSplit(store(), "train", train, 1);
    SyntheticStore.writeSplit(store(), "val", val, 1);
    ManifestIO.write(store(), SyntheticStore.manifest(classes, 4, 0, Map.of("train", train.size(), "val", val.size())));
    assertThatThrownBy(() -> new FeatureStoreReader(store()).load(List.of("train", "val"), List.of(), false))
        .isInstanceOf(FeatureStoreException.class).hasMessageContaining("split val")
        .hasMessageContaining("named 'bees'").hasMessageContaining("another class list");
  }

  @Test
  void aPartFromAnotherBackboneIsRefusedByItsFingerprint() throws Exception {
    List<FeatureRow> train = SyntheticStore.rows("train", classes, 3, 4, 2.0, 0, 1);
    SyntheticStore.writeSplit(store(), "train", train, 1);
    try (FeaturePartWriter w = FeaturePartWriter.open(store(), "val", 0, "other-backbone")) {
      w.writeAll(SyntheticStore.rows("val", classes, 2, 4, 2.0, 0, 1));
    }
    ManifestIO.write(store(), SyntheticStore.manifest(classes, 4, 0, Map.of("train", 9, "val", 6)));
    assertThatThrownBy(() -> new FeatureStoreReader(store()).load(List.of("train", "val"), List.of(), false))
        .isInstanceOf(FeatureStoreException.class).hasMessageContaining("val/part-00000.parquet")
        .hasMessageContaining("other-backbone");
  }

  @Test
  void nanFeaturesAreNamedWithTheRowsPath() throws Exception {
    List<FeatureRow> train = new ArrayList<>(SyntheticStore.rows("train", classes, 3, 4, 2.0, 0, 1));
    train.get(2).features()[3] = Float.NaN;
    SyntheticStore.writeSplit(store(), "train", train, 1);
    ManifestIO.write(store(), SyntheticStore.manifest(classes, 4, 0, Map.of("train", train.size())));
    assertThatThrownBy(() -> new FeatureStoreReader(store()).load(List.of("train"), List.of(), false))
        .isInstanceOf(FeatureStoreException.class).hasMessageContaining(train.get(2).path())
        .hasMessageContaining("NaN");
  }

  @Test
  void featuresOfAnotherDimensionAreRefused() throws Exception {
    List<FeatureRow> train = SyntheticStore.rows("train", classes, 3, 5, 2.0, 0, 1);
    SyntheticStore.writeSplit(store(), "train", train, 1);
    ManifestIO.write(store(), SyntheticStore.manifest(classes, 4, 0, Map.of("train", train.size())));
    assertThatThrownBy(() -> new FeatureStoreReader(store()).load(List.of("train"), List.of(), false))
        .isInstanceOf(FeatureStoreException.class).hasMessageContaining("has 5 features")
        .hasMessageContaining("says 4");
  }
}
