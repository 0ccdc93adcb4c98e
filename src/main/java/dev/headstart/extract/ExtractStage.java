package dev.headstart.extract;

import ai.djl.Device;
import dev.headstart.config.ExtractConfig;
import dev.headstart.config.ExtractEngine;
import dev.headstart.config.HeadstartVersion;
import dev.headstart.config.PipelineConfig;
import dev.headstart.core.Background;
import dev.headstart.core.Reporter;
import dev.headstart.core.Stage;
import dev.headstart.core.UserException;
import dev.headstart.features.FeatureStoreException;
import dev.headstart.features.FeatureStoreLayout;
import dev.headstart.features.FingerprintInfo;
import dev.headstart.features.HadoopFs;
import dev.headstart.features.Manifest;
import dev.headstart.features.Manifest.SkippedFile;
import dev.headstart.features.Manifest.SplitCounts;
import dev.headstart.features.ManifestIO;
import dev.headstart.features.StoreGc;
import dev.headstart.features.StoreIndex;
import dev.headstart.features.StoredKeys;
import dev.headstart.io.Hashing;
import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * The extract stage: the frozen backbone over every image content the store lacks, features to
 * Parquet parts keyed by content hash and view, the listing to index.parquet and provenance to
 * manifest.json. New images cost one forward pass each; moved, renamed, relabelled or deleted
 * ones none; features of another backbone or preprocessing live beside these under their own
 * fingerprint, so switching back costs nothing.
 */
public final class ExtractStage implements Stage<ExtractStage.Result> {
  /**
   * What an extract did.
   *
   * @param imagesRun image contents the backbone ran on
   * @param rowsWritten feature rows computed and stored
   * @param rowsReused rows the listing needs that the store already held
   * @param gc what --gc removed, or null
   */
  public record Result(Manifest manifest, boolean upToDate, int imagesRun, long rowsWritten, long rowsReused,
      int partsWritten, String location, StoreGc.Result gc) {}

  private final JobRunner runner;

  /** The extract of extract.engine: in this JVM, or (spark) a Spark driver in a child JVM. */
  public ExtractStage() {
    this(null);
  }

  /** An extract whose jobs this runner runs, whatever extract.engine says (the Spark driver's own). */
  public ExtractStage(JobRunner runner) {
    this.runner = runner;
  }

  @Override
  public String id() {
    return "extract";
  }

  @Override
  public Result run(PipelineConfig config, Reporter reporter) throws IOException {
    if (runner == null && config.extract().engine() == ExtractEngine.SPARK) {
      return SparkDriver.run(config, reporter);
    }
    JobRunner runner = this.runner != null ? this.runner : new LocalJobRunner();
    ExtractConfig ex = config.extract();
    long start = System.nanoTime();
    // data.root may be any Hadoop URI as well as a folder: the Spark engine's executors read it there
    ImageFiles imageFiles = ImageFiles.of(config.resolve(config.data().root()));
    BackboneSource source = BackboneLoader.locate(config.backbone(), config.baseDir());
    Preprocessor preprocessor = new Preprocessor(source.card());
    Device device = BackboneLoader.device(config.backbone().device());
    String location = config.resolve(ex.out());
    Path store = HadoopFs.toPath(location);
    Configuration conf = HadoopFs.configuration();
    String runId = runId();
    Backbone backbone = null;
    long loadNanos = 0;
    BackbonePreload preload = BackbonePreload.none();
    Background<StoreState> storeState = null;
    Background<ExtractPlan> planning = null;
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
      // a backbone exported with taps: each tap's features in a column of its own, all in one row
      List<Manifest.TapColumn> taps = TapRows.columns(source);
      String fingerprint = FeatureFingerprint.of(sha, preprocessing);
      Path dir = FeatureStoreLayout.fingerprintDir(store, fingerprint);
      String dataRoot = imageFiles.local("") != null
          ? imageFiles.local("").toAbsolutePath().normalize().toString() : imageFiles.location();

      // the store's side and the listing on threads of their own; meanwhile this thread, which will
      // run the forward passes, loads the backbone when the folder looks changed since the last
      // extract (new images most likely)
      storeState = Background.start("headstart-store", () -> StoreState.read(store, conf, location, ex, sha,
          preprocessing, fingerprint, dir, dataRoot, runId, reporter));
      Background<StoreState> stateReads = storeState;
      planning = Background.start("headstart-listing", () -> ExtractPlan.make(imageFiles,
          config.data(), ex, stateReads, reporter));
      if (backbone == null && runner.loadsBackboneHere() && backboneLikelyNeeded(imageFiles, store, dir, ex)) {
        // its known-answer check is this thread's first forward pass: the engine's per-thread start
        // is paid here, beside the listing, not by the first batch
        preload = BackbonePreload.load(reporter, held -> BackboneLoader.load(source, device, ex.precision(), sha, held));
      }
      ExtractPlan plan = planning.take();
      ImageFolderDataset dataset = plan.dataset();
      Listing listing = plan.listing();
      List<ExtractJob> jobs = plan.jobs();
      StoreState state = plan.state();
      HashCache cache = state.cache();
      StoredKeys stored = state.stored();
      ContentHasher hasher = plan.hasher();
      double listingSeconds = plan.listingSeconds();
      double hashSeconds = plan.hashSeconds();
      double lookupSeconds = plan.lookupSeconds();
      Optional<Manifest> old = state.manifest();
      FingerprintInfo info = state.info();
      if (jobs.isEmpty() && info != null && !ex.gc() && upToDate(old, fingerprint, listing, dataset)) {
        // an unchanged folder rewrites nothing: a file touched without a change only refreshes the cache
        if (hasher.stats().filesRead() > 0 || listing.cacheEntries().size() != cache.size()) {
          HashCache.write(store, conf, dataRoot, listing.cacheEntries());
        }
        ContentHasher.Stats hs = hasher.stats();
        reporter.info("extract: %s is up to date (%d images, %d classes, fingerprint %s; listed in %.2f s, hashed"
            + " %d files, %.1f MB, in %.2f s; %.2f s in all); nothing to do", location, listing.images(),
            dataset.classes().size(), fingerprint.substring(0, 12), listingSeconds, hs.filesRead(),
            hs.bytesRead() / 1e6, hashSeconds, (System.nanoTime() - start) / 1e9);
        return new Result(old.get(), true, 0, 0, stored.rows(), 0, location, null);
      }

      Map<String, Double> timings = new LinkedHashMap<>();
      JobRunner.Outcome outcome = null;
      double setupSeconds = 0;
      if (!jobs.isEmpty() || info == null) {
        // the backbone describes the rows it makes (and is checked here, before any work)
        if (backbone == null && preload.started()) {
          backbone = preload.take(reporter);
          loadNanos = preload.nanos();
        } else if (backbone == null) {
          long l0 = System.nanoTime();
          backbone = BackboneLoader.load(source, device, ex.precision(), sha, reporter);
          loadNanos = System.nanoTime() - l0;
        }
        if (info == null) {
          info = new FingerprintInfo(fingerprint, backbone.describe(), preprocessing, backbone.featureDim(), ex.views(),
              Instant.now().toString(), HeadstartVersion.VERSION, 0, 0);
          info.write(dir, conf);
        }
      }
      // the listing's two files (hash cache and index) go out while the backbone runs, once it has
      // passed its known-answer check (nothing is written before); again only if the decoder
      // refuses images. A reader meanwhile finds the index ahead of the manifest and is told an
      // extract is running
      ListingFiles written = ListingFiles.writeAsync(store, conf, dataRoot, listing);
      if (!jobs.isEmpty()) {
        // what comes before the first image: listing, hashing, the store's first touch, the backbone
        setupSeconds = (System.nanoTime() - start) / 1e9;
        outcome = runner.run(new JobRunner.Context(config, dataset.files(), source, preprocessor, backbone, sha, location,
            store, dir, conf, fingerprint, runId, reporter), jobs);
        listing.failed(outcome.failures(), ex.maxPixels());
      }
      String listingId = written.await();
      if (outcome != null && !outcome.failures().isEmpty()) {
        listingId = ListingFiles.writeAsync(store, conf, dataRoot, listing).await();
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      ContentHasher.Stats hs = hasher.stats();
      int imagesRun = outcome == null ? 0 : outcome.imagesRun();
      long rowsWritten = outcome == null ? 0 : outcome.rowsWritten();
      long rowsListed = rows(listing.counts(), ex.views());
      if (rowsWritten > 0) {
        info = info.plus(seconds, rowsWritten);
        info.write(dir, conf);
      }
      timings.put("seconds", seconds);
      // what the report charges the head method: the whole listing's features, not this rerun's share
      double full = info.secondsFor(rowsListed);
      if (Double.isFinite(full)) timings.put("full_extract_seconds", full);
      timings.put("images_run", (double) imagesRun);
      timings.put("rows_computed", (double) rowsWritten);
      timings.put("rows_reused", (double) Math.max(0, rowsListed - rowsWritten));
      timings.put("listing_seconds", listingSeconds);
      timings.put("hash_seconds", hashSeconds);
      timings.put("lookup_seconds", lookupSeconds);
      timings.put("store_read_seconds", state.seconds());
      timings.put("files_hashed", (double) hs.filesRead());
      timings.put("files_hash_cached", (double) hs.filesCached());
      timings.put("bytes_hashed", (double) hs.bytesRead());
      timings.put("hash_files_per_second_per_thread", hs.filesRead() == 0 ? 0 : hs.filesPerSecondPerThread());
      if (outcome != null) {
        timings.put("setup_seconds", setupSeconds);
        timings.put("backbone_load_seconds", loadNanos / 1e9);
        // loaded while the listing was planned: only what outlasted the planning delayed the first image
        if (preload.started()) timings.put("backbone_preloaded", 1.0);
        timings.putAll(outcome.timings());
      }
      Map<String, Object> description = backbone != null ? backbone.describe() : info.backbone();
      Manifest manifest = new Manifest(HeadstartVersion.VERSION, Instant.now().toString(), fingerprint, description,
          preprocessing, dataset.classes(), info.featureDim(), ex.views(), splitCounts(dataset, listing, ex.views()),
          listing.skipped(), timings, dataRoot, true, FeatureStoreLayout.LAYOUT, listingId,
          FeatureStoreLayout.ROWS + "/" + FeatureStoreLayout.dirName(fingerprint), listing.conflicts(),
          taps.isEmpty() ? null : taps);
      ManifestIO.write(store, manifest, conf);

      StoreGc.Result gc = null;
      if (ex.gc()) {
        gc = new StoreGc(store, conf).collect(listing.hashes(), ex.compactBelow(), runId, ex.partRows());
        reporter.info("extract --gc: %d rows of images no longer listed removed, %d kept; %d parts deleted,"
            + " %d sparse parts compacted into %d; %.1f MB -> %.1f MB", gc.rowsRemoved(), gc.rowsKept(),
            gc.partsDeleted(), gc.partsCompacted(), gc.partsWritten(), gc.bytesBefore() / 1e6, gc.bytesAfter() / 1e6);
      }
      if (!manifest.labelConflicts().isEmpty()) {
        reporter.warn("extract: %d image contents appear under more than one class (first: %s); they are listed"
            + " under label_conflicts in %s/manifest.json, and train.label_conflicts decides whether train keeps"
            + " them", manifest.labelConflicts().size(), String.join(", ", manifest.labelConflicts().get(0).paths()),
            location);
      }
      String line = String.format(Locale.ROOT,
          "extract: %d images listed, %d rows reused, %d computed (%d images run), %d skipped, in %.1f s "
              + "(hashing %d files %.1f s%s) -> %s",
          listing.images(), Math.max(0, rowsListed - rowsWritten), rowsWritten, imagesRun, manifest.skipped().size(),
          seconds, hs.filesRead(), hashSeconds, outcome == null ? "; no forward pass" : "; " + outcome.summary(),
          location);
      reporter.info("%s", line);
      return new Result(manifest, false, imagesRun, rowsWritten, Math.max(0, rowsListed - rowsWritten),
          outcome == null ? 0 : outcome.partsWritten(), location, gc);
    } catch (FeatureStoreException e) {
      throw new UserException(e.getMessage(), e);
    } finally {
      // nothing goes on behind the caller's back: an unused backbone is closed, the store's reads end
      preload.close();
      if (planning != null) planning.finish();
      if (storeState != null) storeState.finish();
      if (backbone != null) backbone.close();
    }
  }

  /**
   * Whether to load the backbone while the folder is listed: no hash cache or no rows of this
   * fingerprint yet, --overwrite, or a folder changed since the hash cache was written. Checked
   * on the local disk without Hadoop (its first use costs more than the whole check). A data root
   * that is no folder loads nothing: the listing's error comes without waiting for a backbone.
   */
  private static boolean backboneLikelyNeeded(ImageFiles files, Path store, Path dir, ExtractConfig ex) {
    if (files.local("") != null && !files.isFolder("")) return false;
    if (ex.overwrite()) return true;
    long cacheWritten = modifiedMillis(FeatureStoreLayout.hashCache(store));
    if (cacheWritten <= 0 || modifiedMillis(new Path(dir, FeatureStoreLayout.FINGERPRINT_INFO)) <= 0) return true;
    return FolderChanges.since(files, cacheWritten);
  }

  /** A file's modification time in milliseconds; 0 when it does not exist, -1 when unknown (not on this disk). */
  private static long modifiedMillis(Path file) {
    String scheme = file.toUri().getScheme();
    if (scheme != null && !scheme.equals("file")) return -1;
    return new java.io.File(file.toUri().getPath()).lastModified();
  }

  private static boolean upToDate(Optional<Manifest> old, String fingerprint, Listing listing,
      ImageFolderDataset dataset) {
    if (old.isEmpty()) return false;
    Manifest m = old.get();
    return m.layout() == FeatureStoreLayout.LAYOUT && m.complete() && fingerprint.equals(m.fingerprint())
        && StoreIndex.listingId(listing.index()).equals(m.listing()) && m.classes().equals(dataset.classes())
        && Objects.equals(m.skipped(), listing.skipped());
  }

  private static Map<String, SplitCounts> splitCounts(ImageFolderDataset dataset, Listing listing, int views) {
    Map<String, Integer> images = listing.counts();
    Map<String, int[]> skipped = new LinkedHashMap<>();
    for (SkippedFile s : listing.skipped()) skipped.computeIfAbsent(s.split(), k -> new int[1])[0]++;
    Map<String, SplitCounts> out = new LinkedHashMap<>();
    List<String> names = new ArrayList<>(dataset.splitNames());
    for (String s : skipped.keySet()) if (!names.contains(s)) names.add(s);
    for (String split : names) {
      int n = images.getOrDefault(split, 0);
      int perImage = split.equals(ImageFolderDataset.TRAIN) ? 1 + views : 1;
      out.put(split, new SplitCounts(n, n * perImage, skipped.getOrDefault(split, new int[1])[0]));
    }
    return out;
  }

  private static long rows(Map<String, Integer> images, int views) {
    long n = 0;
    for (Map.Entry<String, Integer> e : images.entrySet()) {
      n += (long) e.getValue() * (e.getKey().equals(ImageFolderDataset.TRAIN) ? 1 + views : 1);
    }
    return n;
  }

  /** This run's id in its part names: the time (names sort by it) and a random tail (two runs never collide). */
  private static String runId() {
    return DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT).withZone(ZoneOffset.UTC)
        .format(Instant.now()) + "-" + String.format(Locale.ROOT, "%06x", ThreadLocalRandom.current().nextInt(1 << 24));
  }

  static Map<String, Object> preprocessing(Preprocessor preprocessor, ExtractConfig ex) {
    Map<String, Object> p = new LinkedHashMap<>(preprocessor.describe());
    p.put("eval_transform", "Resize(resize) -> CenterCrop(input_size) -> ToTensor -> Normalize(mean, std)");
    p.put("views", ex.views());
    if (ex.views() > 0) {
      p.put("view_transform", "RandomResizedCrop(input_size, scale=(0.08, 1), ratio=(3/4, 4/3)) "
          + "-> RandomHorizontalFlip(0.5) -> ToTensor -> Normalize(mean, std)");
      p.put("view_seed", ex.seed());
    }
    p.put("precision", ex.precision());
    // only reduced decoding adds a key: exact decoding keeps the fingerprints stores already have
    if (LocalJobRunner.reducedDecode(ex)) p.put("jpeg_decode", ImageDecoder.REDUCED_DECODE);
    return p;
  }
}
