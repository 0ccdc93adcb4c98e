package dev.headstart.features;

import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Joins the index with feature rows as parts are decoded: every index entry of a loaded split
 * gets its rows (view 0, and views 1..k of train when they are kept) by content hash, floats
 * copied straight into one float[] per split (never a Float object). Several feature columns
 * (taps) are concatenated, in the order asked for, into each row. Each kept row is checked
 * (feature count, no NaN); a hash listed twice (the same bytes at two paths) fills both; a row
 * seen twice fills its slot once.
 */
final class JoinCollector extends RowBuffer {
  /** The most floats one Java array holds; a split beyond it cannot be one contiguous array. */
  static final long MAX_FLOATS = Integer.MAX_VALUE - 8;

  /** One split being filled: rowsPerEntry rows per index entry (view 0, then views 1..k). */
  private static final class Target {
    final String name;
    final int rowsPerEntry;
    final List<IndexEntry> entries;
    final float[] features;
    final BitSet filled;

    Target(String name, List<IndexEntry> entries, int rowsPerEntry, int dim) {
      this.name = name;
      this.entries = entries;
      this.rowsPerEntry = rowsPerEntry;
      long rows = (long) entries.size() * rowsPerEntry;
      if (rows * dim > MAX_FLOATS) {
        throw new FeatureStoreException("split " + name + " has " + rows + " rows of " + dim + " features, more than"
            + " one array holds (" + MAX_FLOATS + " floats): train on fewer rows (without --use-views) or a"
            + " backbone with fewer features");
      }
      this.features = new float[(int) rows * dim];
      this.filled = new BitSet((int) rows);
    }

    int rows() {
      return entries.size() * rowsPerEntry;
    }
  }

  private final int dim;
  private final int[] columnDims;
  private final int[] offsets;
  private final Target[] targets;
  // content hash -> (target, entry) pairs, flattened
  private final Map<String, int[]> destinations = new HashMap<>();

  private String currentFile;

  /** splits: name -> entries in index order; views: k, the augmented views per image kept for keepViews. */
  JoinCollector(Map<String, List<IndexEntry>> splits, int dim, String keepViews, int views) {
    this(splits, new int[] {dim}, keepViews, views);
  }

  /** As above, for the feature columns of widths columnDims, concatenated in that order. */
  JoinCollector(Map<String, List<IndexEntry>> splits, int[] columnDims, String keepViews, int views) {
    super(columnDims.length);
    this.columnDims = columnDims.clone();
    this.offsets = new int[columnDims.length];
    int total = 0;
    for (int c = 0; c < columnDims.length; c++) {
      offsets[c] = total;
      total += columnDims[c];
    }
    this.dim = total;
    this.targets = new Target[splits.size()];
    int t = 0;
    for (Map.Entry<String, List<IndexEntry>> s : splits.entrySet()) {
      int perEntry = s.getKey().equals(keepViews) ? 1 + views : 1;
      targets[t] = new Target(s.getKey(), s.getValue(), perEntry, dim);
      List<IndexEntry> entries = s.getValue();
      for (int i = 0; i < entries.size(); i++) {
        int[] old = destinations.get(entries.get(i).contentHash());
        int[] now = old == null ? new int[2] : Arrays.copyOf(old, old.length + 2);
        now[now.length - 2] = t;
        now[now.length - 1] = i;
        destinations.put(entries.get(i).contentHash(), now);
      }
      t++;
    }
  }

  void startFile(String file) {
    currentFile = file;
  }

  @Override
  void row(String hash, int view, float[][] values, int[] counts) {
    int[] dest = destinations.get(hash);
    if (dest == null) return; // not in the listing: kept for other listings until --gc
    for (int k = 0; k < dest.length; k += 2) {
      Target target = targets[dest[k]];
      if (view >= target.rowsPerEntry) continue;
      int row = dest[k + 1] * target.rowsPerEntry + view;
      if (target.filled.get(row)) continue;
      check(target.entries.get(dest[k + 1]), hash, view, values, counts);
      for (int c = 0; c < values.length; c++) {
        System.arraycopy(values[c], 0, target.features, row * dim + offsets[c], columnDims[c]);
      }
      target.filled.set(row);
    }
  }

  private void check(IndexEntry e, String hash, int view, float[][] values, int[] counts) {
    String where = "the row of '" + e.path() + "' (content " + hash.substring(0, Math.min(12, hash.length()))
        + ", view " + view + ") in " + currentFile;
    boolean nan = false;
    for (int c = 0; c < counts.length; c++) {
      if (counts[c] != columnDims[c]) {
        throw new FeatureStoreException(where + " has " + counts[c] + " features" + (counts.length > 1 ? " in feature"
            + " column " + (c + 1) + " of " + counts.length : "") + ", the manifest says " + columnDims[c]
            + ": the fingerprint folder mixes features of different backbones; delete it and rerun ./extract");
      }
      for (int i = 0; i < counts[c]; i++) nan |= values[c][i] != values[c][i];
    }
    if (nan) {
      throw new FeatureStoreException(where + " has NaN features: the backbone produced NaN for this"
          + " image; check the image and the backbone (headstart doctor), delete " + currentFile
          + " and rerun ./extract");
    }
  }

  /** The loaded splits; a listed image without its rows is an incomplete store, named. */
  Map<String, FeatureSplit> build(String location) {
    Map<String, FeatureSplit> out = new LinkedHashMap<>();
    for (Target t : targets) {
      int rows = t.rows();
      int missing = rows - t.filled.cardinality();
      if (missing > 0) {
        int first = t.filled.nextClearBit(0);
        IndexEntry e = t.entries.get(first / t.rowsPerEntry);
        throw new FeatureStoreException("feature store " + location + " has no features for " + missing
            + " row(s) of split " + t.name + " that its index lists (first: '" + e.path() + "', view "
            + first % t.rowsPerEntry + "): an extract was interrupted or rows were deleted; rerun ./extract");
      }
      int[] labels = new int[rows];
      int[] views = new int[rows];
      String[] paths = new String[rows];
      for (int r = 0; r < rows; r++) {
        IndexEntry e = t.entries.get(r / t.rowsPerEntry);
        labels[r] = e.label();
        views[r] = r % t.rowsPerEntry;
        paths[r] = e.path();
      }
      out.put(t.name, new FeatureSplit(t.name, rows, dim, t.features, labels, views, paths));
    }
    return out;
  }
}
