package dev.headstart.report;

import dev.headstart.core.Reporter;
import dev.headstart.engine.Platform;
import dev.headstart.features.Manifest;
import dev.headstart.features.ManifestIO;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;

/**
 * What the report takes from the extract manifest: the one-time extraction cost that every head
 * run shares, the dataset's size, and the image root that predictions' paths are relative to.
 *
 * @param seconds wall seconds of the extract (NaN when the manifest records none)
 * @param trainImages images in the train split (0 when unknown)
 * @param provenance where the features were computed and how they were checked, in one line
 */
public record ExtractInfo(String store, double seconds, int trainImages, int classes, String dataRoot,
    String provenance) {

  /**
   * Reads the store's manifest.json (a local folder or a Hadoop URI) when there is one; a missing
   * or unreadable one only loses the extraction time, so it is a warning, not an error.
   */
  public static Optional<ExtractInfo> load(String store, Reporter reporter) {
    try {
      Optional<Manifest> read = ManifestIO.readIfExists(store);
      if (read.isEmpty()) return Optional.empty();
      Manifest m = read.get();
      int train = m.splits() != null && m.splits().get("train") != null ? m.splits().get("train").images() : 0;
      int classes = m.classes() == null ? 0 : m.classes().size();
      return Optional.of(new ExtractInfo(store, seconds(m.timings()), train, classes, m.dataRoot(),
          provenance(m.backbone())));
    } catch (IOException | RuntimeException e) {
      reporter.warn("ignoring the manifest of " + store + " (head runs are timed without the "
          + "extraction): " + e.getMessage());
      return Optional.empty();
    }
  }

  /**
   * "Features: resnet18 (inference file) on AMD EPYC · oneDNN AVX (engine check) · libtorch 2.7.1 ·
   * cpu fp32; known answer passed (max diff 2.1e-07 of the largest feature)".
   */
  static String provenance(Map<String, Object> backbone) {
    if (backbone == null) return "";
    StringBuilder sb = new StringBuilder("Features: ").append(backbone.get("name"));
    if (backbone.get("file_role") != null) sb.append(" (").append(backbone.get("file_role")).append(" file)");
    if (backbone.get("platform") instanceof Map<?, ?> p) sb.append(" on ").append(Platform.line(p));
    Object probe = backbone.get("probe");
    if (probe instanceof Map<?, ?> r) {
      Object diff = r.get("max_relative_diff");
      sb.append("; known answer ").append(Boolean.TRUE.equals(r.get("passed")) ? "passed" : "FAILED");
      if (diff instanceof Number n) sb.append(String.format(java.util.Locale.ROOT, " (max diff %.2g of the largest feature)", n.doubleValue()));
    } else {
      sb.append("; no known answer in the model card (unchecked)");
    }
    if (backbone.get("fallback") != null) sb.append("; ").append(backbone.get("fallback"));
    return sb.toString();
  }

  /**
   * The extract's total seconds: what extracting the whole listing costs (an incremental rerun
   * records that estimate beside its own seconds). The manifest's timings map has no fixed key
   * list, so take the total under its usual names, else the sum of the "...seconds" entries.
   */
  static double seconds(Map<String, Double> timings) {
    if (timings == null || timings.isEmpty()) return Double.NaN;
    for (String key : new String[] {"full_extract_seconds", "seconds", "total_seconds", "wall_seconds", "extract_seconds"}) {
      Double v = timings.get(key);
      if (v != null && Double.isFinite(v)) return v;
    }
    double sum = 0;
    boolean any = false;
    for (Map.Entry<String, Double> e : timings.entrySet()) {
      if (e.getKey().endsWith("seconds") && e.getValue() != null && Double.isFinite(e.getValue())) {
        sum += e.getValue();
        any = true;
      }
    }
    return any ? sum : Double.NaN;
  }
}
