package dev.headstart.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstart.cli.Headstart;
import dev.headstart.config.PipelineConfig;
import dev.headstart.config.PipelineConfigLoader;
import dev.headstart.core.Reporter;
import dev.headstart.engine.ChildJvm;
import dev.headstart.engine.EngineGuard;
import dev.headstart.engine.Workload;
import dev.headstart.extract.ExtractStage;
import dev.headstart.features.Manifest;
import dev.headstart.features.ManifestIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark engine in local mode (local[2]) against the single-process extract on generated
 * images and the core's tiny_cnn fixture backbone: the same store, and a job killed half way
 * resumes without duplicates.
 */
class SparkExtractTest {
  static final Path BACKBONES = Path.of("../src/test/resources/fixtures/backbones").toAbsolutePath().normalize();
  static JavaSparkContext sc;

  @TempDir Path dir;

  @BeforeAll
  static void spark() {
    EngineGuard.prepare(EnumSet.of(Workload.FP32_INFERENCE));
    sc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("headstart-test")
        .set("spark.ui.enabled", "false"));
    sc.setLogLevel("WARN");
  }

  @AfterAll
  static void stop() {
    if (sc != null) sc.close();
  }

  @BeforeEach
  void images() throws Exception {
    Random rnd = new Random(7);
    for (String split : List.of("train", "val")) {
      for (String cls : List.of("ants", "bees")) {
        int n = split.equals("train") ? 14 : 5;
        for (int i = 0; i < n; i++) {
          BufferedImage img = new BufferedImage(24 + rnd.nextInt(20), 24 + rnd.nextInt(20), BufferedImage.TYPE_INT_RGB);
          int base = cls.equals("ants") ? 0x402010 : 0x103060;
          for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) img.setRGB(x, y, base + rnd.nextInt(0x3f3f3f));
          }
          Path f = dir.resolve("images/" + split + "/" + cls + "/img" + i + ".png");
          Files.createDirectories(f.getParent());
          ImageIO.write(img, "png", f.toFile());
        }
      }
    }
    // a file that is not an image under an image's name, and one that is not an image at all
    Files.write(dir.resolve("images/train/bees/broken.png"), new byte[] {1, 2, 3, 4});
    Files.writeString(dir.resolve("images/val/ants/notes.txt"), "not an image");
    for (String f : List.of("tiny_cnn.pt", "tiny_cnn.json")) Files.copy(BACKBONES.resolve(f), dir.resolve(f));
    Files.writeString(dir.resolve("pipeline.yaml"), String.join("\n",
        "data:", "  root: images",
        "backbone:", "  uri: tiny_cnn.pt", "  device: cpu",
        "extract:", "  out: local", "  batch_size: 4", "  views: 1", "  spark:", "    master: local[2]",
        "    shards: 5", ""));
  }

  private PipelineConfig config(String out) {
    return PipelineConfigLoader.load(dir.resolve("pipeline.yaml"), Map.of("extract.out", out));
  }

  /** (content_hash|view) -> features of every row stored under the manifest's fingerprint, and the row count. */
  private Map<String, float[]> rows(String store, long[] count) throws Exception {
    return rows(store, count, "features");
  }

  /** As {@link #rows(String, long[])}, for one feature column (a tap's). */
  private Map<String, float[]> rows(String store, long[] count, String column) throws Exception {
    Manifest m = ManifestIO.read(dir.resolve(store).toString());
    Map<String, float[]> rows = new TreeMap<>();
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT content_hash, view, " + column + " FROM read_parquet('"
            + dir.resolve(store).resolve(m.featuresDir()) + "/*.parquet')")) {
      while (rs.next()) {
        Object[] v = (Object[]) rs.getArray(3).getArray();
        float[] f = new float[v.length];
        for (int i = 0; i < f.length; i++) f[i] = ((Number) v[i]).floatValue();
        rows.put(rs.getString(1) + "|" + rs.getInt(2), f);
        count[0]++;
      }
    }
    return rows;
  }

  private List<String> index(String store) throws Exception {
    List<String> out = new ArrayList<>();
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT path, split, label, label_name, content_hash FROM '"
            + dir.resolve(store).resolve("index.parquet") + "' ORDER BY path")) {
      while (rs.next()) {
        out.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getInt(3) + " " + rs.getString(4) + " "
            + rs.getString(5));
      }
    }
    return out;
  }

  private static void assertSameFeatures(Map<String, float[]> expected, Map<String, float[]> actual) {
    assertThat(actual.keySet()).isEqualTo(expected.keySet());
    double worst = 0;
    for (var e : expected.entrySet()) {
      float[] a = actual.get(e.getKey());
      for (int k = 0; k < a.length; k++) worst = Math.max(worst, Math.abs(a[k] - e.getValue()[k]));
    }
    System.out.printf("spark vs local store: %d rows, max |diff| = %.2e%n", expected.size(), worst);
    assertThat(worst).isLessThan(1e-5);
  }

  @Test
  void theSparkStoreEqualsTheSingleProcessStore() throws Exception {
    new ExtractStage().run(config("local"), Reporter.stderr());
    // the Spark run lists and reads the folder through Hadoop's FileSystem, as it would on hdfs:// or s3a://
    String uri = dir.resolve("images").toUri().toString();
    ExtractStage.Result spark = new ExtractStage(new SparkJobRunner(sc)).run(
        PipelineConfigLoader.load(dir.resolve("pipeline.yaml"), Map.of("extract.out", "spark", "data.root", uri)),
        Reporter.stderr());
    assertThat(spark.imagesRun()).isEqualTo(38);
    assertThat(spark.partsWritten()).isEqualTo(5);

    long[] localCount = {0};
    long[] sparkCount = {0};
    assertSameFeatures(rows("local", localCount), rows("spark", sparkCount));
    assertThat(sparkCount[0]).isEqualTo(localCount[0]).isEqualTo(28 * 2 + 10);
    assertThat(index("spark")).isEqualTo(index("local")).hasSize(38);
    Manifest l = ManifestIO.read(dir.resolve("local").toString());
    Manifest s = ManifestIO.read(dir.resolve("spark").toString());
    assertThat(s.fingerprint()).isEqualTo(l.fingerprint());
    assertThat(s.skipped()).isEqualTo(l.skipped()).hasSize(2);
    assertThat(s.splits()).isEqualTo(l.splits());
    assertThat(s.backbone().get("probe")).isNotNull();
    assertThat(s.timings()).containsKeys("spark_shards", "spark_job_seconds");

    assertThat(s.dataRoot()).isEqualTo(uri);
    // nothing changed: the Spark engine plans nothing and leaves the store alone
    ExtractStage.Result again = new ExtractStage(new SparkJobRunner(sc)).run(
        PipelineConfigLoader.load(dir.resolve("pipeline.yaml"), Map.of("extract.out", "spark", "data.root", uri)),
        Reporter.stderr());
    assertThat(again.upToDate()).isTrue();
  }

  @Test
  void aTappedBackbonesSparkStoreEqualsTheSingleProcessStoreInEveryTapColumn() throws Exception {
    // tiny_cnn_taps (tools/make_fixtures.py): every block's pooled output, a column each
    for (String f : List.of("tiny_cnn_taps.pt", "tiny_cnn_taps.json")) Files.copy(BACKBONES.resolve(f), dir.resolve(f));
    Map<String, String> taps = Map.of("extract.out", "local", "backbone.uri", "tiny_cnn_taps.pt");
    new ExtractStage().run(PipelineConfigLoader.load(dir.resolve("pipeline.yaml"), taps), Reporter.stderr());
    Map<String, String> sparkTaps = Map.of("extract.out", "spark", "backbone.uri", "tiny_cnn_taps.pt");
    new ExtractStage(new SparkJobRunner(sc)).run(PipelineConfigLoader.load(dir.resolve("pipeline.yaml"), sparkTaps),
        Reporter.stderr());
    Manifest s = ManifestIO.read(dir.resolve("spark").toString());
    assertThat(s.taps()).extracting(Manifest.TapColumn::column)
        .containsExactly("features", "features_features_0", "features_features_1");
    for (String column : List.of("features", "features_features_0", "features_features_1")) {
      long[] localCount = {0};
      long[] sparkCount = {0};
      assertSameFeatures(rows("local", localCount, column), rows("spark", sparkCount, column));
      assertThat(sparkCount[0]).isEqualTo(localCount[0]).isEqualTo(28 * 2 + 10);
    }
  }

  @Test
  void aJobKilledAfterItsFirstShardResumesWithoutDuplicates() throws Exception {
    new ExtractStage().run(config("local"), Reporter.stderr());
    List<String> cmd = new ArrayList<>();
    cmd.add(ChildJvm.javaExecutable());
    cmd.addAll(dev.headstart.extract.SparkDriver.MODULE_FLAGS);
    cmd.addAll(List.of("-Xmx2g", "-Dai.djl.offline=true", "-Dheadstart.crash_at=spark-shard-published",
        "-cp", System.getProperty("java.class.path"), SparkExtractMain.class.getName(),
        "--config", dir.resolve("pipeline.yaml").toString(), "--set", "extract.out=spark"));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
    System.out.println(out);
    assertThat(p.exitValue()).as(out).isEqualTo(137);
    // the first shard to finish halted the JVM; the other task thread may have finished one too
    try (var parts = Files.walk(dir.resolve("spark/rows"))) {
      assertThat(parts.filter(f -> f.getFileName().toString().startsWith("part-")).count()).isBetween(1L, 2L);
    }
    assertThat(Files.exists(dir.resolve("spark/manifest.json"))).isFalse();

    ExtractStage.Result resumed = new ExtractStage(new SparkJobRunner(sc)).run(config("spark"), Reporter.stderr());
    assertThat(resumed.imagesRun()).isLessThan(38).isGreaterThan(0);
    long[] localCount = {0};
    long[] sparkCount = {0};
    assertSameFeatures(rows("local", localCount), rows("spark", sparkCount));
    assertThat(sparkCount[0]).as("rows stored, duplicates included").isEqualTo(localCount[0]);
    assertThat(index("spark")).isEqualTo(index("local"));
  }

  @Test
  void theCommandLineStartsTheSparkDriverInAJvmOfItsOwn() throws Exception {
    System.setProperty("headstart.spark.classpath", System.getProperty("java.class.path"));
    try {
      int rc = Headstart.execute("extract", "--config", dir.resolve("pipeline.yaml").toString(), "--engine", "spark",
          "--master", "local[2]", "--out", "cli");
      assertThat(rc).isZero();
    } finally {
      System.clearProperty("headstart.spark.classpath");
    }
    Manifest m = ManifestIO.read(dir.resolve("cli").toString());
    assertThat(m.timings().get("spark_shards")).isEqualTo(5.0);
    assertThat(index("cli")).hasSize(38);
  }
}
