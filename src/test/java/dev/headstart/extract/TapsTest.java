package dev.headstart.extract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.headstart.config.PipelineConfig;
import dev.headstart.config.PipelineConfigLoader;
import dev.headstart.core.Reporter;
import dev.headstart.features.FeatureSplit;
import dev.headstart.features.FeatureStoreException;
import dev.headstart.features.FeatureStoreReader;
import dev.headstart.features.LoadedFeatures;
import dev.headstart.features.Manifest;
import dev.headstart.features.ManifestIO;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backbone exported with taps (tiny_cnn_taps: the pooled output of each of tiny_cnn's three
 * blocks, made by tools/make_fixtures.py) against PyTorch's own intermediate outputs for the
 * same weights (taps_reference.json: forward hooks on the eager module, not the exporter's
 * wrapper), through the loader, the known-answer check, extract, DuckDB and the reader.
 */
class TapsTest {
  static final Path BACKBONES = BackboneLoaderTest.BACKBONES;
  static final List<String> TAPS = List.of("features.0", "features.1", "features.2");

  @TempDir Path dir;
  JsonObject ref;

  @BeforeEach
  void readReference() throws Exception {
    ref = JsonParser.parseString(Files.readString(BACKBONES.resolve("taps_reference.json"))).getAsJsonObject();
  }

  /** reference image -> tap -> PyTorch's pooled block output. */
  private Map<String, Map<String, float[]>> expected() throws Exception {
    JsonObject features = JsonParser.parseString(Files.readString(BACKBONES.resolve("features_reference.json")))
        .getAsJsonObject();
    Map<String, String> imageOfInput = new HashMap<>();
    for (JsonElement e : features.getAsJsonArray("images")) {
      imageOfInput.put(e.getAsJsonObject().get("input").getAsString(), e.getAsJsonObject().get("image").getAsString());
    }
    Map<String, Map<String, float[]>> out = new LinkedHashMap<>();
    for (JsonElement e : ref.getAsJsonArray("images")) {
      JsonObject o = e.getAsJsonObject();
      Map<String, float[]> taps = new LinkedHashMap<>();
      for (String t : TAPS) taps.put(t, floats(o.getAsJsonObject("taps").getAsJsonArray(t)));
      out.put(imageOfInput.get(o.get("input").getAsString()), taps);
      out.put(o.get("input").getAsString(), taps);
    }
    return out;
  }

  private static float[] floats(JsonArray a) {
    float[] f = new float[a.size()];
    for (int i = 0; i < f.length; i++) f[i] = a.get(i).getAsFloat();
    return f;
  }

  private static double maxDiff(float[] a, float[] b) {
    assertThat(a).hasSameSizeAs(b);
    double worst = 0;
    for (int i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
    return worst;
  }

  @Test
  void everyTapOfTheExportEqualsPyTorchsIntermediateOutputForTheSameWeights() throws Exception {
    Map<String, Map<String, float[]>> expected = expected();
    try (Backbone b = BackboneLoader.load(new dev.headstart.config.BackboneConfig("tiny_cnn_taps.pt", "", "cpu"),
        BACKBONES)) {
      // the card's order: the default (deepest) tap first, then the others shallow to deep
      assertThat(b.card().outputs()).extracting(ModelCard.Tap::name)
          .containsExactly("features.2", "features.0", "features.1");
      assertThat(b.card().outputs()).extracting(ModelCard.Tap::dim).containsExactly(32, 16, 40);
      assertThat(b.probe()).isNotNull();
      assertThat(b.probe().passed()).isTrue();
      List<String> inputs = new ArrayList<>();
      for (JsonElement e : ref.getAsJsonArray("images")) inputs.add(e.getAsJsonObject().get("input").getAsString());
      float[] batch = new float[inputs.size() * 3 * 32 * 32];
      for (int i = 0; i < inputs.size(); i++) {
        float[] x = PreprocessorTest.readF32(BACKBONES.resolve(inputs.get(i)));
        System.arraycopy(x, 0, batch, i * x.length, x.length);
      }
      float[][][] out = b.forwardTaps(new ImageBatch(batch, inputs.size(), 32));
      assertThat(out).hasDimensions(3, inputs.size());
      double worst = 0;
      for (int t = 0; t < 3; t++) {
        String tap = b.card().outputs().get(t).name();
        for (int i = 0; i < inputs.size(); i++) worst = Math.max(worst, maxDiff(out[t][i], expected.get(inputs.get(i)).get(tap)));
      }
      System.out.printf("taps: max |DJL - PyTorch hooks| = %.2e%n", worst);
      assertThat(worst).isLessThan(ref.get("tolerance").getAsDouble());
      // forward() is the default tap: what a one-output reader (predict, finetune) sees
      assertThat(b.forward(new ImageBatch(batch, inputs.size(), 32))[1]).containsExactly(out[0][1]);
    }
  }

  @Test
  void theKnownAnswerCoversEveryTap() throws Exception {
    // the same files with a card whose answer for the shallowest tap is off by 1% of its scale
    for (String f : List.of("tiny_cnn_taps.pt", "tiny_cnn_taps-trainable.pt")) Files.copy(BACKBONES.resolve(f), dir.resolve(f));
    JsonObject card = JsonParser.parseString(Files.readString(BACKBONES.resolve("tiny_cnn_taps.json"))).getAsJsonObject();
    JsonObject shallow = card.getAsJsonObject("probe").getAsJsonArray("taps").get(1).getAsJsonObject();
    assertThat(shallow.get("name").getAsString()).isEqualTo("features.0");
    JsonArray row = shallow.getAsJsonArray("outputs").get(0).getAsJsonArray();
    row.set(3, new com.google.gson.JsonPrimitive(row.get(3).getAsDouble() + 0.01 * shallow.get("max_abs").getAsDouble()));
    Files.writeString(dir.resolve("tiny_cnn_taps.json"), card.toString());
    BackboneSource source = BackboneLoader.locate(new dev.headstart.config.BackboneConfig("tiny_cnn_taps.pt", "", "cpu"), dir);
    ProbeResult r = BackboneLoader.probeFile(source, source.inferenceFile(), "inference", "fp32", ai.djl.Device.cpu());
    assertThat(r.passed()).isFalse();
    assertThat(r.relativeDiff()).isBetween(0.009, 0.011);
  }

  private PipelineConfig config(Path root, String... overrides) throws Exception {
    Map<String, String> o = new LinkedHashMap<>();
    for (String s : overrides) {
      var e = PipelineConfigLoader.parseAssignment(s);
      o.put(e.getKey(), e.getValue());
    }
    return PipelineConfigLoader.load(root.resolve("pipeline.yaml"), o);
  }

  /** The three lossless reference images as an ImageFolder (train/a, train/b, train/a) under dir. */
  private Map<String, String> referenceFolder() throws Exception {
    JsonObject features = JsonParser.parseString(Files.readString(BACKBONES.resolve("features_reference.json")))
        .getAsJsonObject();
    Map<String, String> relToImage = new LinkedHashMap<>();
    int i = 0;
    for (JsonElement e : features.getAsJsonArray("images")) {
      String image = e.getAsJsonObject().get("image").getAsString();
      Path src = BACKBONES.resolve(image).normalize();
      String rel = (i++ % 2 == 0 ? "train/a/" : "train/b/") + src.getFileName();
      Files.createDirectories(dir.resolve("images").resolve(rel).getParent());
      Files.copy(src, dir.resolve("images").resolve(rel));
      relToImage.put(rel, image);
    }
    for (String f : List.of("tiny_cnn_taps.pt", "tiny_cnn_taps.json", "tiny_cnn.pt", "tiny_cnn.json")) {
      Files.copy(BACKBONES.resolve(f), dir.resolve(f));
    }
    Files.writeString(dir.resolve("pipeline.yaml"), String.join("\n",
        "data:", "  root: images", "  val_fraction: 0",
        "backbone:", "  uri: tiny_cnn_taps.pt", "  device: cpu",
        "extract:", "  out: features", "  batch_size: 2", "  threads: 1", "  part_rows: 2",
        "  max_pixels: 1000000", ""));
    return relToImage;
  }

  @Test
  void extractStoresEveryTapInOneRowFromOneForwardPassAndDuckDbReadsThem() throws Exception {
    Map<String, String> relToImage = referenceFolder();
    Map<String, Map<String, float[]>> expected = expected();
    ExtractStage.Result r = new ExtractStage().run(config(dir), Reporter.stderr());
    assertThat(r.imagesRun()).isEqualTo(3);
    assertThat(r.rowsWritten()).isEqualTo(3); // one row per image holds all three taps
    Manifest m = ManifestIO.read(dir.resolve("features").toString());
    assertThat(m.taps()).extracting(Manifest.TapColumn::name).containsExactly("features.2", "features.0", "features.1");
    assertThat(m.taps()).extracting(Manifest.TapColumn::column)
        .containsExactly("features", "features_features_0", "features_features_1");
    assertThat(m.featureDim()).isEqualTo(32);

    double worst = 0;
    int rows = 0;
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT i.path, f.features, f.features_features_0, f.features_features_1"
            + " FROM '" + dir.resolve("features/index.parquet") + "' i JOIN read_parquet('"
            + dir.resolve("features").resolve(m.featuresDir()) + "/*.parquet') f USING (content_hash)")) {
      while (rs.next()) {
        Map<String, float[]> want = expected.get(relToImage.get(rs.getString("path")));
        worst = Math.max(worst, maxDiff(array(rs, "features"), want.get("features.2")));
        worst = Math.max(worst, maxDiff(array(rs, "features_features_0"), want.get("features.0")));
        worst = Math.max(worst, maxDiff(array(rs, "features_features_1"), want.get("features.1")));
        rows++;
      }
    }
    assertThat(rows).isEqualTo(3);
    System.out.printf("extract with taps vs PyTorch hooks on the reference images: max |diff| = %.2e%n", worst);
    assertThat(worst).isLessThan(1e-5);

    // the reader: one tap, or several concatenated in the order named
    FeatureStoreReader reader = new FeatureStoreReader(dir.resolve("features").toString());
    LoadedFeatures deflt = reader.load(List.of("train"), List.of(), false, false, "", "train.tap");
    assertThat(deflt.tap().name()).isEqualTo("features.2");
    assertThat(deflt.dim()).isEqualTo(32);
    LoadedFeatures cat = reader.load(List.of("train"), List.of(), false, false, "features.1+features.0", "train.tap");
    assertThat(cat.dim()).isEqualTo(56);
    FeatureSplit s = cat.split("train");
    for (int i = 0; i < s.rows(); i++) {
      Map<String, float[]> want = expected.get(relToImage.get(s.paths()[i]));
      float[] row = java.util.Arrays.copyOfRange(s.features(), i * 56, (i + 1) * 56);
      assertThat(maxDiff(java.util.Arrays.copyOfRange(row, 0, 40), want.get("features.1"))).isLessThan(1e-5);
      assertThat(maxDiff(java.util.Arrays.copyOfRange(row, 40, 56), want.get("features.0"))).isLessThan(1e-5);
    }
    assertThatThrownBy(() -> reader.load(List.of("train"), List.of(), false, false, "layer3", "train.tap"))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("'train.tap' names tap 'layer3'")
        .hasMessageContaining("features.2, features.0, features.1");

    // a one-output backbone's store has no taps: asking for one says how to get them
    new ExtractStage().run(config(dir, "backbone.uri=tiny_cnn.pt", "extract.out=plain"), Reporter.stderr());
    assertThatThrownBy(() -> new FeatureStoreReader(dir.resolve("plain").toString())
        .load(List.of("train"), List.of(), false, false, "features.1", "train.tap"))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("one output and no taps")
        .hasMessageContaining("--taps");
  }

  @Test
  void gcCompactionKeepsEveryTapColumn() throws Exception {
    Map<String, String> relToImage = referenceFolder();
    Map<String, Map<String, float[]>> expected = expected();
    new ExtractStage().run(config(dir, "extract.part_rows=3"), Reporter.stderr());
    // one part of three rows; with one image gone it is two-thirds live and gets rewritten
    String gone = relToImage.keySet().iterator().next();
    Files.delete(dir.resolve("images").resolve(gone));
    ExtractStage.Result r = new ExtractStage().run(config(dir, "extract.part_rows=3", "extract.gc=true",
        "extract.compact_below=0.9"), Reporter.stderr());
    assertThat(r.gc().partsCompacted()).isPositive();
    LoadedFeatures all = new FeatureStoreReader(dir.resolve("features").toString())
        .load(List.of("train"), List.of(), false, false, "features.2+features.0+features.1", "train.tap");
    FeatureSplit s = all.split("train");
    assertThat(s.rows()).isEqualTo(2);
    for (int i = 0; i < s.rows(); i++) {
      Map<String, float[]> want = expected.get(relToImage.get(s.paths()[i]));
      float[] row = java.util.Arrays.copyOfRange(s.features(), i * 88, (i + 1) * 88);
      assertThat(maxDiff(java.util.Arrays.copyOfRange(row, 0, 32), want.get("features.2"))).isLessThan(1e-5);
      assertThat(maxDiff(java.util.Arrays.copyOfRange(row, 32, 48), want.get("features.0"))).isLessThan(1e-5);
      assertThat(maxDiff(java.util.Arrays.copyOfRange(row, 48, 88), want.get("features.1"))).isLessThan(1e-5);
    }
  }

  private static float[] array(ResultSet rs, String column) throws Exception {
    Object[] values = (Object[]) rs.getArray(column).getArray();
    float[] f = new float[values.length];
    for (int k = 0; k < f.length; k++) f[k] = ((Number) values[k]).floatValue();
    return f;
  }
}
