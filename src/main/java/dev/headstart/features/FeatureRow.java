package dev.headstart.features;

/**
 * One row of the feature store.
 *
 * @param path the image path relative to the data root (forward slashes)
 * @param split train, val or test
 * @param label the class id: the index of labelName in the manifest's class list
 * @param view 0 = the un-augmented image; 1..k = augmented crops of a training image
 * @param contentHash SHA-256 of the image file's bytes
 */
public record FeatureRow(
    String path, String split, int label, String labelName, int view, String contentHash, float[] features) {}
