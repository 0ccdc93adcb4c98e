package dev.headstart.features;

/**
 * One row of a feature part as it is stored: the features of one image content and view.
 *
 * @param contentHash SHA-256 of the image file's bytes
 * @param view 0 = the un-augmented image; 1..k = augmented crops
 */
public record StoredRow(String contentHash, int view, float[] features) {}
