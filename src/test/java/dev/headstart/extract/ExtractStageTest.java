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

  /** The current listing's rows as DuckDB joins index.parquet with the manifest's fingerprint folder: path|view -> features. */
  private Map<String, float[]> readWithDuckDb() throws Exception {
    Manifest m = ManifestIO.read(store.toString());
    Map<String, float[]> rows = new HashMap<>();
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT i.path, i.split, i.label, i.label_name, f.view, f.content_hash, f.features"
            + " FROM '" + store.resolve("index.parquet") + "' i JOIN read_parquet('" + store.resolve(m.featuresDir())
            + "/*.parquet') f ON f.content_hash = i.content_hash WHERE f.view = 0 OR i.split = 'train'"
            + " ORDER BY i.path, f.view")) {
      while (rs.next()) {
        Array arr = rs.getArray("features");
        Object[] values = (Object[]) arr.getArray();
        float[] f = new float[values.length];
        for (int i = 0; i < f.length; i++) f[i] = ((Number) values[i]).floatValue();
        String path = rs.getString("path");
        assertThat(rs.getString("split")).isEqualTo(path.startsWith("train/") ? "train" : "val");
        String cls = path.split("/")[1];
        assertThat(rs.getString("label_name")).isEqualTo(cls);
        assertThat(rs.getInt("label")).isEqualTo(m.classes().indexOf(cls));
        assertThat(rs.getString("content_hash")).hasSize(64);
        float[] old = rows.put(path + "|" + rs.getInt("view"), f);
        assertThat(old).as("row %s|%d twice", path, rs.getInt("view")).isNull();
      }
    }
    return rows;
  }

  /** Rows stored in every fingerprint folder, and distinct (fingerprint, content_hash, view) keys among them. */
  private long[] storedRowsAndKeys() throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT count(*), count(DISTINCT (fingerprint, content_hash, view)) FROM"
            + " read_parquet('" + store.resolve("rows") + "/*/*.parquet', hive_partitioning = true)")) {
      rs.next();
      return new long[] {rs.getLong(1), rs.getLong(2)};
    }
  }

  private static String reason(Manifest m, String path) {
    return m.skipped().stream().filter(s -> s.path().equals(path)).map(SkippedFile::reason).findFirst().orElse(null);
  }

  @Test
  void roundTripEqualsADirectForwardAndBadFilesAreListed() throws Exception {
    ExtractStage.Result result = extract();
    assertThat(result.upToDate()).isFalse();
    assertThat(result.imagesRun()).isEqualTo(12 + 6); // the images that decode

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
    assertThat(m.layout()).isEqualTo(2);
    assertThat(m.featuresDir()).isEqualTo("rows/fingerprint=" + m.fingerprint().substring(0, 16));
    assertThat(m.timings()).containsKeys("hash_seconds", "files_hashed", "rows_computed");
    assertThat(m.timings().get("files_hashed")).isEqualTo(21.0);
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
  void aFinishedExtractWithTheSameInputsDoesNothingAndANewImageCostsOneForwardPass() throws Exception {
    extract();
    List<Path> parts = parts();
    FileTime before = Files.getLastModifiedTime(parts.get(0));
    FileTime manifestBefore = Files.getLastModifiedTime(store.resolve("manifest.json"));
    ExtractStage.Result again = extract();
    assertThat(again.upToDate()).isTrue();
    assertThat(again.imagesRun()).isZero();
    assertThat(Files.getLastModifiedTime(parts.get(0))).isEqualTo(before);
    assertThat(Files.getLastModifiedTime(store.resolve("manifest.json"))).isEqualTo(manifestBefore);
    // unchanged files are not even read again: the hash cache answers
    TestImages.write(data.resolve("val/dog/zz_new.png"), TestImages.rgb(33, 33, 77), "png");
    ExtractStage.Result more = extract();
    assertThat(more.upToDate()).isFalse();
    assertThat(more.imagesRun()).isEqualTo(1);
    assertThat(more.rowsWritten()).isEqualTo(1);
    Manifest m = ManifestIO.read(store.toString());
    // the report charges the whole listing's extract, not this rerun's one image
    assertThat(m.timings().get("full_extract_seconds")).isGreaterThan(m.timings().get("seconds"));
    assertThat(m.timings().get("files_hashed")).isEqualTo(1.0);
    assertThat(m.splits().get("val").images()).isEqualTo(7);
    assertThat(readWithDuckDb()).hasSize(19);
  }

  @Test
  void movedDeletedAndRelabelledImagesAndARenamedClassNeedNoForwardPass() throws Exception {
    extract();
    Map<String, float[]> before = readWithDuckDb();
    // a mislabelled image moves to its right class, another is deleted
    Files.move(data.resolve("train/cat/img0.png"), data.resolve("train/dog/was_cat.png"));
    Files.delete(data.resolve("train/dog/img1.jpg"));
    ExtractStage.Result moved = extract();
    assertThat(moved.imagesRun()).isZero();
    assertThat(moved.upToDate()).isFalse();
    Map<String, float[]> after = readWithDuckDb();
    assertThat(after).hasSize(17).doesNotContainKeys("train/cat/img0.png|0", "train/dog/img1.jpg|0");
    assertThat(after.get("train/dog/was_cat.png|0")).containsExactly(before.get("train/cat/img0.png|0"));
    Manifest m = ManifestIO.read(store.toString());
    assertThat(m.splits().get("train").images()).isEqualTo(11);

    // a class folder renamed in every split: new label ids and names, the same features
    Files.move(data.resolve("train/cat"), data.resolve("train/tabby"));
    Files.move(data.resolve("val/cat"), data.resolve("val/tabby"));
    ExtractStage.Result renamed = extract();
    assertThat(renamed.imagesRun()).isZero();
    Manifest r = ManifestIO.read(store.toString());
    assertThat(r.classes()).containsExactly("dog", "tabby");
    Map<String, float[]> relabelled = readWithDuckDb();
    assertThat(relabelled.get("train/tabby/img1.jpg|0")).containsExactly(before.get("train/cat/img1.jpg|0"));

    // train reads the new labels straight away
    var loaded = new dev.headstart.features.FeatureStoreReader(store.toString()).load(List.of("train", "val"),
        List.of(), false);
    int row = Arrays.asList(loaded.split("train").paths()).indexOf("train/tabby/img1.jpg");
    assertThat(loaded.split("train").labels()[row]).isEqualTo(1);
  }

  @Test
  void theSameBytesUnderTwoClassesAreOneRowAndAListedConflict() throws Exception {
    extract();
    Files.copy(data.resolve("train/cat/img0.png"), data.resolve("train/dog/same_as_cat.png"));
    ExtractStage.Result r = extract();
    assertThat(r.imagesRun()).isZero();
    Manifest m = ManifestIO.read(store.toString());
    assertThat(m.labelConflicts()).hasSize(1);
    assertThat(m.labelConflicts().get(0).paths()).containsExactly("train/cat/img0.png", "train/dog/same_as_cat.png");
    assertThat(m.labelConflicts().get(0).classes()).containsExactly("cat", "dog");
    var reader = new dev.headstart.features.FeatureStoreReader(store.toString());
    assertThat(reader.load(List.of("train"), List.of(), false).split("train").rows()).isEqualTo(13);
    assertThat(reader.load(List.of("train"), List.of(), false, true).split("train").rows()).isEqualTo(11);
  }

  @Test
  void aSecondBackboneLivesBesideTheFirstAndSwitchingBackCostsNothing() throws Exception {
    extract();
    Map<String, float[]> first = readWithDuckDb();
    String firstFingerprint = ManifestIO.read(store.toString()).fingerprint();
    ExtractStage.Result second = extract("backbone.uri=tiny_cnn_spatial.pt");
    assertThat(second.imagesRun()).isEqualTo(18);
    assertThat(ManifestIO.read(store.toString()).backbone().get("uri")).isEqualTo("tiny_cnn_spatial.pt");
    assertThat(readWithDuckDb()).hasSize(18);
    ExtractStage.Result back = extract();
    assertThat(back.imagesRun()).isZero();
    assertThat(back.rowsWritten()).isZero();
    Manifest m = ManifestIO.read(store.toString());
    assertThat(m.fingerprint()).isEqualTo(firstFingerprint);
    assertThat(m.backbone().get("uri")).isEqualTo("tiny_cnn.pt");
    Map<String, float[]> again = readWithDuckDb();
    for (var e : first.entrySet()) assertThat(again.get(e.getKey())).containsExactly(e.getValue());
    try (Stream<Path> dirs = Files.list(store.resolve("rows"))) {
      assertThat(dirs.count()).isEqualTo(2);
    }
    // --overwrite computes this backbone's rows again and leaves the other's alone
    ExtractStage.Result redone = extract("extract.overwrite=true");
    assertThat(redone.imagesRun()).isEqualTo(18);
    try (Stream<Path> dirs = Files.list(store.resolve("rows"))) {
      assertThat(dirs.count()).isEqualTo(2);
    }
  }

  @Test
  void gcRemovesRowsNoListingReferencesAndCompactsSparseParts() throws Exception {
    extract();
    long[] full = storedRowsAndKeys();
    assertThat(full[0]).isEqualTo(18);
    Files.delete(data.resolve("train/cat/img0.png"));
    Files.delete(data.resolve("train/cat/img1.jpg"));
    Files.delete(data.resolve("train/cat/img2.bmp"));
    ExtractStage.Result r = extract("extract.gc=true");
    assertThat(r.imagesRun()).isZero();
    assertThat(r.gc().rowsRemoved()).isEqualTo(3);
    assertThat(r.gc().partsCompacted()).isPositive();
    long[] after = storedRowsAndKeys();
    assertThat(after[0]).isEqualTo(15).isEqualTo(after[1]);
    assertThat(readWithDuckDb()).hasSize(15);
  }

  private List<Path> parts() throws Exception {
    try (Stream<Path> s = Files.walk(store)) {
      return s.filter(p -> p.getFileName().toString().matches("part-.*\\.parquet")).sorted().toList();
    }
  }

  /** ./extract in a child JVM that halts at a crash point as kill -9 would; its exit status. */
  private int extractKilledAt(String crashPoint, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(dev.headstart.engine.ChildJvm.command("dev.headstart.cli.Headstart",
        new ArrayList<>(List.of("extract", "--config", dir.resolve("pipeline.yaml").toString())), false));
    cmd.addAll(Arrays.asList(args));
    cmd.add(1, "-Dheadstart.crash_at=" + crashPoint);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(180, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    System.out.println("child extract (crash at " + crashPoint + "):\n" + out);
    return p.exitValue();
  }

  @Test
  void anExtractKilledAfterItsFirstPartKeepsThatPartAndResumesWithoutDuplicates() throws Exception {
    extract();
    Map<String, float[]> reference = readWithDuckDb();
    deleteTree(store);

    assertThat(extractKilledAt("extract-part-published")).isEqualTo(137);
    assertThat(Files.exists(store.resolve("manifest.json"))).isFalse();
    List<Path> survived = parts();
    assertThat(survived).hasSize(1);
    assertThatThrownBy(() -> new dev.headstart.features.FeatureStoreReader(store.toString())
        .load(List.of("train"), List.of(), false)).hasMessageContaining("./extract");

    ExtractStage.Result resumed = extract();
    assertThat(resumed.imagesRun()).isEqualTo(18 - 4); // part_rows 4: the first part's four images are kept
    long[] rows = storedRowsAndKeys();
    assertThat(rows[0]).isEqualTo(18).isEqualTo(rows[1]);
    Map<String, float[]> after = readWithDuckDb();
    assertThat(after).hasSize(18);
    for (Map.Entry<String, float[]> e : after.entrySet()) {
      float[] ref = reference.get(e.getKey());
      for (int k = 0; k < ref.length; k++) {
        assertThat(e.getValue()[k]).isCloseTo(ref[k], org.assertj.core.data.Offset.offset(1e-5f));
      }
    }
  }

  @Test
  void aCompactionKilledAtAnyStepLosesAndDuplicatesNothing() throws Exception {
    extract();
    Map<String, float[]> reference = readWithDuckDb();
    Files.delete(data.resolve("train/cat/img0.png"));
    Files.delete(data.resolve("train/cat/img1.jpg"));
    Files.delete(data.resolve("train/cat/img2.bmp"));
    Path snapshot = dir.resolve("snapshot");
    copyTree(store, snapshot);
    for (String point : List.of("compaction-written", "compaction-journaled", "compaction-published-one")) {
      deleteTree(store);
      copyTree(snapshot, store);
      assertThat(extractKilledAt(point, "--gc")).as(point).isEqualTo(137);
      ExtractStage.Result r = extract();
      assertThat(r.imagesRun()).as(point).isZero();
      long[] rows = storedRowsAndKeys();
      assertThat(rows[0]).as(point + ": rows equal distinct keys").isEqualTo(rows[1]);
      assertThat(Files.exists(store.resolve("_compaction.json"))).isFalse();
      try (Stream<Path> s = Files.walk(store)) {
        assertThat(s.map(p -> p.getFileName().toString())).as(point).noneMatch(n -> n.endsWith(".inprogress"));
      }
      Map<String, float[]> after = readWithDuckDb();
      assertThat(after).as(point).hasSize(15);
      for (Map.Entry<String, float[]> e : after.entrySet()) {
        assertThat(e.getValue()).as(point + " " + e.getKey()).containsExactly(reference.get(e.getKey()));
      }
    }
  }

  private static void copyTree(Path from, Path to) throws Exception {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }

  private static void deleteTree(Path root) throws Exception {
    if (!Files.exists(root)) return;
    try (Stream<Path> s = Files.walk(root)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Test
  void aStoreOfTheEarlierLayoutIsRefusedThenMigratedWithoutAForwardPass() throws Exception {
    extract();
    Map<String, float[]> reference = readWithDuckDb();
    Manifest now = ManifestIO.read(store.toString());
    // the same features as the earlier layout wrote them: labels inside the rows, parts per split
    deleteTree(store);
    org.apache.avro.Schema old = org.apache.avro.SchemaBuilder.record("FeatureRow").namespace("dev.headstart.features")
        .fields().requiredString("path").requiredString("split").requiredInt("label").requiredString("label_name")
        .requiredInt("view").requiredString("content_hash")
        .name("features").type().array().items().floatType().noDefault().endRecord();
    var conf = dev.headstart.features.HadoopFs.configuration();
    for (String split : List.of("train", "val")) {
      try (var w = org.apache.parquet.avro.AvroParquetWriter.<org.apache.avro.generic.GenericRecord>builder(
          org.apache.parquet.hadoop.util.HadoopOutputFile.fromPath(new org.apache.hadoop.fs.Path(
              store.resolve(split + "/part-00000.parquet").toUri()), conf))
          .withSchema(old).withConf(conf).withDataModel(org.apache.avro.generic.GenericData.get()).build()) {
        for (var e : reference.entrySet()) {
          String path = e.getKey().substring(0, e.getKey().indexOf('|'));
          if (!path.startsWith(split + "/")) continue;
          var r = new org.apache.avro.generic.GenericData.Record(old);
          String cls = path.split("/")[1];
          r.put("path", path);
          r.put("split", split);
          r.put("label", now.classes().indexOf(cls));
          r.put("label_name", cls);
          r.put("view", 0);
          r.put("content_hash", dev.headstart.io.Hashing.sha256(data.resolve(path)));
          List<Float> f = new ArrayList<>();
          for (float v : e.getValue()) f.add(v);
          r.put("features", f);
          w.write(r);
        }
      }
    }
    PipelineConfig c = config();
    Preprocessor pre = new Preprocessor(BackboneLoader.locate(c.backbone(), dir).card());
    String legacyFingerprint = FeatureFingerprint.legacy(dev.headstart.io.Hashing.sha256(dir.resolve("tiny_cnn.pt")),
        ExtractStage.preprocessing(pre, c.extract()), now.classes());
    Files.writeString(store.resolve("manifest.json"), dev.headstart.io.Json.GSON.toJson(Map.of(
        "fingerprint", legacyFingerprint, "complete", true, "classes", now.classes(), "feature_dim", 32,
        "backbone", now.backbone(), "preprocessing", now.preprocessing(), "views", 0)));

    assertThatThrownBy(() -> extract()).isInstanceOf(UserException.class)
        .hasMessageContaining("earlier headstart").hasMessageContaining("--migrate").hasMessageContaining("--overwrite");
    assertThatThrownBy(() -> new dev.headstart.features.FeatureStoreReader(store.toString())
        .load(List.of("train"), List.of(), false)).hasMessageContaining("--migrate");
    // another backbone's store cannot be migrated into this one's fingerprint
    assertThatThrownBy(() -> extract("extract.migrate=true", "backbone.uri=tiny_cnn_spatial.pt"))
        .isInstanceOf(UserException.class).hasMessageContaining("cannot be migrated")
        .hasMessageContaining("tiny_cnn.pt");
    ExtractStage.Result migrated = extract("extract.migrate=true");
    assertThat(migrated.imagesRun()).isZero();
    assertThat(Files.exists(store.resolve("train"))).isFalse();
    Map<String, float[]> after = readWithDuckDb();
    assertThat(after).hasSize(18);
    for (var e : after.entrySet()) assertThat(e.getValue()).containsExactly(reference.get(e.getKey()));
  }

  /**
   * New images make their folder's time change: the backbone loads while the listing is
   * planned. A file rewritten in place leaves the folders alone: no early load, but it is found
   * by hashing and the backbone loads when needed, as ever.
   */
  @Test
  void theBackboneLoadsEarlyWhenAFolderChanged() throws Exception {
    extract();
    TestImages.write(data.resolve("train/cat/new.png"), TestImages.rgb(33, 35, 77), "png");
    ExtractStage.Result added = extract();
    assertThat(added.imagesRun()).isEqualTo(1);
    assertThat(added.manifest().timings()).containsEntry("backbone_preloaded", 1.0);

    Path cat = data.resolve("train/cat");
    java.nio.file.attribute.FileTime folderTime = Files.getLastModifiedTime(cat);
    TestImages.write(data.resolve("train/cat/img0.png"), TestImages.rgb(34, 36, 78), "png");
    Files.setLastModifiedTime(cat, folderTime);
    ExtractStage.Result rewritten = extract();
    assertThat(rewritten.imagesRun()).isEqualTo(1);
    assertThat(rewritten.manifest().timings()).doesNotContainKey("backbone_preloaded");
    assertThat(readWithDuckDb()).containsKey("train/cat/img0.png|0");
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
    // an image moved from val to train needs its views, and only them
    Files.move(data.resolve("val/cat/img0.png"), data.resolve("train/cat/from_val.png"));
    ExtractStage.Result moved = extract("extract.views=2", "extract.seed=3");
    assertThat(moved.imagesRun()).isEqualTo(1);
    assertThat(moved.rowsWritten()).isEqualTo(2);
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
        ResultSet rs = st.executeQuery("SELECT i.path, f.features FROM '" + store.resolve("index.parquet") + "' i"
            + " JOIN read_parquet('" + store.resolve("rows") + "/*/*.parquet') f USING (content_hash)")) {
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
