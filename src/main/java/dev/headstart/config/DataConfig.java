package dev.headstart.config;

/**
 * Where the images are: an ImageFolder root with train/ and val/ (and optionally test/) folders.
 *
 * @param root the ImageFolder root, relative to pipeline.yaml
 * @param valFraction share of train images held out per class when there is no val/ folder
 * @param splitSeed seed of that stratified hold-out, so it is the same on every run
 */
public record DataConfig(String root, double valFraction, long splitSeed) {
  public static final DataConfig DEFAULTS = new DataConfig("examples/fashion5/images", 0.2, 42);

  public DataConfig {
    Check.fraction("data.val_fraction", valFraction);
  }
}
