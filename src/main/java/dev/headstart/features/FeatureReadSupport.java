package dev.headstart.features;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.api.InitContext;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.io.api.RecordMaterializer;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;

/**
 * Parquet's low-level read path for feature parts: decodes content_hash, view and (when asked)
 * features, and hands every float to {@link RowSink#addFloat} as a primitive.
 * parquet-avro would build a record and a boxed Float per value, ~5 million objects for a
 * 10,000-row split of 512 features. Works for the standard three-level list and the old
 * two-level one alike, since it only looks for the float leaf.
 */
final class FeatureReadSupport extends ReadSupport<Boolean> {
  static final String FINGERPRINT_KEY = "headstart.fingerprint";
  private final RowSink sink;
  private final String expectedFingerprint;
  private final String file;
  private final Set<String> columns;
  private final List<String> featureColumns;

  /**
   * featureColumns: the feature columns to decode, each float going to the sink with its index
   * in this list; empty: only the keys are decoded (no feature column is even read).
   */
  FeatureReadSupport(RowSink sink, String expectedFingerprint, String file, List<String> featureColumns) {
    this.sink = sink;
    this.expectedFingerprint = expectedFingerprint;
    this.file = file;
    this.featureColumns = List.copyOf(featureColumns);
    Set<String> cols = new HashSet<>(List.of(FeatureSchema.CONTENT_HASH, FeatureSchema.VIEW));
    cols.addAll(featureColumns);
    this.columns = Set.copyOf(cols);
  }

  @Override
  public ReadContext init(InitContext context) {
    Set<String> fps = context.getKeyValueMetadata().getOrDefault(FINGERPRINT_KEY, Set.of());
    // parts written before fingerprints were stamped carry none: the manifest checks still apply
    if (expectedFingerprint != null && !fps.isEmpty() && !fps.equals(Set.of(expectedFingerprint))) {
      throw new FeatureStoreException(file + " was written with features fingerprint " + fps
          + " but lies in the folder of fingerprint " + expectedFingerprint + ": it was moved or copied"
          + " there; delete it and rerun ./extract");
    }
    MessageType fileSchema = context.getFileSchema();
    Types.MessageTypeBuilder projection = Types.buildMessage();
    for (String name : columns) {
      if (!fileSchema.containsField(name)) {
        throw new FeatureStoreException(file + " has no column '" + name
            + "': it is not a headstart feature part of this layout; delete it and rerun ./extract");
      }
    }
    for (Type t : fileSchema.getFields()) if (columns.contains(t.getName())) projection.addField(t);
    return new ReadContext(projection.named(fileSchema.getName()));
  }

  @Override
  public RecordMaterializer<Boolean> prepareForRead(Configuration conf, Map<String, String> keyValueMetaData,
      MessageType fileSchema, ReadContext readContext) {
    GroupConverter root = new RowConverter(readContext.getRequestedSchema(), sink, featureColumns);
    return new RecordMaterializer<>() {
      @Override
      public Boolean getCurrentRecord() {
        return Boolean.TRUE; // the rows live in the collector; the reader only needs non-null
      }

      @Override
      public GroupConverter getRootConverter() {
        return root;
      }
    };
  }

  /** The top-level row: starts and ends a sink row, routes each column to it. */
  private static final class RowConverter extends GroupConverter {
    private final RowSink sink;
    private final Converter[] children;

    RowConverter(GroupType schema, RowSink sink, List<String> featureColumns) {
      this.sink = sink;
      children = new Converter[schema.getFieldCount()];
      for (int i = 0; i < children.length; i++) {
        Type t = schema.getType(i);
        children[i] = switch (t.getName()) {
          case FeatureSchema.CONTENT_HASH -> new PrimitiveConverter() {
            @Override
            public void addBinary(Binary value) {
              sink.contentHash(value.toStringUsingUTF8());
            }
          };
          case FeatureSchema.VIEW -> new PrimitiveConverter() {
            @Override
            public void addInt(int value) {
              sink.view(value);
            }
          };
          default -> floats(t, sink, featureColumns.indexOf(t.getName()));
        };
      }
    }

    @Override
    public Converter getConverter(int fieldIndex) {
      return children[fieldIndex];
    }

    @Override
    public void start() {
      sink.startRow();
    }

    @Override
    public void end() {
      sink.endRow();
    }
  }

  /** The converter for the features column at any list nesting: every float leaf feeds the collector. */
  private static Converter floats(Type type, RowSink sink, int column) {
    if (type.isPrimitive()) {
      if (type.asPrimitiveType().getPrimitiveTypeName() != PrimitiveType.PrimitiveTypeName.FLOAT) {
        throw new FeatureStoreException("the features column holds " + type + ", expected float");
      }
      return new PrimitiveConverter() {
        @Override
        public void addFloat(float value) {
          sink.addFloat(column, value);
        }
      };
    }
    GroupType group = type.asGroupType();
    Converter[] inner = new Converter[group.getFieldCount()];
    for (int i = 0; i < inner.length; i++) inner[i] = floats(group.getType(i), sink, column);
    return new GroupConverter() {
      @Override
      public Converter getConverter(int fieldIndex) {
        return inner[fieldIndex];
      }

      @Override
      public void start() {}

      @Override
      public void end() {}
    };
  }
}
