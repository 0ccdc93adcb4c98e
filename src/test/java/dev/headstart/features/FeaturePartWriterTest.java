package dev.headstart.features;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeaturePartWriterTest {
  @TempDir Path dir;

  private final List<String> classes = List.of("ants", "bees");

  @Test
  void writtenRowsReadBackWithTheirTypesAndValues() throws Exception {
    String store = dir.resolve("features").toString();
    List<FeatureRow> rows = SyntheticStore.rows("train", classes, 20, 8, 3.0, 1, 7);
    try (FeaturePartWriter w = FeaturePartWriter.open(store, "train", 3)) {
      w.writeAll(rows);
      assertThat(w.rows()).isEqualTo(rows.size());
    }
    assertThat(dir.resolve("features/train/part-00003.parquet")).isRegularFile();
    try (Stream<Path> files = Files.list(dir.resolve("features/train"))) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("part-00003.parquet");
    }
    List<FeatureRow> back = FeatureRows.readSplit(store, "train");
    assertThat(back).hasSize(rows.size());
    for (int i = 0; i < rows.size(); i++) {
      FeatureRow a = rows.get(i);
      FeatureRow b = back.get(i);
      assertThat(b.path()).isEqualTo(a.path());
      assertThat(b.split()).isEqualTo("train");
      assertThat(b.label()).isEqualTo(a.label());
      assertThat(b.labelName()).isEqualTo(a.labelName());
      assertThat(b.view()).isEqualTo(a.view());
      assertThat(b.contentHash()).isEqualTo(a.contentHash());
      assertThat(b.features()).containsExactly(a.features());
    }
  }

  @Test
  void duckDbReadsThePartsWithoutHeadstart() throws Exception {
    String store = dir.resolve("features").toString();
    List<FeatureRow> rows = SyntheticStore.rows("val", classes, 5, 4, 3.0, 0, 3);
    SyntheticStore.writeSplit(store, "val", rows, 2);
    String glob = dir.resolve("features/val/part-*.parquet").toString();
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
        Statement s = c.createStatement()) {
      try (ResultSet r = s.executeQuery("SELECT count(*), min(len(features)), max(len(features)) FROM read_parquet('" + glob + "')")) {
        r.next();
        assertThat(r.getLong(1)).isEqualTo(rows.size());
        assertThat(r.getInt(2)).isEqualTo(4);
        assertThat(r.getInt(3)).isEqualTo(4);
      }
      try (ResultSet r = s.executeQuery("SELECT typeof(features), typeof(label), typeof(path), label_name, "
          + "features[1], view FROM read_parquet('" + glob + "') WHERE path = '" + rows.get(1).path() + "'")) {
        r.next();
        assertThat(r.getString(1)).isEqualTo("FLOAT[]");
        assertThat(r.getString(2)).isEqualTo("INTEGER");
        assertThat(r.getString(3)).isEqualTo("VARCHAR");
        assertThat(r.getString(4)).isEqualTo(rows.get(1).labelName());
        assertThat(r.getFloat(5)).isEqualTo(rows.get(1).features()[0]);
        assertThat(r.getInt(6)).isZero();
      }
    }
  }

  @Test
  void anAbortedPartLeavesNothingBehind() throws Exception {
    String store = dir.resolve("features").toString();
    FeaturePartWriter w = FeaturePartWriter.open(store, "train", 0);
    w.writeAll(SyntheticStore.rows("train", classes, 3, 4, 1.0, 0, 1));
    w.abort();
    try (Stream<Path> files = Files.list(dir.resolve("features/train"))) {
      assertThat(files).isEmpty();
    }
  }

  @Test
  void manifestRoundTripsThroughTheFileSystemApi() throws Exception {
    String store = dir.resolve("features").toString();
    assertThat(ManifestIO.readIfExists(store)).isEmpty();
    Manifest m = SyntheticStore.manifest(classes, 8, 2, Map.of("train", 10, "val", 4));
    ManifestIO.write("file:" + dir.resolve("features").toAbsolutePath(), m);
    Manifest back = ManifestIO.read(store);
    assertThat(back.classes()).isEqualTo(classes);
    assertThat(back.featureDim()).isEqualTo(8);
    assertThat(back.views()).isEqualTo(2);
    assertThat(back.fingerprint()).isEqualTo(m.fingerprint());
    assertThat(back.splits().get("train").rows()).isEqualTo(10);
    assertThat(back.backbone().get("sha256")).isEqualTo("abc123");
    assertThat(Files.readString(dir.resolve("features/manifest.json"))).contains("\"feature_dim\": 8");
  }
}
