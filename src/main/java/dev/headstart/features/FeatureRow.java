package dev.headstart.features;

/**
 * One feature row joined with its index entry: what a reader of the store sees for one image
 * file and view.
 *
 * @param path the image path relative to the data root (forward slashes)
 * @param split train, val or test
 * @param label the class id: the index of labelName in the manifest's class list
 * @param view 0 = the un-augmented image; 1..k = augmented crops of a training image
 * @param contentHash SHA-256 of the image file's bytes
 */
public record FeatureRow(
    String path, String split, int label, String labelName, int view, String contentHash, float[] features) {

  public IndexEntry entry() {
    return new IndexEntry(path, split, label, labelName, contentHash);
  }

  public StoredRow stored() {
    return new StoredRow(contentHash, view, features);
  }
}
