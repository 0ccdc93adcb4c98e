import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

/**
 * Prints a headstart feature store as JSON, {"path": [features...], ...}, read with DuckDB (not
 * with headstart's own reader, so the check is independent of it). View 0 rows only.
 *
 * <pre>
 * java -cp ~/.m2/repository/org/duckdb/duckdb_jdbc/1.1.3/duckdb_jdbc-1.1.3.jar \
 *     tools/ReadFeatures.java work/features
 * </pre>
 *
 * Used by tools/arch_matrix.py. The store's layout (src/main/java/dev/headstart/features/
 * FeatureStoreLayout.java: index.parquet joined with the rows of the manifest's features_dir by
 * content hash) lives in {@link #query} only.
 */
public final class ReadFeatures {
  /** The one SQL statement that knows the layout: rows of (path, features) of the current listing. */
  static String query(Path store) throws java.io.IOException {
    String manifest = Files.readString(store.resolve("manifest.json"));
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"features_dir\"\\s*:\\s*\"([^\"]+)\"")
        .matcher(manifest);
    if (!m.find()) throw new IllegalStateException(store + "/manifest.json names no features_dir: rerun ./extract");
    String index = sql(store.toAbsolutePath().resolve("index.parquet"));
    String rows = sql(store.toAbsolutePath().resolve(m.group(1)).resolve("*.parquet"));
    return "SELECT i.path, f.features FROM read_parquet('" + index + "') i JOIN read_parquet('" + rows + "') f"
        + " ON f.content_hash = i.content_hash WHERE f.view = 0 ORDER BY i.path";
  }

  private static String sql(Path p) {
    return p.toString().replace("'", "''");
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 1 || !Files.isDirectory(Path.of(args[0]))) {
      System.err.println("usage: java -cp duckdb_jdbc.jar tools/ReadFeatures.java <features dir>");
      System.exit(2);
    }
    StringBuilder out = new StringBuilder("{");
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
         Statement s = c.createStatement();
         ResultSet rs = s.executeQuery(query(Path.of(args[0])))) {
      boolean first = true;
      while (rs.next()) {
        out.append(first ? "\n" : ",\n");
        first = false;
        out.append(quote(rs.getString(1))).append(": [");
        Array arr = rs.getArray(2);
        Object[] values = (Object[]) arr.getArray();
        for (int i = 0; i < values.length; i++) {
          if (i > 0) out.append(", ");
          float v = ((Number) values[i]).floatValue();
          out.append(Float.isFinite(v) ? Float.toString(v) : "NaN".equals(Float.toString(v)) ? "NaN"
              : (v > 0 ? "Infinity" : "-Infinity"));
        }
        out.append(']');
      }
    }
    out.append("\n}");
    System.out.println(out);
  }

  static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char ch : s.toCharArray()) {
      switch (ch) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (ch < 0x20) b.append(String.format("\\u%04x", (int) ch));
          else b.append(ch);
        }
      }
    }
    return b.append('"').toString();
  }
}
