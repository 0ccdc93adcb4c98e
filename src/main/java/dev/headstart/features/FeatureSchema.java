package dev.headstart.features;

import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;

/**
 * The Avro schemas of the feature store's two tables, written as standard Parquet (three-level
 * lists) so pyarrow, pandas, Spark and DuckDB read them without headstart:
 * <ul>
 *   <li>{@link #ROW}: one image content and view and its backbone features, keyed by
 *       (content_hash, view) within its fingerprint folder; a backbone with taps adds one
 *       column per tap beside {@code features} ({@link #row}). No path and no label: moving or
 *       relabelling an image changes only the index.
 *   <li>{@link #INDEX}: the current listing, one row per image file: where it is, which split
 *       and class it belongs to, and the hash that finds its features.
 * </ul>
 */
public final class FeatureSchema {
  public static final String PATH = "path";
  public static final String SPLIT = "split";
  public static final String LABEL = "label";
  public static final String LABEL_NAME = "label_name";
  public static final String VIEW = "view";
  public static final String CONTENT_HASH = "content_hash";
  public static final String FEATURES = "features";

  /** The row schema of a one-output backbone: {@code features} only. */
  public static final Schema ROW = row(List.of());

  /**
   * The row schema with {@code features} (the default tap) and one more list<float> column per
   * other tap of the backbone, all filled by the same forward pass.
   */
  public static Schema row(List<String> tapColumns) {
    SchemaBuilder.FieldAssembler<Schema> fields = SchemaBuilder.record("FeatureRow")
        .namespace("dev.headstart.features")
        .doc("The backbone features of one image content (view 0) or one augmented view of it (1..k)")
        .fields()
        .requiredString(CONTENT_HASH)
        .requiredInt(VIEW)
        .name(FEATURES).type().array().items().floatType().noDefault();
    for (String c : tapColumns) fields = fields.name(c).type().array().items().floatType().noDefault();
    return fields.endRecord();
  }

  /**
   * The column of a tap other than the default: {@code features_<tap>}, with every character
   * Avro does not allow in a field name (the dots of {@code features.7}) as '_'.
   */
  public static String column(String tap) {
    return FEATURES + "_" + tap.replaceAll("[^A-Za-z0-9_]", "_");
  }

  /** Whether a column of a part holds features (the default tap's or another's). */
  public static boolean isFeatureColumn(String name) {
    return name.equals(FEATURES) || name.startsWith(FEATURES + "_");
  }

  public static final Schema INDEX = SchemaBuilder.record("IndexEntry")
      .namespace("dev.headstart.features")
      .doc("One image file of the current listing: its split, its class and the hash of its bytes")
      .fields()
      .requiredString(PATH)
      .requiredString(SPLIT)
      .requiredInt(LABEL)
      .requiredString(LABEL_NAME)
      .requiredString(CONTENT_HASH)
      .endRecord();

  private FeatureSchema() {}
}
