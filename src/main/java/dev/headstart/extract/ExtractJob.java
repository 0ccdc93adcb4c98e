package dev.headstart.extract;

/**
 * One image content the store lacks rows for: the file to decode (any listed path with these
 * bytes) and the views to compute (0 = the eval crop; 1..k = augmented views, for training images).
 */
public record ExtractJob(String contentHash, ImageEntry entry, int[] views) {
  public int rows() {
    return views.length;
  }
}
