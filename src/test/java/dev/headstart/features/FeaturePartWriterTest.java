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
  void writtenRowsReadBackJoinedWithTheIndex() throws Exception {
    String store = dir.resolve("features").toString();
    List<FeatureRow> rows = SyntheticStore.rows("train", classes, 20, 8, 3.0, 1, 7);
    SyntheticStore.writeSplit(store, "train", rows, 1);
    Path folder = dir.resolve("features/rows/" + FeatureStoreLayout.dirName(SyntheticStore.FINGERPRINT));
    try (Stream<Path> files = Files.list(folder)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("part-synthetic-train-00000.parquet");
    }
    assertThat(dir.resolve("features/index.parquet")).isRegularFile();
    SyntheticStore.writeManifest(store, SyntheticStore.manifest(classes, 8, 1, Map.of("train", 40)));
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
  void duckDbJoinsTheIndexWithThePartsWithoutHeadstart() throws Exception {
    String store = dir.resolve("features").toString();
    List<FeatureRow> rows = SyntheticStore.rows("val", classes, 5, 4, 3.0, 0, 3);
    SyntheticStore.writeSplit(store, "val", rows, 2);
    // the query README gives
    String sql = "SELECT i.path, i.label_name, typeof(f.features), typeof(i.label), f.features[1], f.view"
        + " FROM '" + dir.resolve("features/index.parquet") + "' i"
        + " JOIN read_parquet('" + dir.resolve("features/rows/*/*.parquet") + "', hive_partitioning = true) f"
        + " ON f.content_hash = i.content_hash AND f.view = 0"
        + " WHERE f.fingerprint = '" + FeatureStoreLayout.dirName(SyntheticStore.FINGERPRINT).substring(12) + "'"
        + " ORDER BY i.path";
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
        Statement s = c.createStatement()) {
      try (ResultSet r = s.executeQuery("SELECT count(*) FROM (" + sql + ")")) {
        r.next();
        assertThat(r.getLong(1)).isEqualTo(rows.size());
      }
      try (ResultSet r = s.executeQuery(sql)) {
        while (r.next()) {
          FeatureRow expected = rows.stream().filter(x -> {
            try {
              return x.path().equals(r.getString(1));
            } catch (java.sql.SQLException e) {
              throw new IllegalStateException(e);
            }
          }).findFirst().orElseThrow();
          assertThat(r.getString(2)).isEqualTo(expected.labelName());
          assertThat(r.getString(3)).isEqualTo("FLOAT[]");
          assertThat(r.getString(4)).isEqualTo("INTEGER");
          assertThat(r.getFloat(5)).isEqualTo(expected.features()[0]);
          assertThat(r.getInt(6)).isZero();
        }
      }
    }
  }

  @Test
  void anAbortedPartLeavesNothingBehind() throws Exception {
    org.apache.hadoop.fs.Path part = new org.apache.hadoop.fs.Path(SyntheticStore.rowsDir(dir.resolve("features").toString()),
        FeatureStoreLayout.partName("aborted", 0));
    FeaturePartWriter w = FeaturePartWriter.open(part, HadoopFs.configuration(), SyntheticStore.FINGERPRINT);
    for (FeatureRow r : SyntheticStore.rows("train", classes, 3, 4, 1.0, 0, 1)) w.write(r.stored());
    w.abort();
    try (Stream<Path> files = Files.list(Path.of(part.getParent().toUri()))) {
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
