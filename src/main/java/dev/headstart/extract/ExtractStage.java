package dev.headstart.extract;

import ai.djl.pytorch.jni.JniUtils;

import dev.headstart.core.UserException;
import dev.headstart.config.ExtractConfig;
import dev.headstart.config.HeadstartVersion;
import dev.headstart.config.PipelineConfig;
import dev.headstart.core.ProgressMeter;
import dev.headstart.core.Reporter;
import dev.headstart.core.Stage;
import dev.headstart.extract.ExtractState.PartRecord;
import dev.headstart.extract.ExtractionPlan.Chunk;
import dev.headstart.features.FeatureStoreLayout;
import dev.headstart.features.HadoopFs;
import dev.headstart.features.Manifest;
import dev.headstart.features.Manifest.SkippedFile;
import dev.headstart.features.Manifest.SplitCounts;
import dev.headstart.features.ManifestIO;
import dev.headstart.io.Hashing;
import dev.headstart.io.Json;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The extract stage: the frozen backbone once over every image, features to Parquet parts and
 * provenance to manifest.json. Decides first what is already done: a finished store with the
 * same fingerprint and inputs is left alone; finished parts of an interrupted run are kept; a
 * store made by another backbone, preprocessing or class list is refused unless --overwrite.
 */
public final class ExtractStage implements Stage<ExtractStage.Result> {
  /** What an extract did. */
  public record Result(Manifest manifest, boolean upToDate, int imagesRun, int partsKept, int partsWritten,
      String location) {}

  static final String INTRA_OP_PROPERTY = "ai.djl.pytorch.num_threads";
  private static final Logger LOG = LoggerFactory.getLogger(ExtractStage.class);

  @Override
  public String id() {
    return "extract";
  }

  @Override
  public Result run(PipelineConfig config, Reporter reporter) throws IOException {
    ExtractConfig ex = config.extract();
    long start = System.nanoTime();
    int decodeThreads = decodeThreads(ex.threads());
    // what nobody chose, ThreadBalance may revise after the first batches: libtorch's threads, decoders
    boolean balanceTorch = System.getProperty(INTRA_OP_PROPERTY) == null && ex.intraOpThreads() == 0;
    boolean balanceDecoders = ex.threads() == 0;
    if (System.getProperty(INTRA_OP_PROPERTY) == null || ex.intraOpThreads() > 0) {
      // DJL reads it when the engine starts, which is later in this run for the CLI
      System.setProperty(INTRA_OP_PROPERTY, String.valueOf(intraOpThreads(ex.intraOpThreads(), decodeThreads)));
    }
    String location = config.resolve(ex.out());
    Path store = HadoopFs.toPath(location);
    Configuration conf = HadoopFs.configuration();
    ImageFolderDataset dataset = ImageFolderDataset.scan(config.resolvePath(config.data().root()), config.data());
    if (ex.strict() && !dataset.skipped().isEmpty()) {
      SkippedFile s = dataset.skipped().get(0);
      throw new UserException("--strict: " + dataset.root().resolve(s.path()) + ": " + s.reason()
          + "; fix or remove it, or run without --strict to skip it");
    }
    BackboneSource source = BackboneLoader.locate(config.backbone(), config.baseDir());
    Preprocessor preprocessor = new Preprocessor(source.card());
    Backbone backbone = null;
    long loadNanos = 0;
    try {
      String sha;
      if (source.isModelZoo()) {
        long l0 = System.nanoTime();
        backbone = BackboneLoader.load(source, BackboneLoader.device(config.backbone().device()), ex.precision(), null, reporter);
        loadNanos = System.nanoTime() - l0;
        sha = backbone.sha256();
      } else {
        sha = Hashing.sha256(source.inferenceFile(ex.precision()));
      }
      Map<String, Object> preprocessing = preprocessing(preprocessor, ex);
      String fingerprint = fingerprint(sha, preprocessing, dataset.classes());

      Optional<Manifest> existing = readManifest(store, conf);
      ExtractState state = ExtractState.read(store, conf);
      String oldFingerprint = existing.map(Manifest::fingerprint)
          .orElse(state == null ? null : state.fingerprint());
      if (ex.overwrite()) {
        clear(store, conf);
        state = null;
        existing = Optional.empty();
      } else if (oldFingerprint != null && !oldFingerprint.equals(fingerprint)) {
        throw new UserException("feature store " + location + " holds features made differently ("
            + difference(existing.orElse(null), sha, preprocessing, dataset.classes())
            + "); rerun with --overwrite to replace them, or set extract.out (--out) to another folder");
      }
      ExtractionPlan plan = ExtractionPlan.of(dataset, ex.views(), ex.partRows(), ex.maxPixels(), fingerprint);
      if (existing.isPresent() && existing.get().complete() && state != null
          && plan.inputsHash().equals(state.inputsHash())) {
        reporter.info("extract: %s is up to date (%d classes, fingerprint %s); nothing to do",
            location, existing.get().classes().size(), fingerprint.substring(0, 12));
        return new Result(existing.get(), true, 0, plan.chunks().size(), 0, location);
      }
      if (state == null || !fingerprint.equals(state.fingerprint())) state = ExtractState.empty(fingerprint);

      // finished parts of an interrupted run that would hold the same images again are kept
      Map<String, PartRecord> done = new TreeMap<>();
      List<Chunk> todo = new ArrayList<>();
      FileSystem fs = HadoopFs.fileSystem(store, conf);
      for (Chunk c : plan.chunks()) {
        String key = ExtractState.partKey(c.split(), c.index());
        PartRecord r = state.parts().get(key);
        boolean kept = r != null && r.chunkKey().equals(c.key())
            && (r.rows() == 0 || fs.exists(FeatureStoreLayout.part(store, c.split(), c.index())));
        if (kept) {
          done.put(key, r);
        } else {
          todo.add(c);
        }
      }
      // the state written after every part is this one, over the `done` map the listener grows
      ExtractState running = new ExtractState(fingerprint, "", done);
      running.write(store, conf);

      if (backbone == null) {
        long l0 = System.nanoTime();
        backbone = BackboneLoader.load(source, BackboneLoader.device(config.backbone().device()), ex.precision(), sha,
            reporter);
        loadNanos = System.nanoTime() - l0;
      }
      ManifestIO.write(store, manifest(ex, dataset, backbone, preprocessing, fingerprint, done, Map.of(), false), conf);

      int images = todo.stream().mapToInt(c -> c.images().size()).sum();
      ProgressMeter progress = new ProgressMeter(reporter.progress(), images, 30, false);
      ExtractionPipeline pipeline = new ExtractionPipeline(new ImageDecoder(ex.maxPixels()), preprocessor,
          backbone, store, conf, fingerprint, ex.batchSize(), decodeThreads, ex.seed(), ex.strict(), progress);
      ThreadBalance balancer = null;
      int threadsBefore = JniUtils.getNumThreads();
      if (balanceTorch || balanceDecoders) {
        balancer = new ThreadBalance(Runtime.getRuntime().availableProcessors(), decodeThreads, threadsBefore,
            backbone.device().isGpu(), balanceTorch ? JniUtils::setNumThreads : null,
            balanceDecoders ? pipeline::allowDecoders : null, LOG::info);
        pipeline.balanceThreads(balancer);
      }
      // what comes before the first image: listing, hashing, the store's first touch, the backbone
      double setupSeconds = (System.nanoTime() - start) / 1e9;
      try {
        pipeline.run(todo, (chunk, record) -> {
          done.put(ExtractState.partKey(chunk.split(), chunk.index()), record);
          running.write(store, conf);
        });
      } finally {
        // the stages of ./run share this JVM: train and finetune get the threads they started with
        if (balancer != null && balancer.threads() != threadsBefore) JniUtils.setNumThreads(threadsBefore);
      }
      removeStaleParts(fs, store, plan, done);

      double seconds = (System.nanoTime() - start) / 1e9;
      Map<String, Double> timings = new LinkedHashMap<>();
      timings.put("seconds", seconds);
      timings.put("images_run", (double) images);
      timings.put("images_resumed", (double) (plan.images() - images));
      timings.put("images_per_second", images / Math.max(progress.seconds(), 1e-9));
      timings.put("setup_seconds", setupSeconds);
      timings.put("backbone_load_seconds", loadNanos / 1e9);
      timings.put("decode_thread_seconds", pipeline.decodeSeconds());
      timings.put("forward_seconds", pipeline.forwardSeconds());
      timings.put("write_seconds", pipeline.writeSeconds());
      timings.put("decode_threads", (double) (balancer != null ? balancer.decoders() : decodeThreads));
      timings.put("intra_op_threads", balancer != null ? balancer.threads() : intraOpThreads());
      timings.put("batch_size", (double) ex.batchSize());
      Manifest manifest = manifest(ex, dataset, backbone, preprocessing, fingerprint, done, timings, true);
      ManifestIO.write(store, manifest, conf);
      running.withInputsHash(plan.inputsHash()).write(store, conf);

      int rows = manifest.splits().values().stream().mapToInt(SplitCounts::rows).sum();
      progress.line(String.format(Locale.ROOT,
          "extract: %d images run (%d resumed), %d rows, %d skipped, in %.1f s (%.1f images/s; forward %.1f s) -> %s",
          images, plan.images() - images, rows, manifest.skipped().size(), seconds,
          timings.get("images_per_second"), pipeline.forwardSeconds(), location));
      return new Result(manifest, false, images, plan.chunks().size() - todo.size(), todo.size(), location);
    } finally {
      if (backbone != null) backbone.close();
    }
  }

  /**
   * The forward pass's thread count as libtorch has it: the property, the core count when it is
   * unset, 0 when it is not a number.
   */
  private static double intraOpThreads() {
    String p = System.getProperty(INTRA_OP_PROPERTY);
    try {
      return p == null ? Runtime.getRuntime().availableProcessors() : Double.parseDouble(p);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /**
   * Decoding threads: as configured, or a third of the cores (at least one). The forward pass
   * is the heavier half of the work and libtorch spreads it over the cores itself; more decoders
   * only steal its cores (measured in bench/extract.sh, see bench/results-extract.md).
   */
  static int decodeThreads(int configured) {
    if (configured > 0) return configured;
    return Math.max(1, Runtime.getRuntime().availableProcessors() / 3);
  }

  /**
   * libtorch's threads: as configured, or the cores the decoders leave (at least one). Never
   * more: an OpenMP forward pass waits at every barrier for its slowest thread, so one decoder
   * preempting one of its threads stalls all of them. On the 2-core machine, 1 decoder + 2
   * intra-op threads extracted the bundled example at 18-23 images/s, 1 + 1 at 112-116.
   */
  static int intraOpThreads(int configured, int decodeThreads) {
    if (configured > 0) return configured;
    return Math.max(1, Runtime.getRuntime().availableProcessors() - decodeThreads);
  }

  private static Map<String, Object> preprocessing(Preprocessor preprocessor, ExtractConfig ex) {
    Map<String, Object> p = new LinkedHashMap<>(preprocessor.describe());
    p.put("eval_transform", "Resize(resize) -> CenterCrop(input_size) -> ToTensor -> Normalize(mean, std)");
    p.put("views", ex.views());
    if (ex.views() > 0) {
      p.put("view_transform", "RandomResizedCrop(input_size, scale=(0.08, 1), ratio=(3/4, 4/3)) "
          + "-> RandomHorizontalFlip(0.5) -> ToTensor -> Normalize(mean, std)");
      p.put("view_seed", ex.seed());
    }
    p.put("precision", ex.precision());
    return p;
  }

  /** Equal fingerprints: same backbone file, preprocessing, views and class list. */
  static String fingerprint(String backboneSha, Map<String, Object> preprocessing, List<String> classes) {
    Map<String, Object> parts = new LinkedHashMap<>();
    parts.put("backbone_sha256", backboneSha);
    parts.put("preprocessing", preprocessing);
    parts.put("classes", classes);
    return Hashing.sha256(Json.GSON.toJson(parts));
  }

  private static String difference(Manifest old, String sha, Map<String, Object> preprocessing, List<String> classes) {
    if (old == null) return "an interrupted extract with another fingerprint";
    List<String> diffs = new ArrayList<>();
    Object oldSha = old.backbone() == null ? null : old.backbone().get("sha256");
    if (!Objects.equals(oldSha, sha)) {
      diffs.add("backbone " + old.backbone().get("uri") + " sha256 " + shortSha(oldSha) + ", now " + shortSha(sha));
    }
    if (!Json.GSON.toJson(old.preprocessing()).equals(Json.GSON.toJson(Json.GSON.fromJson(
        Json.GSON.toJson(preprocessing), Map.class)))) {
      diffs.add("preprocessing " + compact(old.preprocessing()) + ", now " + compact(preprocessing));
    }
    if (!Objects.equals(old.classes(), classes)) diffs.add("classes " + old.classes() + ", now " + classes);
    return diffs.isEmpty() ? "another fingerprint" : String.join("; ", diffs);
  }

  private static String shortSha(Object sha) {
    String s = String.valueOf(sha);
    return s.length() > 12 ? s.substring(0, 12) : s;
  }

  private static String compact(Object o) {
    return Json.GSON.toJson(o).replaceAll("\\s+", " ");
  }

  private static Optional<Manifest> readManifest(Path store, Configuration conf) {
    try {
      return ManifestIO.readIfExists(store, conf);
    } catch (IOException e) {
      throw new UserException(e.getMessage() + " (or rerun with --overwrite to start the store again)", e);
    }
  }

  private static Manifest manifest(ExtractConfig ex, ImageFolderDataset dataset, Backbone backbone, Map<String, Object> preprocessing,
      String fingerprint, Map<String, PartRecord> parts, Map<String, Double> timings, boolean complete) {
    List<SkippedFile> skipped = new ArrayList<>(dataset.skipped());
    Map<String, int[]> counts = new LinkedHashMap<>();
    for (String split : dataset.splitNames()) counts.put(split, new int[3]);
    for (Map.Entry<String, PartRecord> e : parts.entrySet()) {
      String split = e.getKey().substring(0, e.getKey().lastIndexOf('/'));
      int[] c = counts.computeIfAbsent(split, k -> new int[3]);
      c[0] += e.getValue().images();
      c[1] += e.getValue().rows();
      skipped.addAll(e.getValue().skipped());
    }
    skipped.sort(Comparator.comparing(SkippedFile::split).thenComparing(SkippedFile::path));
    for (SkippedFile s : skipped) counts.computeIfAbsent(s.split(), k -> new int[3])[2]++;
    Map<String, SplitCounts> splits = new LinkedHashMap<>();
    counts.forEach((k, c) -> splits.put(k, new SplitCounts(c[0], c[1], c[2])));
    return new Manifest(HeadstartVersion.VERSION, Instant.now().toString(), fingerprint, backbone.describe(),
        preprocessing, dataset.classes(), backbone.featureDim(), ex.views(), splits, skipped, timings,
        dataset.root().toAbsolutePath().toString(), complete);
  }

  /** Parts a previous, larger plan wrote (or half-written temporaries) would mix into reads. */
  private static void removeStaleParts(FileSystem fs, Path store, ExtractionPlan plan,
      Map<String, PartRecord> done) throws IOException {
    Set<String> wanted = new HashSet<>();
    for (Chunk c : plan.chunks()) {
      PartRecord r = done.get(ExtractState.partKey(c.split(), c.index()));
      // a chunk whose images were all skipped has no part: an old file of that name is stale
      if (r != null && r.rows() > 0) {
        wanted.add(FeatureStoreLayout.part(store, c.split(), c.index()).getName() + "@" + c.split());
      }
    }
    for (String split : List.of("train", "val", "test")) {
      Path dir = FeatureStoreLayout.splitDir(store, split);
      if (!fs.exists(dir)) continue;
      for (FileStatus f : fs.listStatus(dir)) {
        String name = f.getPath().getName();
        boolean part = FeatureStoreLayout.isPart(name);
        boolean temp = name.startsWith(".") && name.endsWith(".inprogress");
        if ((part && !wanted.contains(name + "@" + split)) || temp) fs.delete(f.getPath(), false);
      }
    }
  }

  /** --overwrite: only what extract writes is removed, never other files in the folder. */
  private static void clear(Path store, Configuration conf) throws IOException {
    FileSystem fs = HadoopFs.fileSystem(store, conf);
    if (!fs.exists(store)) return;
    for (String split : List.of("train", "val", "test")) {
      Path dir = FeatureStoreLayout.splitDir(store, split);
      if (!fs.exists(dir)) continue;
      for (FileStatus f : fs.listStatus(dir)) {
        String name = f.getPath().getName();
        if (FeatureStoreLayout.isPart(name) || name.endsWith(".inprogress")) fs.delete(f.getPath(), false);
      }
    }
    fs.delete(FeatureStoreLayout.manifest(store), false);
    fs.delete(new Path(store, ExtractState.FILE_NAME), false);
  }
}
