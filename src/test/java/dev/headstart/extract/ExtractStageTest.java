package dev.headstart.extract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import dev.headstart.cli.Headstart;
import dev.headstart.core.UserException;
import dev.headstart.config.ConfigException;
import dev.headstart.config.PipelineConfig;
import dev.headstart.config.PipelineConfigLoader;
import dev.headstart.features.Manifest;
import dev.headstart.features.Manifest.SkippedFile;
import dev.headstart.features.ManifestIO;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The extract stage end to end on a tiny image folder and the tiny_cnn fixture backbone. */
class ExtractStageTest {
  @TempDir Path dir;
  Path data;
  Path store;

  @BeforeEach
  void makeDataset() throws Exception {
    data = dir.resolve("images");
    store = dir.resolve("features");
    String[] formats = {"png", "jpg", "bmp"};
    int n = 0;
    for (String split : List.of("train", "val")) {
      for (String cls : List.of("cat", "dog")) {
        int count = split.equals("train") ? 6 : 3;
        for (int i = 0; i < count; i++, n++) {
          String fmt = formats[n % 3];
          TestImages.write(data.resolve(split + "/" + cls + "/img" + i + "." + fmt),
              TestImages.rgb(32 + (n * 7) % 17, 32 + (n * 5) % 13, n), fmt);
        }
      }
    }
    Files.writeString(data.resolve("train/cat/notes.txt"), "not an image");
    Files.write(data.resolve("train/dog/bark.ogg"), new byte[] {'O', 'g', 'g', 'S', 0, 2});
    Files.createFile(data.resolve("train/dog/empty.jpg"));
    byte[] jpeg = TestImages.encode(TestImages.rgb(40, 40, 99), "jpg");
    Files.write(data.resolve("val/cat/truncated.jpg"), Arrays.copyOf(jpeg, jpeg.length / 2));
    TestImages.write(data.resolve("val/dog/huge.png"), TestImages.rgb(90, 90, 5), "png");
    Path backbones = BackboneLoaderTest.BACKBONES;
    for (String f : List.of("tiny_cnn.pt", "tiny_cnn.json", "tiny_cnn_spatial.pt", "tiny_cnn_spatial.json")) {
      Files.copy(backbones.resolve(f), dir.resolve(f));
    }
    Files.writeString(dir.resolve("pipeline.yaml"), String.join("\n",
        "data:", "  root: images",
        "backbone:", "  uri: tiny_cnn.pt", "  device: cpu",
        "extract:", "  out: features", "  batch_size: 4", "  threads: 2", "  part_rows: 4",
        "  max_pixels: 4000", ""));
  }

  private PipelineConfig config(String... overrides) {
    Map<String, String> o = new LinkedHashMap<>();
    for (String s : overrides) {
      var e = PipelineConfigLoader.parseAssignment(s);
      o.put(e.getKey(), e.getValue());
    }
    return PipelineConfigLoader.load(dir.resolve("pipeline.yaml"), o);
  }

  private ExtractStage.Result extract(String... overrides) throws Exception {
    return new ExtractStage().run(config(overrides), dev.headstart.core.Reporter.stderr());
  }

  /** Every row of the store as DuckDB reads it: path|view -> features. */
  private Map<String, float[]> readWithDuckDb() throws Exception {
    Map<String, float[]> rows = new HashMap<>();
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT path, split, label, label_name, view, content_hash, features "
            + "FROM read_parquet('" + store + "/*/part-*.parquet') ORDER BY path, view")) {
      while (rs.next()) {
        Array arr = rs.getArray("features");
        Object[] values = (Object[]) arr.getArray();
        float[] f = new float[values.length];
        for (int i = 0; i < f.length; i++) f[i] = ((Number) values[i]).floatValue();
        String path = rs.getString("path");
        assertThat(rs.getString("split")).isEqualTo(path.startsWith("train/") ? "train" : "val");
        assertThat(rs.getInt("label")).isEqualTo(path.contains("/cat/") ? 0 : 1);
        assertThat(rs.getString("label_name")).isEqualTo(path.contains("/cat/") ? "cat" : "dog");
        assertThat(rs.getString("content_hash")).hasSize(64);
        rows.put(path + "|" + rs.getInt("view"), f);
      }
    }
    return rows;
  }

  private static String reason(Manifest m, String path) {
    return m.skipped().stream().filter(s -> s.path().equals(path)).map(SkippedFile::reason).findFirst().orElse(null);
  }

  @Test
  void roundTripEqualsADirectForwardAndBadFilesAreListed() throws Exception {
    ExtractStage.Result result = extract();
    assertThat(result.upToDate()).isFalse();
    assertThat(result.imagesRun()).isEqualTo(12 + 6 + 1 + 2); // images with an image extension

    Manifest m = ManifestIO.read(store.toString());
    assertThat(m.complete()).isTrue();
    assertThat(m.classes()).containsExactly("cat", "dog");
    assertThat(m.featureDim()).isEqualTo(32);
    assertThat(m.splits().get("train").images()).isEqualTo(12);
    assertThat(m.splits().get("train").rows()).isEqualTo(12);
    assertThat(m.splits().get("train").skipped()).isEqualTo(3);
    assertThat(m.splits().get("val").images()).isEqualTo(6);
    assertThat(m.splits().get("val").skipped()).isEqualTo(2);
    assertThat(reason(m, "train/cat/notes.txt")).contains("not an image file", ".txt");
    assertThat(reason(m, "train/dog/bark.ogg")).contains("not an image file", ".ogg");
    assertThat(reason(m, "train/dog/empty.jpg")).contains("empty file");
    assertThat(reason(m, "val/cat/truncated.jpg")).contains("truncated");
    assertThat(reason(m, "val/dog/huge.png")).contains("too large", "extract.max_pixels");
    assertThat(m.backbone().get("sha256")).isEqualTo(dev.headstart.io.Hashing.sha256(dir.resolve("tiny_cnn.pt")));
    assertThat(m.backbone().get("uri")).isEqualTo("tiny_cnn.pt");
    assertThat(m.preprocessing().get("input_size")).isEqualTo(32.0);
    assertThat(m.preprocessing().get("resize")).isEqualTo(36.0);
    assertThat(m.timings()).containsKeys("seconds", "images_per_second", "forward_seconds");
    // the time before the first image (listing, hashing, the backbone's load) is part of the whole
    assertThat(m.timings().get("backbone_load_seconds")).isPositive()
        .isLessThanOrEqualTo(m.timings().get("setup_seconds"));
    assertThat(m.timings().get("setup_seconds")).isLessThan(m.timings().get("seconds"));
    assertThat(m.headstartVersion()).isNotBlank();
    assertThat(m.fingerprint()).hasSize(64);

    // an independent reader (DuckDB) sees every image once, with features equal to a direct
    // forward pass of the same preprocessed tensors through DJL
    Map<String, float[]> rows = readWithDuckDb();
    assertThat(rows).hasSize(18);
    ImageDecoder decoder = new ImageDecoder(4000);
    try (Backbone b = BackboneLoader.load(BackboneLoader.locate(config().backbone(), dir), Device.cpu(), "fp32")) {
      Preprocessor pre = new Preprocessor(b.card());
      double worst = 0;
      for (Map.Entry<String, float[]> e : rows.entrySet()) {
        String path = e.getKey().substring(0, e.getKey().indexOf('|'));
        float[] x = pre.eval(decoder.decode(data.resolve(path)));
        float[] direct = b.forward(new ImageBatch(x, 1, 32))[0];
        for (int k = 0; k < direct.length; k++) worst = Math.max(worst, Math.abs(direct[k] - e.getValue()[k]));
      }
      System.out.printf("extract round trip: max |parquet - direct forward| = %.2e over %d rows%n", worst, rows.size());
      assertThat(worst).isLessThan(1e-5);
    }
  }

  @Test
  void aFinishedExtractWithTheSameInputsDoesNothing() throws Exception {
    extract();
    List<Path> parts = parts();
    FileTime before = Files.getLastModifiedTime(parts.get(0));
    ExtractStage.Result again = extract();
    assertThat(again.upToDate()).isTrue();
    assertThat(again.imagesRun()).isZero();
    assertThat(Files.getLastModifiedTime(parts.get(0))).isEqualTo(before);
    // a new image is new input: only the parts it changes are made again
    TestImages.write(data.resolve("val/dog/zz_new.png"), TestImages.rgb(33, 33, 77), "png");
    ExtractStage.Result more = extract();
    assertThat(more.upToDate()).isFalse();
    assertThat(more.imagesRun()).isLessThanOrEqualTo(4);
    assertThat(ManifestIO.read(store.toString()).splits().get("val").images()).isEqualTo(7);
  }

  private List<Path> parts() throws Exception {
    try (Stream<Path> s = Files.walk(store)) {
      return s.filter(p -> p.getFileName().toString().matches("part-\\d+\\.parquet")).sorted().toList();
    }
  }

  @Test
  void anInterruptedExtractResumesWithoutRedoingFinishedParts() throws Exception {
    Map<String, float[]> reference;
    extract();
    reference = readWithDuckDb();

    // a bad file in val makes a --strict extract stop half way, as a crash would
    Files.walk(store).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    Files.delete(data.resolve("train/cat/notes.txt"));
    Files.delete(data.resolve("train/dog/bark.ogg"));
    Files.delete(data.resolve("train/dog/empty.jpg"));
    Files.delete(data.resolve("val/dog/huge.png"));
    assertThatThrownBy(() -> extract("extract.strict=true"))
        .isInstanceOf(UserException.class)
        .hasMessageContaining("--strict").hasMessageContaining("truncated.jpg");
    Manifest crashed = ManifestIO.read(store.toString());
    assertThat(crashed.complete()).isFalse();
    List<Path> finished = parts();
    assertThat(finished).isNotEmpty();
    Map<Path, FileTime> times = new HashMap<>();
    for (Path p : finished) times.put(p, Files.getLastModifiedTime(p));
    try (Stream<Path> s = Files.walk(store)) {
      assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".inprogress"));
    }

    ExtractStage.Result resumed = extract();
    assertThat(resumed.partsKept()).isEqualTo(finished.size());
    assertThat(resumed.imagesRun()).isLessThan(18);
    for (Path p : finished) assertThat(Files.getLastModifiedTime(p)).isEqualTo(times.get(p));
    assertThat(ManifestIO.read(store.toString()).complete()).isTrue();
    Map<String, float[]> after = readWithDuckDb();
    assertThat(after).hasSize(18);
    // equal to an uninterrupted extract (up to float rounding: batches are cut differently)
    for (Map.Entry<String, float[]> e : after.entrySet()) {
      float[] ref = reference.get(e.getKey());
      for (int k = 0; k < ref.length; k++) assertThat(e.getValue()[k]).isCloseTo(ref[k], org.assertj.core.data.Offset.offset(1e-5f));
    }
  }

  @Test
  void anotherBackboneIsRefusedUnlessOverwrite() throws Exception {
    extract();
    assertThatThrownBy(() -> extract("backbone.uri=tiny_cnn_spatial.pt"))
        .isInstanceOf(UserException.class)
        .hasMessageContaining("--overwrite")
        .hasMessageContaining("backbone tiny_cnn.pt");
    ExtractStage.Result replaced = extract("backbone.uri=tiny_cnn_spatial.pt", "extract.overwrite=true");
    assertThat(replaced.imagesRun()).isEqualTo(21);
    Manifest m = ManifestIO.read(store.toString());
    assertThat(m.backbone().get("uri")).isEqualTo("tiny_cnn_spatial.pt");
    assertThat(readWithDuckDb()).hasSize(18);
  }

  @Test
  void augmentedViewsAreSeededAndMarked() throws Exception {
    extract("extract.views=2", "extract.seed=3");
    Map<String, float[]> rows = readWithDuckDb();
    assertThat(rows).hasSize(12 * 3 + 6);
    Manifest m = ManifestIO.read(store.toString());
    assertThat(m.views()).isEqualTo(2);
    assertThat(m.splits().get("train").rows()).isEqualTo(36);
    assertThat(m.preprocessing().get("view_seed")).isEqualTo(3.0);
    float[] v0 = rows.get("train/cat/img0.png|0");
    float[] v1 = rows.get("train/cat/img0.png|1");
    float[] v2 = rows.get("train/cat/img0.png|2");
    assertThat(Arrays.equals(v0, v1)).isFalse();
    assertThat(Arrays.equals(v1, v2)).isFalse();
    assertThat(rows).doesNotContainKey("val/cat/img0.jpg|1");
    // the same seed gives the same views
    extract("extract.views=2", "extract.seed=3", "extract.overwrite=true");
    assertThat(readWithDuckDb().get("train/cat/img0.png|2")).containsExactly(v2);
  }

  @Test
  void badConfigurationIsAClearErrorFromTheCli() throws Exception {
    String yaml = dir.resolve("pipeline.yaml").toString();
    assertThat(Headstart.execute("extract", "--config", yaml, "--batch-size", "-1")).isEqualTo(2);
    assertThat(Headstart.execute("extract", "--config", yaml, "--backbone", "missing.pt")).isEqualTo(2);
    assertThat(Headstart.execute("extract", "--config", yaml, "--data", "nowhere")).isEqualTo(2);
    assertThat(Headstart.execute("extract", "--config", yaml, "--set", "extract.batchsize=3")).isEqualTo(2);
    assertThatThrownBy(() -> extract("extract.batch_size=-1"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("extract.batch_size");
    assertThatThrownBy(() -> extract("backbone.uri=missing.pt"))
        .isInstanceOf(UserException.class).hasMessageContaining("missing.pt");
    assertThat(Headstart.execute("extract", "--config", yaml)).isEqualTo(0);
    assertThat(Files.exists(store.resolve("manifest.json"))).isTrue();
  }

  @Test
  void writesThroughAHadoopUriAndALargerPixelLimitIsNewInput() throws Exception {
    String uri = store.toUri().toString(); // file:///..., through the Hadoop FileSystem API
    assertThat(uri).startsWith("file:");
    extract("extract.out=" + uri);
    assertThat(ManifestIO.read(uri).splits().get("val").images()).isEqualTo(6);
    assertThat(readWithDuckDb()).hasSize(18);
    ExtractStage.Result larger = extract("extract.out=" + uri, "extract.max_pixels=10000");
    assertThat(larger.upToDate()).isFalse();
    Manifest m = ManifestIO.read(uri);
    assertThat(m.splits().get("val").images()).isEqualTo(7);
    assertThat(reason(m, "val/dog/huge.png")).isNull();
    assertThat(readWithDuckDb()).hasSize(19);
  }

  @Test
  void extractGivesPyTorchsFeaturesForTheReferenceImages() throws Exception {
    // decode + preprocess + forward + Parquet against features that Debian's PyTorch computed
    // from the same files (tools/make_fixtures.py): the whole path, not just the model
    Path refData = dir.resolve("reference");
    var ref = com.google.gson.JsonParser.parseString(Files.readString(
        BackboneLoaderTest.BACKBONES.resolve("features_reference.json"))).getAsJsonObject();
    Map<String, com.google.gson.JsonArray> expected = new HashMap<>();
    int i = 0;
    for (var e : ref.getAsJsonArray("images")) {
      String image = e.getAsJsonObject().get("image").getAsString();
      Path src = BackboneLoaderTest.BACKBONES.resolve(image).normalize();
      String rel = (i++ % 2 == 0 ? "train/a/" : "train/b/") + src.getFileName();
      Files.createDirectories(refData.resolve(rel).getParent());
      Files.copy(src, refData.resolve(rel));
      expected.put(rel, e.getAsJsonObject().getAsJsonArray("features"));
    }
    extract("data.root=reference", "data.val_fraction=0", "extract.max_pixels=1000000");
    Map<String, float[]> rows = readWithDuckDbAnyLabel();
    assertThat(rows).hasSize(3);
    double worst = 0;
    for (var e : expected.entrySet()) {
      float[] got = rows.get(e.getKey());
      for (int k = 0; k < got.length; k++) worst = Math.max(worst, Math.abs(got[k] - e.getValue().get(k).getAsFloat()));
    }
    System.out.printf("extract vs PyTorch on the reference images: max |diff| = %.2e%n", worst);
    assertThat(worst).isLessThan(1e-5);
  }

  private Map<String, float[]> readWithDuckDbAnyLabel() throws Exception {
    Map<String, float[]> rows = new HashMap<>();
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT path, features FROM read_parquet('" + store + "/*/part-*.parquet')")) {
      while (rs.next()) {
        Object[] values = (Object[]) rs.getArray("features").getArray();
        float[] f = new float[values.length];
        for (int k = 0; k < f.length; k++) f[k] = ((Number) values[k]).floatValue();
        rows.put(rs.getString("path"), f);
      }
    }
    return rows;
  }
}
