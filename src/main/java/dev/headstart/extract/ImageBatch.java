package dev.headstart.extract;

/**
 * n preprocessed images, back to back in one float array (n x 3 x size x size, CHW each): the
 * input of one forward pass. One contiguous buffer is one copy into a native tensor.
 */
public record ImageBatch(float[] data, int count, int size) {
  public ImageBatch {
    if ((long) count * 3 * size * size > data.length) {
      throw new IllegalArgumentException("batch buffer of " + data.length + " floats is too small for "
          + count + " images of " + size + " px");
    }
  }
}
