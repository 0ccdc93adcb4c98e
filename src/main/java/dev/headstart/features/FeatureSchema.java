package dev.headstart.features;

import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;

/**
 * The Avro schema of one feature-store row: one image and view. Written as standard Parquet
 * (three-level lists) so pyarrow, pandas, Spark and DuckDB read it without headstart.
 */
public final class FeatureSchema {
  public static final String PATH = "path";
  public static final String SPLIT = "split";
  public static final String LABEL = "label";
  public static final String LABEL_NAME = "label_name";
  public static final String VIEW = "view";
  public static final String CONTENT_HASH = "content_hash";
  public static final String FEATURES = "features";

  public static final Schema SCHEMA = SchemaBuilder.record("FeatureRow")
      .namespace("dev.headstart.features")
      .doc("One image (view 0) or one augmented view (1..k) and its backbone features")
      .fields()
      .requiredString(PATH)
      .requiredString(SPLIT)
      .requiredInt(LABEL)
      .requiredString(LABEL_NAME)
      .requiredInt(VIEW)
      .requiredString(CONTENT_HASH)
      .name(FEATURES).type().array().items().floatType().noDefault()
      .endRecord();

  private FeatureSchema() {}
}
