package dev.headstart.extract;

import dev.headstart.core.UserException;
import dev.headstart.features.FeatureSchema;
import dev.headstart.features.Manifest;
import dev.headstart.features.StoredRow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a backbone's outputs become a stored row: its taps (the card's, default first) each get a
 * column, {@code features} for the default one; and, so that batches can travel as plain rows
 * (the forward lanes split and join batches by rows), an image's outputs joined end to end and
 * split again.
 */
public final class TapRows {
  private final List<Manifest.TapColumn> taps;
  private final int[] dims;

  private TapRows(List<Manifest.TapColumn> taps, int[] dims) {
    this.taps = taps;
    this.dims = dims;
  }

  /** The layout of a backbone's outputs, from its model card. */
  public static TapRows of(BackboneSource source) {
    List<Manifest.TapColumn> taps = columns(source);
    int[] dims = taps.isEmpty() ? null : taps.stream().mapToInt(Manifest.TapColumn::dim).toArray();
    return new TapRows(taps, dims);
  }

  /**
   * The row column of each tap of a tapped backbone (its card's taps, default first: that one is
   * {@code features}); empty for a one-output backbone.
   */
  public static List<Manifest.TapColumn> columns(BackboneSource source) {
    List<ModelCard.Tap> taps = source.card().taps();
    if (taps == null || taps.isEmpty()) return List.of();
    List<Manifest.TapColumn> out = new ArrayList<>();
    Map<String, String> owners = new LinkedHashMap<>();
    for (int t = 0; t < taps.size(); t++) {
      ModelCard.Tap tap = taps.get(t);
      String column = t == 0 ? FeatureSchema.FEATURES : FeatureSchema.column(tap.name());
      String other = owners.put(column, tap.name());
      if (other != null) {
        throw new UserException("model card of " + source.uri() + ": taps '" + other + "' and '" + tap.name()
            + "' would share the feature column " + column + "; re-export with one of them");
      }
      out.add(new Manifest.TapColumn(tap.name(), tap.dim(), column));
    }
    return out;
  }

  /** The taps with their columns; empty for a one-output backbone. */
  public List<Manifest.TapColumn> taps() {
    return taps;
  }

  /** The part columns besides {@code features}. */
  public List<String> extraColumns() {
    return taps.stream().skip(1).map(Manifest.TapColumn::column).toList();
  }

  /** Each image's outputs end to end: row i = output 0 of image i, then output 1, ... */
  public static float[][] join(float[][][] outputs) {
    if (outputs.length == 1) return outputs[0];
    int n = outputs[0].length;
    float[][] rows = new float[n][];
    for (int i = 0; i < n; i++) {
      int width = 0;
      for (float[][] o : outputs) width += o[i].length;
      rows[i] = new float[width];
      int off = 0;
      for (float[][] o : outputs) {
        System.arraycopy(o[i], 0, rows[i], off, o[i].length);
        off += o[i].length;
      }
    }
    return rows;
  }

  /** The stored row of one image and view from its joined outputs ({@link #join}). */
  public StoredRow row(String hash, int view, float[] joined) {
    if (dims == null) return new StoredRow(hash, view, joined);
    float[][] parts = new float[dims.length][];
    int off = 0;
    for (int t = 0; t < dims.length; t++) {
      if (off + dims[t] > joined.length) {
        throw new IllegalStateException("the backbone gave " + joined.length + " features for an image, its taps "
            + taps + " need more");
      }
      parts[t] = java.util.Arrays.copyOfRange(joined, off, off + dims[t]);
      off += dims[t];
    }
    if (off != joined.length) {
      throw new IllegalStateException("the backbone gave " + joined.length + " features for an image, its taps "
          + taps + " " + off);
    }
    return new StoredRow(hash, view, parts[0], java.util.Arrays.copyOfRange(parts, 1, parts.length));
  }
}
