package dev.headstart.features;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Loads whole splits of a feature store for training: the index's entries of each split joined
 * with the current fingerprint's rows by content hash, into one contiguous float[] per split,
 * after checking the store against its manifest. Every problem is reported before any training
 * starts, naming the store, split, part file or image and what to do about it.
 */
public final class FeatureStoreReader {
  private final String location;
  private final Path store;
  private final Configuration conf;

  public FeatureStoreReader(String location) {
    this.location = location;
    this.store = HadoopFs.toPath(location);
    this.conf = HadoopFs.configuration();
  }

  /** As {@link #load(List, List, boolean, boolean)}, keeping images whose bytes carry two labels. */
  public LoadedFeatures load(List<String> required, List<String> optional, boolean useViews) throws IOException {
    return load(required, optional, useViews, false);
  }

  /**
   * Loads the required splits (each must have rows) and the optional ones that exist.
   *
   * @param useViews keep augmented views (view > 0) of the train split; other splits always keep view 0 only
   * @param dropConflicts leave out every image whose bytes the listing also has under another class
   */
  public LoadedFeatures load(List<String> required, List<String> optional, boolean useViews, boolean dropConflicts)
      throws IOException {
    return load(required, optional, useViews, dropConflicts, "", "");
  }

  /**
   * As {@link #load(List, List, boolean, boolean)}, the features of the taps {@code tap} names
   * ("" = the default; "layer3+layer4" concatenates): see {@link TapSelection#of}.
   *
   * @param tapKey the setting tap came from, named in errors
   */
  public LoadedFeatures load(List<String> required, List<String> optional, boolean useViews, boolean dropConflicts,
      String tap, String tapKey) throws IOException {
    long t0 = System.nanoTime();
    Manifest manifest = manifest();
    TapSelection selection = TapSelection.of(manifest, tap, tapKey);
    List<IndexEntry> index = index(manifest);
    Set<String> conflicted = dropConflicts ? conflictedHashes(index) : Set.of();
    Map<String, List<IndexEntry>> bySplit = new LinkedHashMap<>();
    for (IndexEntry e : index) {
      if (!conflicted.contains(e.contentHash())) bySplit.computeIfAbsent(e.split(), k -> new ArrayList<>()).add(e);
    }
    Map<String, List<IndexEntry>> wanted = new LinkedHashMap<>();
    for (String split : required) {
      List<IndexEntry> entries = bySplit.getOrDefault(split, List.of());
      if (entries.isEmpty()) {
        throw new FeatureStoreException("split '" + split + "' of feature store " + location + " has no rows: "
            + "put images under <data.root>/" + split + "/<class>/ and rerun ./extract");
      }
      wanted.put(split, entries);
    }
    for (String split : optional) {
      if (!wanted.containsKey(split) && bySplit.containsKey(split)) wanted.put(split, bySplit.get(split));
    }
    int[] dims = selection.dims().stream().mapToInt(Integer::intValue).toArray();
    JoinCollector join = new JoinCollector(wanted, dims, useViews ? "train" : null, manifest.views());
    FileSystem fs = HadoopFs.fileSystem(store, conf);
    Path dir = new Path(store, manifest.featuresDir());
    for (Path part : FeatureParts.live(fs, store, dir, conf)) {
      join.startFile(part.toString());
      FeatureParts.scan(part, conf, join, manifest.fingerprint(), selection.columns());
    }
    return new LoadedFeatures(location, manifest, join.build(location), (System.nanoTime() - t0) / 1e9, selection);
  }

  /** Hashes the index lists under more than one class. */
  public static Set<String> conflictedHashes(List<IndexEntry> index) {
    Map<String, Integer> label = new HashMap<>();
    Set<String> conflicted = new HashSet<>();
    for (IndexEntry e : index) {
      Integer old = label.putIfAbsent(e.contentHash(), e.label());
      if (old != null && old != e.label()) conflicted.add(e.contentHash());
    }
    return conflicted;
  }

  /** The index the manifest describes; one written by a later, unfinished extract is refused. */
  public List<IndexEntry> index(Manifest manifest) throws IOException {
    String stored = StoreIndex.storedListingId(store, conf);
    if (stored == null) {
      throw new FeatureStoreException("feature store " + location + " has no " + FeatureStoreLayout.INDEX
          + ": rerun ./extract to write it");
    }
    if (!stored.equals(manifest.listing())) {
      throw new FeatureStoreException("feature store " + location + ": " + FeatureStoreLayout.INDEX + " and "
          + Manifest.FILE_NAME + " describe different listings (an extract is running, or was stopped between"
          + " writing the two): rerun ./extract");
    }
    List<IndexEntry> entries = StoreIndex.read(store, conf);
    List<String> classes = manifest.classes();
    for (IndexEntry e : entries) {
      if (e.label() < 0 || e.label() >= classes.size()) {
        throw new FeatureStoreException("'" + e.path() + "' (split " + e.split() + ") in " + location + "/"
            + FeatureStoreLayout.INDEX + " has label " + e.label() + ", outside the manifest's " + classes.size()
            + " classes " + classes + "; rerun ./extract");
      }
      if (!e.labelName().equals(classes.get(e.label()))) {
        throw new FeatureStoreException("'" + e.path() + "' (split " + e.split() + ") in " + location + "/"
            + FeatureStoreLayout.INDEX + " has label " + e.label() + " named '" + e.labelName()
            + "', but the manifest's class " + e.label() + " is '" + classes.get(e.label())
            + "': the index was written with another class list; rerun ./extract");
      }
    }
    return entries;
  }

  /** The manifest, after checking the store exists, has this layout and was written completely. */
  public Manifest manifest() throws IOException {
    FileSystem fs = HadoopFs.fileSystem(store, conf);
    if (!fs.exists(store)) {
      throw new FeatureStoreException("feature store " + location + " does not exist: run ./extract first,"
          + " or point train.features (--features) at the folder extract wrote");
    }
    Manifest m;
    try {
      m = ManifestIO.readIfExists(store, conf).orElse(null);
    } catch (IOException e) {
      throw new FeatureStoreException(e.getMessage(), e);
    }
    if (m == null) {
      boolean empty = fs.listStatus(store).length == 0;
      throw new FeatureStoreException("feature store " + location + (empty ? " is empty" : " has no "
          + Manifest.FILE_NAME) + ": run ./extract first, or point train.features (--features) at the"
          + " folder extract wrote");
    }
    if (m.layout() != FeatureStoreLayout.LAYOUT) throw LegacyStore.refusal(location);
    if (!m.complete()) {
      throw new FeatureStoreException("feature store " + location + " is incomplete (its extract was"
          + " interrupted): rerun ./extract to finish it");
    }
    if (m.classes() == null || m.classes().isEmpty()) {
      throw new FeatureStoreException(location + "/" + Manifest.FILE_NAME + " lists no classes: rerun ./extract");
    }
    if (m.featureDim() <= 0 || m.featuresDir() == null) {
      throw new FeatureStoreException(location + "/" + Manifest.FILE_NAME + " has feature_dim "
          + m.featureDim() + " and features_dir " + m.featuresDir() + ": rerun ./extract");
    }
    return m;
  }
}
