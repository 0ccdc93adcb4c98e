package dev.headstart.features;

import java.util.List;
import java.util.Map;

/**
 * features/manifest.json: the provenance of a feature store. The train stage refuses features
 * whose backbone, preprocessing or class list differ between splits, and extract refuses to mix
 * new features with old ones made differently (unless --overwrite).
 *
 * @param fingerprint hash of backbone sha256 + preprocessing + class list + views: two stores
 *     with the same fingerprint hold comparable features
 * @param backbone uri, sha256, name, feature_dim, device
 * @param preprocessing input_size, resize, interpolation, mean, std, views, view seed
 * @param splits split name -> counts of images, rows and skipped files
 * @param skipped every file that was not extracted, with the reason
 * @param timings seconds and images per second of the extract
 * @param complete false while an extract is running or was interrupted
 */
public record Manifest(
    String headstartVersion,
    String createdAt,
    String fingerprint,
    Map<String, Object> backbone,
    Map<String, Object> preprocessing,
    List<String> classes,
    int featureDim,
    int views,
    Map<String, SplitCounts> splits,
    List<SkippedFile> skipped,
    Map<String, Double> timings,
    String dataRoot,
    boolean complete) {

  public static final String FILE_NAME = "manifest.json";

  /** Counts of one split. */
  public record SplitCounts(int images, int rows, int skipped) {}

  /** A file that extract did not use, and why (decode error, too large, not an image, ...). */
  public record SkippedFile(String path, String split, String reason) {}
}
