package dev.headstart.features;

/**
 * One split of the feature store in memory: all rows' features in ONE contiguous row-major
 * array (rows x dim), ready to become a single tensor, plus each row's label, view and path.
 */
public record FeatureSplit(String name, int rows, int dim, float[] features, int[] labels, int[] views,
    String[] paths) {

  public FeatureSplit {
    if ((long) rows * dim > features.length || labels.length != rows || views.length != rows || paths.length != rows) {
      throw new IllegalArgumentException("split " + name + ": arrays do not match " + rows + " rows of " + dim);
    }
  }

  /** Per-feature mean and standard deviation (population), what standardization fits on train. */
  public float[][] meanAndStd() {
    double[] sum = new double[dim];
    double[] sq = new double[dim];
    for (int r = 0; r < rows; r++) {
      int off = r * dim;
      for (int d = 0; d < dim; d++) {
        double v = features[off + d];
        sum[d] += v;
        sq[d] += v * v;
      }
    }
    float[] mean = new float[dim];
    float[] std = new float[dim];
    for (int d = 0; d < dim; d++) {
      double m = sum[d] / rows;
      mean[d] = (float) m;
      std[d] = (float) Math.sqrt(Math.max(0, sq[d] / rows - m * m));
    }
    return new float[][] {mean, std};
  }
}
