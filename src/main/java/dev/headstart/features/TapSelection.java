package dev.headstart.features;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which features a head reads: one tap of the backbone, or several concatenated in the order
 * named ({@code layer3+layer4}). An empty name means the default (deepest) tap, which is every
 * one-output store's only one.
 *
 * @param name the selection as recorded in runs: the taps joined by '+' ("" for a one-output store's features)
 * @param columns the row columns to read, in concatenation order
 * @param dims each column's width
 */
public record TapSelection(String name, List<String> columns, List<Integer> dims) {
  public static final String JOIN = "+";

  public TapSelection {
    columns = List.copyOf(columns);
    dims = List.copyOf(dims);
  }

  /** The width of the concatenated features. */
  public int dim() {
    return dims.stream().mapToInt(Integer::intValue).sum();
  }

  /** The default features: the first tap of a tapped store, the only output of any other. */
  public static TapSelection defaultOf(Manifest m) {
    return of(m, "", "");
  }

  /**
   * Resolves {@code spec} ("" = default; "layer3"; "layer3+layer4") against the store's taps.
   *
   * @param key the setting that gave spec, for the error message
   */
  public static TapSelection of(Manifest m, String spec, String key) {
    String s = spec == null ? "" : spec.trim();
    List<Manifest.TapColumn> taps = m.tapColumns();
    if (s.isEmpty()) {
      if (taps.isEmpty()) return new TapSelection("", List.of(FeatureSchema.FEATURES), List.of(m.featureDim()));
      Manifest.TapColumn first = taps.get(0);
      return new TapSelection(first.name(), List.of(first.column()), List.of(first.dim()));
    }
    if (taps.isEmpty()) {
      throw new FeatureStoreException("'" + key + "' is '" + s + "', but the backbone of this feature store has one"
          + " output and no taps: export it with taps (tools/export_backbone.py --taps " + s.replace(JOIN, ",")
          + ", --list-taps shows the names), point backbone.uri at it and rerun ./extract; or leave '" + key
          + "' empty");
    }
    List<String> names = new ArrayList<>();
    List<String> columns = new ArrayList<>();
    List<Integer> dims = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (String part : s.split("\\+", -1)) {
      String name = part.trim();
      Manifest.TapColumn tap = taps.stream().filter(t -> t.name().equals(name)).findFirst().orElse(null);
      if (tap == null) {
        throw new FeatureStoreException("'" + key + "' names tap '" + name + "', which this feature store does not"
            + " hold; its taps are " + String.join(", ", taps.stream().map(Manifest.TapColumn::name).toList())
            + " (join several with '+' to concatenate them). Another tap needs a backbone exported with it"
            + " (tools/export_backbone.py --taps) and a new ./extract");
      }
      if (!seen.add(name)) throw new FeatureStoreException("'" + key + "' names tap '" + name + "' twice: " + s);
      names.add(name);
      columns.add(tap.column());
      dims.add(tap.dim());
    }
    return new TapSelection(String.join(JOIN, names), columns, dims);
  }
}
