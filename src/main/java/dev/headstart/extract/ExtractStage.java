package dev.headstart.extract;

import ai.djl.pytorch.jni.JniUtils;

import dev.headstart.core.UserException;
import ai.djl.Device;
import dev.headstart.config.ExtractConfig;
import dev.headstart.engine.LibtorchThreads;
import dev.headstart.config.HeadstartVersion;
import dev.headstart.config.PipelineConfig;
import dev.headstart.core.ProgressMeter;
import dev.headstart.core.Reporter;
import dev.headstart.core.Stage;
import dev.headstart.extract.ExtractState.PartRecord;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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

  private static final Logger LOG = LoggerFactory.getLogger(ExtractStage.class);

  @Override
  public String id() {
    return "extract";
  }

  @Override
  public Result run(PipelineConfig config, Reporter reporter) throws IOException {
    ExtractConfig ex = config.extract();
    long start = System.nanoTime();
    ImageFolderDataset dataset = ImageFolderDataset.scan(config.resolvePath(config.data().root()), config.data());
    if (ex.strict() && !dataset.skipped().isEmpty()) {
      SkippedFile s = dataset.skipped().get(0);
      throw new UserException("--strict: " + dataset.root().resolve(s.path()) + ": " + s.reason()
          + "; fix or remove it, or run without --strict to skip it");
    }
    BackboneSource source = BackboneLoader.locate(config.backbone(), config.baseDir());
    Preprocessor preprocessor = new Preprocessor(source.card());
    Device device = BackboneLoader.device(config.backbone().device());
    Backbone backbone = null;
    long loadNanos = 0;
    try {
      String sha;
      if (source.isModelZoo()) {
        // a zoo model's file (and so the fingerprint) is known only once it is downloaded
        long l0 = System.nanoTime();
        backbone = BackboneLoader.load(source, device, ex.precision(), null, reporter);
        loadNanos = System.nanoTime() - l0;
        sha = backbone.sha256();
      } else {
        sha = Hashing.sha256(source.inferenceFile(ex.precision()));
      }
      Map<String, Object> preprocessing = preprocessing(preprocessor, ex);
      StorePlan store = StorePlan.of(config.resolve(ex.out()), ex, dataset, sha, preprocessing);
      if (store.upToDate() != null) {
        Manifest m = store.upToDate();
        reporter.info("extract: %s is up to date (%d classes, fingerprint %s); nothing to do",
            store.location(), m.classes().size(), store.fingerprint().substring(0, 12));
        return new Result(m, true, 0, store.plan().chunks().size(), 0, store.location());
      }
      store.running().write(store.path(), store.conf());
      if (backbone == null) {
        long l0 = System.nanoTime();
        backbone = BackboneLoader.load(source, device, ex.precision(), sha, reporter);
        loadNanos = System.nanoTime() - l0;
      }
      ManifestIO.write(store.path(),
          manifest(ex, dataset, backbone, preprocessing, store.fingerprint(), store.done(), Map.of(), false),
          store.conf());

      Threads threads = Threads.of(ex);
      int images = store.todo().stream().mapToInt(c -> c.images().size()).sum();
      ProgressMeter progress = new ProgressMeter(reporter.progress(), images, 30, false);
      ExtractionPipeline pipeline = new ExtractionPipeline(new ImageDecoder(ex.maxPixels()), preprocessor,
          backbone, store.path(), store.conf(), store.fingerprint(), ex.batchSize(), threads.decoders(), ex.seed(),
          ex.strict(), progress);
      // the stages of ./run share this JVM: train and finetune get the threads they started with
      int threadsBefore = LibtorchThreads.set(threads.intraOp());
      ThreadBalance balancer = null;
      if (threads.balanceTorch() || threads.balanceDecoders()) {
        balancer = new ThreadBalance(Runtime.getRuntime().availableProcessors(), threads.decoders(),
            threads.intraOp(), backbone.device().isGpu(), threads.balanceTorch() ? JniUtils::setNumThreads : null,
            threads.balanceDecoders() ? pipeline::allowDecoders : null, LOG::info);
        pipeline.balanceThreads(balancer);
      }
      // what comes before the first image: listing, hashing, the store's first touch, the backbone
      double setupSeconds = (System.nanoTime() - start) / 1e9;
      try {
        pipeline.run(store.todo(), (chunk, record) -> {
          store.done().put(ExtractState.partKey(chunk.split(), chunk.index()), record);
          store.running().write(store.path(), store.conf());
        });
      } finally {
        LibtorchThreads.set(threadsBefore);
      }
      store.removeStaleParts();

      double seconds = (System.nanoTime() - start) / 1e9;
      Map<String, Double> timings = new LinkedHashMap<>();
      timings.put("seconds", seconds);
      timings.put("images_run", (double) images);
      timings.put("images_resumed", (double) (store.plan().images() - images));
      timings.put("images_per_second", images / Math.max(progress.seconds(), 1e-9));
      timings.put("setup_seconds", setupSeconds);
      timings.put("backbone_load_seconds", loadNanos / 1e9);
      timings.put("decode_thread_seconds", pipeline.decodeSeconds());
      timings.put("forward_seconds", pipeline.forwardSeconds());
      timings.put("write_seconds", pipeline.writeSeconds());
      timings.put("decode_threads", (double) (balancer != null ? balancer.decoders() : threads.decoders()));
      timings.put("intra_op_threads", (double) (balancer != null ? balancer.threads() : threads.intraOp()));
      timings.put("batch_size", (double) ex.batchSize());
      Manifest manifest = manifest(ex, dataset, backbone, preprocessing, store.fingerprint(), store.done(), timings,
          true);
      ManifestIO.write(store.path(), manifest, store.conf());
      store.running().withInputsHash(store.plan().inputsHash()).write(store.path(), store.conf());

      int rows = manifest.splits().values().stream().mapToInt(SplitCounts::rows).sum();
      progress.line(String.format(Locale.ROOT,
          "extract: %d images run (%d resumed), %d rows, %d skipped, in %.1f s (%.1f images/s; forward %.1f s) -> %s",
          images, store.plan().images() - images, rows, manifest.skipped().size(), seconds,
          timings.get("images_per_second"), pipeline.forwardSeconds(), store.location()));
      return new Result(manifest, false, images, store.plan().chunks().size() - store.todo().size(),
          store.todo().size(), store.location());
    } finally {
      if (backbone != null) backbone.close();
    }
  }

  /**
   * Who gets the cores: decoding threads and libtorch's intra-op threads, as configured (or as
   * the user's -Dai.djl.pytorch.num_threads says), else split by the rules below; what nobody
   * chose, ThreadBalance may revise after the first batches.
   */
  record Threads(int decoders, int intraOp, boolean balanceDecoders, boolean balanceTorch) {
    static Threads of(ExtractConfig ex) {
      int decoders = decodeThreads(ex.threads());
      boolean torchChosen = ex.intraOpThreads() > 0 || LibtorchThreads.userSetting() > 0;
      int intraOp = ex.intraOpThreads() > 0 ? ex.intraOpThreads()
          : LibtorchThreads.orUser(intraOpThreads(0, decoders));
      return new Threads(decoders, intraOp, ex.threads() == 0, !torchChosen);
    }
  }

  /**
   * Decoding threads: as configured, or a third of the cores (at least one). The forward pass
   * is the heavier half of the work and libtorch spreads it over the cores itself; more decoders
   * only steal its cores (bench/compare.sh compares the settings).
   */
  static int decodeThreads(int configured) {
    if (configured > 0) return configured;
    return Math.max(1, Runtime.getRuntime().availableProcessors() / 3);
  }

  /**
   * libtorch's threads: as configured, or the cores the decoders leave (at least one). Never
   * more: an OpenMP forward pass waits at every barrier for its slowest thread, so one decoder
   * preempting one of its threads stalls all of them (on two cores, oversubscribing slows the
   * bundled example several times over).
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


}
