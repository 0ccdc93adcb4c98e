package dev.headstart.features;

/**
 * One row of a feature part as it is stored: the features of one image content and view.
 *
 * @param contentHash SHA-256 of the image file's bytes
 * @param view 0 = the un-augmented image; 1..k = augmented crops
 * @param features the default tap's features (the {@code features} column)
 * @param taps the other taps' features, in the order of the part's tap columns (none for a
 *     one-output backbone)
 */
public record StoredRow(String contentHash, int view, float[] features, float[][] taps) {
  private static final float[][] NONE = new float[0][];

  public StoredRow {
    taps = taps == null ? NONE : taps;
  }

  /** A row of a one-output backbone. */
  public StoredRow(String contentHash, int view, float[] features) {
    this(contentHash, view, features, NONE);
  }
}
