package dev.headstart.extract;

import ai.djl.Device;
import dev.headstart.config.ExtractConfig;
import dev.headstart.config.ExtractEngine;
import dev.headstart.config.HeadstartVersion;
import dev.headstart.config.PipelineConfig;
import dev.headstart.core.Reporter;
import dev.headstart.core.Stage;
import dev.headstart.core.UserException;
import dev.headstart.features.FeatureStoreException;
import dev.headstart.features.FeatureStoreLayout;
import dev.headstart.features.FingerprintInfo;
import dev.headstart.features.HadoopFs;
import dev.headstart.features.LegacyStore;
import dev.headstart.features.Manifest;
import dev.headstart.features.Manifest.SkippedFile;
import dev.headstart.features.Manifest.SplitCounts;
import dev.headstart.features.ManifestIO;
import dev.headstart.features.StoreGc;
import dev.headstart.features.StoreIndex;
import dev.headstart.features.StoredKeys;
import dev.headstart.io.Hashing;
import dev.headstart.io.Json;
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
import org.apache.hadoop.fs.FileSystem;
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
    ImageFolderDataset dataset = ImageFolderDataset.scan(ImageFiles.of(config.resolve(config.data().root())),
        config.data());
    double listingSeconds = (System.nanoTime() - start) / 1e9;
    if (ex.strict() && !dataset.skipped().isEmpty()) throw strict(dataset, dataset.skipped().get(0));
    BackboneSource source = BackboneLoader.locate(config.backbone(), config.baseDir());
    Preprocessor preprocessor = new Preprocessor(source.card());
    Device device = BackboneLoader.device(config.backbone().device());
    String location = config.resolve(ex.out());
    Path store = HadoopFs.toPath(location);
    Configuration conf = HadoopFs.configuration();
    String runId = runId();
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
      // a backbone exported with taps: each tap's features in a column of its own, all in one row
      List<Manifest.TapColumn> taps = TapRows.columns(source);
      String fingerprint = FeatureFingerprint.of(sha, preprocessing);
      Path dir = FeatureStoreLayout.fingerprintDir(store, fingerprint);
      prepareStore(store, conf, location, ex, sha, preprocessing, fingerprint, runId, reporter);
      if (ex.overwrite()) dropRows(dir, conf, reporter);

      // which bytes are listed, and which of them the store already has
      long h0 = System.nanoTime();
      String dataRoot = dataset.root() != null ? dataset.root().toAbsolutePath().normalize().toString()
          : dataset.files().location();
      ContentHasher hasher = new ContentHasher(Runtime.getRuntime().availableProcessors());
      List<ImageEntry> files = new ArrayList<>();
      for (String split : dataset.splitNames()) files.addAll(dataset.split(split));
      HashCache cache = HashCache.read(store, conf, dataRoot);
      Listing listing = Listing.of(dataset, hasher.hash(dataset.files(), files, cache, reporter.progress()),
          ex.maxPixels());
      if (ex.strict() && !listing.skipped().isEmpty()) throw strict(dataset, listing.skipped().get(0));
      double hashSeconds = (System.nanoTime() - h0) / 1e9;
      long k0 = System.nanoTime();
      StoredKeys stored = StoredKeys.read(store, fingerprint, conf);
      List<ExtractJob> jobs = listing.jobs(stored, ex.views());
      double lookupSeconds = (System.nanoTime() - k0) / 1e9;

      Optional<Manifest> old = ManifestIO.readIfExists(store, conf);
      FingerprintInfo info = FingerprintInfo.read(dir, conf);
      if (jobs.isEmpty() && info != null && !ex.gc() && upToDate(old, fingerprint, listing, dataset)) {
        // an unchanged folder rewrites nothing: a file touched without a change only refreshes the cache
        if (hasher.stats().filesRead() > 0 || listing.cacheEntries().size() != cache.size()) {
          HashCache.write(store, conf, dataRoot, listing.cacheEntries());
        }
        ContentHasher.Stats hs = hasher.stats();
        reporter.info("extract: %s is up to date (%d images, %d classes, fingerprint %s; listed in %.2f s, hashed"
            + " %d files, %.1f MB, in %.2f s); nothing to do", location, listing.images(), dataset.classes().size(),
            fingerprint.substring(0, 12), listingSeconds, hs.filesRead(), hs.bytesRead() / 1e6, hashSeconds);
        return new Result(old.get(), true, 0, 0, stored.rows(), 0, location, null);
      }

      Map<String, Double> timings = new LinkedHashMap<>();
      JobRunner.Outcome outcome = null;
      double setupSeconds = 0;
      if (!jobs.isEmpty() || info == null) {
        // the backbone describes the rows it makes (and is checked here, before any work)
        if (backbone == null) {
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
      timings.put("files_hashed", (double) hs.filesRead());
      timings.put("files_hash_cached", (double) hs.filesCached());
      timings.put("bytes_hashed", (double) hs.bytesRead());
      timings.put("hash_files_per_second_per_thread", hs.filesRead() == 0 ? 0 : hs.filesPerSecondPerThread());
      if (outcome != null) {
        timings.put("setup_seconds", setupSeconds);
        timings.put("backbone_load_seconds", loadNanos / 1e9);
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
      if (backbone != null) backbone.close();
    }
  }

  /** A store of the earlier layout is migrated, replaced or refused; a killed compaction is finished. */
  private static void prepareStore(Path store, Configuration conf, String location, ExtractConfig ex, String sha,
      Map<String, Object> preprocessing, String fingerprint, String runId, Reporter reporter) throws IOException {
    if (LegacyStore.isLegacy(store, conf)) {
      if (ex.migrate()) {
        Manifest old = LegacyStore.manifest(store, conf).orElseThrow(() -> new UserException("feature store "
            + location + " has parts of the earlier layout but no manifest to say what made them: they cannot be"
            + " migrated; rerun with --overwrite to re-extract"));
        if (!FeatureFingerprint.legacy(sha, preprocessing, old.classes()).equals(old.fingerprint())) {
          throw new UserException("feature store " + location + " cannot be migrated: its features were made by"
              + " another backbone or preprocessing (" + difference(old, sha, preprocessing)
              + "); rerun with --overwrite to re-extract, or set extract.out to another folder");
        }
        Path dir = FeatureStoreLayout.fingerprintDir(store, fingerprint);
        // the earlier extract's cost carries over: the report still charges the head method for it
        double oldSeconds = old.timings() == null ? 0 : old.timings().getOrDefault("seconds", 0.0);
        long oldRows = old.splits() == null ? 0 : old.splits().values().stream().mapToLong(SplitCounts::rows).sum();
        new FingerprintInfo(fingerprint, old.backbone(), preprocessing, old.featureDim(), old.views(),
            old.createdAt(), old.headstartVersion(), oldRows > 0 ? oldSeconds : 0, oldSeconds > 0 ? oldRows : 0)
            .write(dir, conf);
        long rows = LegacyStore.migrate(store, conf, fingerprint, runId);
        reporter.info("extract: migrated %d feature rows of the earlier layout into %s (augmented views, seeded"
            + " by path there, are computed again)", rows, dir);
      } else if (ex.overwrite()) {
        LegacyStore.remove(store, conf);
      } else {
        throw new UserException(LegacyStore.refusal(location).getMessage());
      }
    }
    if (new StoreGc(store, conf).finishInterrupted()) {
      reporter.info("extract: finished what an interrupted extract or compaction left in %s", location);
    }
  }

  /** --overwrite: the current fingerprint's rows are computed again; other backbones' stay. */
  private static void dropRows(Path dir, Configuration conf, Reporter reporter) throws IOException {
    FileSystem fs = HadoopFs.fileSystem(dir, conf);
    if (fs.exists(dir)) {
      fs.delete(dir, true);
      reporter.info("extract --overwrite: removed %s; its features are computed again", dir);
    }
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

  private static UserException strict(ImageFolderDataset dataset, SkippedFile s) {
    return new UserException("--strict: " + dataset.files().location() + "/" + s.path() + ": " + s.reason()
        + "; fix or remove it, or run without --strict to skip it");
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

  private static String difference(Manifest old, String sha, Map<String, Object> preprocessing) {
    List<String> diffs = new ArrayList<>();
    Object oldSha = old.backbone() == null ? null : old.backbone().get("sha256");
    if (!Objects.equals(oldSha, sha)) {
      diffs.add("backbone " + (old.backbone() == null ? "?" : old.backbone().get("uri")) + " sha256 "
          + shortSha(oldSha) + ", now " + shortSha(sha));
    }
    String was = Json.GSON.toJson(old.preprocessing()).replaceAll("\\s+", " ");
    String now = Json.GSON.toJson(Json.GSON.fromJson(Json.GSON.toJson(preprocessing), Map.class)).replaceAll("\\s+", " ");
    if (!was.equals(now)) diffs.add("preprocessing " + was + ", now " + now);
    return diffs.isEmpty() ? "another fingerprint" : String.join("; ", diffs);
  }

  private static String shortSha(Object sha) {
    String s = String.valueOf(sha);
    return s.length() > 12 ? s.substring(0, 12) : s;
  }
}
