package dev.headstart.extract;

import dev.headstart.config.ExtractConfig;
import dev.headstart.core.Reporter;
import dev.headstart.core.UserException;
import dev.headstart.features.FeatureStoreLayout;
import dev.headstart.features.FingerprintInfo;
import dev.headstart.features.HadoopFs;
import dev.headstart.features.LegacyStore;
import dev.headstart.features.Manifest;
import dev.headstart.features.Manifest.SplitCounts;
import dev.headstart.features.ManifestIO;
import dev.headstart.features.StoreGc;
import dev.headstart.features.StoredKeys;
import dev.headstart.io.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * What an extract needs to know of its store before it plans: the store made ready (an earlier
 * layout migrated, replaced or refused; a killed compaction finished; --overwrite's rows
 * dropped), the hash cache of the data root, the keys stored under this fingerprint, the last
 * manifest and what made this fingerprint's rows. Read in one go, on a thread of its own while
 * the folder is listed.
 *
 * @param seconds how long the reads took
 */
record StoreState(HashCache cache, StoredKeys stored, Optional<Manifest> manifest, FingerprintInfo info,
    double seconds) {

  static StoreState read(Path store, Configuration conf, String location, ExtractConfig ex, String sha,
      Map<String, Object> preprocessing, String fingerprint, Path dir, String dataRoot, String runId,
      Reporter reporter) throws IOException {
    long t0 = System.nanoTime();
    prepareStore(store, conf, location, ex, sha, preprocessing, fingerprint, runId, reporter);
    if (ex.overwrite()) dropRows(dir, conf, reporter);
    HashCache cache = HashCache.read(store, conf, dataRoot);
    StoredKeys stored = StoredKeys.read(store, fingerprint, conf);
    Optional<Manifest> manifest = ManifestIO.readIfExists(store, conf);
    FingerprintInfo info = FingerprintInfo.read(dir, conf);
    return new StoreState(cache, stored, manifest, info, (System.nanoTime() - t0) / 1e9);
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
