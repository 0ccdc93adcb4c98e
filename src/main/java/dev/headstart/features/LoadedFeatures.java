package dev.headstart.features;

import java.util.List;
import java.util.Map;

/**
 * The feature store as the train stage holds it: the manifest and each loaded split.
 *
 * @param location the store as the user named it
 * @param seconds time taken to read and check it
 */
public record LoadedFeatures(String location, Manifest manifest, Map<String, FeatureSplit> splits, double seconds) {
  public LoadedFeatures {
    splits = Map.copyOf(splits);
  }

  public FeatureSplit split(String name) {
    FeatureSplit s = splits.get(name);
    if (s == null) throw new FeatureStoreException("split '" + name + "' was not loaded from " + location);
    return s;
  }

  public List<String> classes() {
    return manifest.classes();
  }

  public int dim() {
    return manifest.featureDim();
  }
}
