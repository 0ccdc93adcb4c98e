package dev.headstart.features;

import java.util.List;
import java.util.Map;

/**
 * features/manifest.json: the provenance of the current listing's features: which fingerprint
 * folder holds them, what made them, the classes, counts, skipped files and label conflicts of
 * the listing in index.parquet.
 *
 * @param fingerprint hash of backbone sha256 + preprocessing (views and their seed included):
 *     equal fingerprints hold interchangeable features, kept in rows/fingerprint=...
 * @param backbone uri, sha256, name, feature_dim, device
 * @param preprocessing input_size, resize, interpolation, mean, std, views, view seed
 * @param splits split name -> counts of images, rows and skipped files
 * @param skipped every file that was not extracted, with the reason
 * @param timings seconds and images per second of the extract
 * @param complete false while an extract is running or was interrupted
 * @param layout {@link FeatureStoreLayout#LAYOUT}; 0 in manifests of the earlier per-split layout
 * @param listing the id of index.parquet's entries (StoreIndex.listingId)
 * @param featuresDir the fingerprint folder under the store, {@code rows/fingerprint=...}
 * @param labelConflicts image contents found under more than one class
 * @param taps a tapped backbone's outputs, each with its column in the rows (the default tap
 *     first: {@code features}, featureDim wide); null or empty for a one-output backbone
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
    boolean complete,
    int layout,
    String listing,
    String featuresDir,
    List<LabelConflict> labelConflicts,
    List<TapColumn> taps) {

  public static final String FILE_NAME = "manifest.json";

  /** A manifest of a one-output backbone (no taps). */
  public Manifest(String headstartVersion, String createdAt, String fingerprint, Map<String, Object> backbone,
      Map<String, Object> preprocessing, List<String> classes, int featureDim, int views,
      Map<String, SplitCounts> splits, List<SkippedFile> skipped, Map<String, Double> timings, String dataRoot,
      boolean complete, int layout, String listing, String featuresDir, List<LabelConflict> labelConflicts) {
    this(headstartVersion, createdAt, fingerprint, backbone, preprocessing, classes, featureDim, views, splits,
        skipped, timings, dataRoot, complete, layout, listing, featuresDir, labelConflicts, null);
  }

  /** One tap of the backbone: its name (a module of the network), width and row column. */
  public record TapColumn(String name, int dim, String column) {}

  /** The taps the rows hold, default first; empty for a one-output backbone. */
  public List<TapColumn> tapColumns() {
    return taps == null ? List.of() : taps;
  }

  /** Counts of one split. */
  public record SplitCounts(int images, int rows, int skipped) {}

  /** The same bytes under several classes: every path and its class. */
  public record LabelConflict(String contentHash, List<String> paths, List<String> classes) {}

  /** A file that extract did not use, and why (decode error, too large, not an image, ...). */
  public record SkippedFile(String path, String split, String reason) {}
}
