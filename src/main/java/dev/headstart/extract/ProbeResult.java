package dev.headstart.extract;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The outcome of a known-answer check.
 *
 * @param file which file was checked: inference, bf16 or trainable
 * @param relativeDiff max |features - reference| / max |reference|
 * @param isa the oneDNN cap it ran under
 * @param reference what made the expected outputs (from the card)
 */
public record ProbeResult(String file, String precision, boolean passed, double relativeDiff,
    double tolerance, double seconds, String isa, String reference) {

  public Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("file", file);
    m.put("passed", passed);
    m.put("max_relative_diff", relativeDiff);
    m.put("tolerance", tolerance);
    m.put("seconds", Math.round(seconds * 1000) / 1000.0);
    m.put("onednn_max_cpu_isa", isa);
    m.put("reference", reference);
    return m;
  }

  /** "2.1e-07 of the largest feature" or "18% of the largest feature". */
  public String diffText() {
    if (!Double.isFinite(relativeDiff)) return "NaN or infinite features";
    return relativeDiff >= 0.01 ? String.format("%.0f%% of the largest feature", relativeDiff * 100)
        : String.format("%.2g of the largest feature", relativeDiff);
  }
}
