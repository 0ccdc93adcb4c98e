package dev.headstart.features;

import java.util.List;
import java.util.Map;

/**
 * The feature store as the train stage holds it: the manifest and each loaded split.
 *
 * @param location the store as the user named it
 * @param seconds time taken to read and check it
 * @param tap which tap (or concatenation of taps) the splits hold
 */
public record LoadedFeatures(String location, Manifest manifest, Map<String, FeatureSplit> splits, double seconds,
    TapSelection tap) {
  public LoadedFeatures {
    splits = Map.copyOf(splits);
  }

  /** The default features of the store. */
  public LoadedFeatures(String location, Manifest manifest, Map<String, FeatureSplit> splits, double seconds) {
    this(location, manifest, splits, seconds, TapSelection.defaultOf(manifest));
  }

  public FeatureSplit split(String name) {
    FeatureSplit s = splits.get(name);
    if (s == null) throw new FeatureStoreException("split '" + name + "' was not loaded from " + location);
    return s;
  }

  public List<String> classes() {
    return manifest.classes();
  }

  /** The width of the loaded features (the manifest's feature_dim for the default tap). */
  public int dim() {
    return tap.dim();
  }
}
