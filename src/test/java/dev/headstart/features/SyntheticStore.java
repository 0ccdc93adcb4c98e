package dev.headstart.features;

import dev.headstart.config.HeadstartVersion;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes small synthetic feature stores for tests with the real writer and manifest code:
 * each class is a Gaussian blob around its own centre, {@code separation} apart.
 */
public final class SyntheticStore {
  public static final String FINGERPRINT = "synthetic-fingerprint";

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

  /** Writes rows of one split into {@code parts} part files. */
  public static void writeSplit(String store, String split, List<FeatureRow> rows, int parts) throws IOException {
    int per = (rows.size() + parts - 1) / parts;
    for (int p = 0; p < parts; p++) {
      try (FeaturePartWriter w = FeaturePartWriter.open(store, split, p, FINGERPRINT)) {
        w.writeAll(rows.subList(Math.min(rows.size(), p * per), Math.min(rows.size(), (p + 1) * per)));
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
        classes, dim, views, splits, List.of(), Map.of("seconds", 1.0), "images", true);
  }

  /** A complete store: train and val splits of well separated classes, and its manifest. */
  public static void write(String store, List<String> classes, int trainPerClass, int valPerClass, int dim,
      double separation, int views) throws IOException {
    List<FeatureRow> train = rows("train", classes, trainPerClass, dim, separation, views, 1);
    List<FeatureRow> val = rows("val", classes, valPerClass, dim, separation, 0, 2);
    writeSplit(store, "train", train, 2);
    writeSplit(store, "val", val, 1);
    ManifestIO.write(store, manifest(classes, dim, views,
        Map.of("train", train.size(), "val", val.size())));
  }
}
