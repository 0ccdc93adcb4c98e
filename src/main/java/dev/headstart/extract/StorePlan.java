package dev.headstart.extract;

import dev.headstart.config.ExtractConfig;
import dev.headstart.core.UserException;
import dev.headstart.extract.ExtractState.PartRecord;
import dev.headstart.extract.ExtractionPlan.Chunk;
import dev.headstart.features.FeatureStoreLayout;
import dev.headstart.features.HadoopFs;
import dev.headstart.features.Manifest;
import dev.headstart.features.ManifestIO;
import dev.headstart.io.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * What an extract finds in its store and leaves to do: the features' fingerprint, the plan of
 * parts, the parts an interrupted run finished (kept) and the ones still to write, and the state
 * file that grows as parts finish. A store made differently is refused here (or cleared with
 * --overwrite); a finished store with the same inputs is up to date.
 */
final class StorePlan {
  private final String location;
  private final Path store;
  private final Configuration conf;
  private final String fingerprint;
  private final ExtractionPlan plan;
  private final Manifest upToDate;
  private final Map<String, PartRecord> done;
  private final List<Chunk> todo;
  private final ExtractState running;

  private StorePlan(String location, Path store, Configuration conf, String fingerprint, ExtractionPlan plan,
      Manifest upToDate, Map<String, PartRecord> done, List<Chunk> todo) {
    this.location = location;
    this.store = store;
    this.conf = conf;
    this.fingerprint = fingerprint;
    this.plan = plan;
    this.upToDate = upToDate;
    this.done = done;
    this.todo = todo;
    // the state written after every part is this one, over the `done` map the run grows
    this.running = new ExtractState(fingerprint, "", done);
  }

  static StorePlan of(String location, ExtractConfig ex, ImageFolderDataset dataset, String sha,
      Map<String, Object> preprocessing) throws IOException {
    Path store = HadoopFs.toPath(location);
    Configuration conf = HadoopFs.configuration();
    String fingerprint = ExtractStage.fingerprint(sha, preprocessing, dataset.classes());
    Optional<Manifest> existing = readManifest(store, conf);
    ExtractState state = ExtractState.read(store, conf);
    String oldFingerprint = existing.map(Manifest::fingerprint).orElse(state == null ? null : state.fingerprint());
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
    Map<String, PartRecord> done = new TreeMap<>();
    if (existing.isPresent() && existing.get().complete() && state != null
        && plan.inputsHash().equals(state.inputsHash())) {
      return new StorePlan(location, store, conf, fingerprint, plan, existing.get(), done, List.of());
    }
    if (state == null || !fingerprint.equals(state.fingerprint())) state = ExtractState.empty(fingerprint);
    // finished parts of an interrupted run that would hold the same images again are kept
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
    return new StorePlan(location, store, conf, fingerprint, plan, null, done, todo);
  }

  String location() {
    return location;
  }

  Path path() {
    return store;
  }

  Configuration conf() {
    return conf;
  }

  String fingerprint() {
    return fingerprint;
  }

  ExtractionPlan plan() {
    return plan;
  }

  /** The finished store's manifest when nothing is left to do, else null. */
  Manifest upToDate() {
    return upToDate;
  }

  /** Finished parts by key: kept ones, and those this run adds as it goes. */
  Map<String, PartRecord> done() {
    return done;
  }

  List<Chunk> todo() {
    return todo;
  }

  ExtractState running() {
    return running;
  }

  /** Parts a previous, larger plan wrote (or half-written temporaries) would mix into reads. */
  void removeStaleParts() throws IOException {
    FileSystem fs = HadoopFs.fileSystem(store, conf);
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

  private static Optional<Manifest> readManifest(Path store, Configuration conf) {
    try {
      return ManifestIO.readIfExists(store, conf);
    } catch (IOException e) {
      throw new UserException(e.getMessage() + " (or rerun with --overwrite to start the store again)", e);
    }
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
}
