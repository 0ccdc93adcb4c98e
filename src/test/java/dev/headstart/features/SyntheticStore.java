package dev.headstart.features;

import dev.headstart.config.HeadstartVersion;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * Writes small synthetic feature stores for tests with the real writer, index and manifest
 * code: each class is a Gaussian blob around its own centre, {@code separation} apart.
 */
public final class SyntheticStore {
  public static final String FINGERPRINT = "5e7a1c0ffee0synthetic0fingerprint";

  private SyntheticStore() {}

  public static List<FeatureRow> rows(String split, List<String> classes, int perClass, int dim,
      double separation, int views, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    SplittableRandom centres = new SplittableRandom(12345);
    float[][] centre = new float[classes.size()][dim];
    for (float[] c : centre) for (int d = 0; d < dim; d++) c[d] = (float) (centres.nextGaussian() * separation);
    List<FeatureRow> rows = new ArrayList<>();
    for (int i = 0; i < perClass; i++) {
      for (int c = 0; c < classes.size(); c++) {
        String path = split + "/" + classes.get(c) + "/img" + i + ".png";
        for (int v = 0; v <= views; v++) {
          float[] f = new float[dim];
          for (int d = 0; d < dim; d++) f[d] = centre[c][d] + (float) rnd.nextGaussian();
          rows.add(new FeatureRow(path, split, c, classes.get(c), v, "hash-" + split + c + "-" + i, f));
        }
      }
    }
    return rows;
  }

  /** The folder the synthetic fingerprint's parts go to. */
  public static Path rowsDir(String store) {
    return FeatureStoreLayout.fingerprintDir(HadoopFs.toPath(store), FINGERPRINT);
  }

  /**
   * Writes the rows of one split into {@code parts} part files and puts the split's images
   * (view 0 rows) into the index in place of the split's earlier entries; a manifest already
   * there is pointed at the new index.
   */
  public static void writeSplit(String store, String split, List<FeatureRow> rows, int parts) throws IOException {
    writeParts(store, split, rows, parts, FINGERPRINT);
    Configuration conf = HadoopFs.configuration();
    Path root = HadoopFs.toPath(store);
    List<IndexEntry> index = new ArrayList<>();
    for (IndexEntry e : StoreIndex.read(root, conf)) if (!e.split().equals(split)) index.add(e);
    for (FeatureRow r : rows) if (r.view() == 0) index.add(r.entry());
    StoreIndex.write(root, conf, index);
    var existing = ManifestIO.readIfExists(root, conf);
    if (existing.isPresent()) writeManifest(store, existing.get());
  }

  /** Writes rows as parts of the synthetic folder stamped with {@code fingerprint}. */
  public static void writeParts(String store, String split, List<FeatureRow> rows, int parts, String fingerprint)
      throws IOException {
    Configuration conf = HadoopFs.configuration();
    int per = (rows.size() + parts - 1) / parts;
    for (int p = 0; p < parts; p++) {
      Path part = new Path(rowsDir(store), FeatureStoreLayout.partName("synthetic-" + split, p));
      try (FeaturePartWriter w = FeaturePartWriter.open(part, conf, fingerprint)) {
        for (FeatureRow r : rows.subList(Math.min(rows.size(), p * per), Math.min(rows.size(), (p + 1) * per))) {
          w.write(r.stored());
        }
      }
    }
  }

  public static Manifest manifest(List<String> classes, int dim, int views, Map<String, Integer> rowsPerSplit) {
    Map<String, Manifest.SplitCounts> splits = new LinkedHashMap<>();
    rowsPerSplit.forEach((s, n) -> splits.put(s, new Manifest.SplitCounts(n, n, 0)));
    Map<String, Object> backbone = new LinkedHashMap<>();
    backbone.put("uri", "synthetic.pt");
    backbone.put("sha256", "abc123");
    backbone.put("name", "synthetic");
    backbone.put("feature_dim", dim);
    Map<String, Object> pre = new LinkedHashMap<>();
    pre.put("input_size", 32);
    pre.put("mean", List.of(0.485, 0.456, 0.406));
    return new Manifest(HeadstartVersion.VERSION, "2026-01-01T00:00:00Z", FINGERPRINT, backbone, pre,
        classes, dim, views, splits, List.of(), Map.of("seconds", 1.0), "images", true, FeatureStoreLayout.LAYOUT,
        null, FeatureStoreLayout.ROWS + "/" + FeatureStoreLayout.dirName(FINGERPRINT), List.of());
  }

  /** Writes the manifest, naming the listing the store's index holds now. */
  public static void writeManifest(String store, Manifest m) throws IOException {
    Configuration conf = HadoopFs.configuration();
    String listing = StoreIndex.storedListingId(HadoopFs.toPath(store), conf);
    ManifestIO.write(store, new Manifest(m.headstartVersion(), m.createdAt(), m.fingerprint(), m.backbone(),
        m.preprocessing(), m.classes(), m.featureDim(), m.views(), m.splits(), m.skipped(), m.timings(), m.dataRoot(),
        m.complete(), m.layout(), listing, m.featuresDir(), m.labelConflicts()));
  }

  /** A complete store: train and val splits of well separated classes, and its manifest. */
  public static void write(String store, List<String> classes, int trainPerClass, int valPerClass, int dim,
      double separation, int views) throws IOException {
    List<FeatureRow> train = rows("train", classes, trainPerClass, dim, separation, views, 1);
    List<FeatureRow> val = rows("val", classes, valPerClass, dim, separation, 0, 2);
    writeSplit(store, "train", train, 2);
    writeSplit(store, "val", val, 1);
    writeManifest(store, manifest(classes, dim, views, Map.of("train", train.size() / (1 + views), "val", val.size())));
  }
}
