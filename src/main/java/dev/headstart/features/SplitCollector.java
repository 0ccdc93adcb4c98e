package dev.headstart.features;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Collects the rows of one split as parts are decoded: floats go straight into one growing
 * float[] (never a Float object), and each finished row is checked (feature count, label within
 * the class list and matching its name, no NaN) before it is kept.
 */
final class SplitCollector {
  private final String split;
  private final List<String> classes;
  private final int dim;
  private final boolean keepViews;

  private float[] features;
  private int[] labels;
  private int[] views;
  private final List<String> paths = new ArrayList<>();
  private int rows;

  // the row being decoded
  private int rowStart;
  private int cursor;
  private String path;
  private String labelName;
  private int label;
  private int view;
  private boolean nan;
  private String currentFile;

  SplitCollector(String split, List<String> classes, int dim, boolean keepViews, int expectedRows) {
    this.split = split;
    this.classes = classes;
    this.dim = dim;
    this.keepViews = keepViews;
    int capacity = Math.max(16, expectedRows);
    if ((long) capacity * dim > MAX_FLOATS) throw tooLarge(capacity);
    features = new float[capacity * dim];
    labels = new int[capacity];
    views = new int[capacity];
  }

  void startFile(String file) {
    currentFile = file;
  }

  void startRow() {
    rowStart = rows * dim;
    cursor = rowStart;
    nan = false;
    path = null;
    labelName = null;
    label = -1;
    view = 0;
  }

  /** The most floats one Java array holds; a split beyond it cannot be one contiguous array. */
  static final long MAX_FLOATS = Integer.MAX_VALUE - 8;

  private FeatureStoreException tooLarge(long rowCount) {
    return new FeatureStoreException("split " + split + " has " + rowCount + " rows of " + dim + " features, more than"
        + " one array holds (" + MAX_FLOATS + " floats): train on fewer rows (without --use-views) or a"
        + " backbone with fewer features");
  }

  void addFloat(float v) {
    if (cursor == features.length) {
      if ((long) cursor + dim > MAX_FLOATS) throw tooLarge(rows + 1L);
      features = Arrays.copyOf(features, (int) Math.min(MAX_FLOATS, Math.max(cursor + (long) dim, cursor * 3L / 2)));
    }
    features[cursor++] = v;
    if (v != v) nan = true;
  }

  void setPath(String p) {
    path = p;
  }

  void setLabel(int l) {
    label = l;
  }

  void setLabelName(String n) {
    labelName = n;
  }

  void setView(int v) {
    view = v;
  }

  void endRow() {
    int count = cursor - rowStart;
    if (count != dim) {
      throw new FeatureStoreException(where() + " has " + count + " features, the manifest says "
          + dim + ": the store mixes features of different backbones; rerun ./extract --overwrite");
    }
    if (label < 0 || label >= classes.size()) {
      throw new FeatureStoreException(where() + " has label " + label + ", outside the manifest's "
          + classes.size() + " classes " + classes + "; rerun ./extract --overwrite");
    }
    if (labelName != null && !labelName.equals(classes.get(label))) {
      throw new FeatureStoreException(where() + " has label " + label + " named '" + labelName
          + "', but the manifest's class " + label + " is '" + classes.get(label)
          + "': this split was extracted with another class list; rerun ./extract --overwrite");
    }
    if (nan) {
      throw new FeatureStoreException(where() + " has NaN features: the backbone produced NaN for this"
          + " image; check the image and the backbone, then rerun ./extract --overwrite");
    }
    if (view != 0 && !keepViews) return; // dropped: cursor is reset by the next startRow
    if (rows == labels.length) {
      int cap = (int) Math.min(Integer.MAX_VALUE - 8, rows * 3L / 2 + 16);
      labels = Arrays.copyOf(labels, cap);
      views = Arrays.copyOf(views, cap);
    }
    labels[rows] = label;
    views[rows] = view;
    paths.add(path);
    rows++;
  }

  private String where() {
    return "row '" + path + "' (view " + view + ") of split " + split + " in " + currentFile;
  }

  FeatureSplit build() {
    float[] exact = features.length == rows * dim ? features : Arrays.copyOf(features, rows * dim);
    return new FeatureSplit(split, rows, dim, exact, Arrays.copyOf(labels, rows), Arrays.copyOf(views, rows),
        paths.toArray(String[]::new));
  }
}
