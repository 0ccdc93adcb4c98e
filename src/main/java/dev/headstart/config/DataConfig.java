package dev.headstart.config;

/**
 * Where the images are: an ImageFolder root with train/ and val/ (and optionally test/) folders.
 *
 * @param root the ImageFolder root, relative to pipeline.yaml
 * @param valFraction share of train images held out per class when there is no val/ folder
 * @param splitSeed seed of the stratified hold-outs, so they are the same on every run
 * @param testFraction share of train images held out per class as a test split when there is no
 *     test/ folder; 0 = none. A test split is only ever evaluated at the epoch and sweep point
 *     validation chose, so its accuracy is an unbiased figure.
 */
public record DataConfig(String root, double valFraction, long splitSeed, double testFraction) {
  public static final DataConfig DEFAULTS = new DataConfig("examples/fashion5/images", 0.2, 42, 0.0);

  public DataConfig {
    Check.fraction("data.val_fraction", valFraction);
    Check.fraction("data.test_fraction", testFraction);
    if (valFraction + testFraction >= 1) {
      throw new ConfigException("'data.val_fraction' + 'data.test_fraction' must stay below 1 (train keeps the"
          + " rest), got " + valFraction + " + " + testFraction);
    }
  }
}
