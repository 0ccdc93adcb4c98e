package dev.headstart.config;

import java.util.Map;

/**
 * extract.spark.*: how the Spark engine runs.
 *
 * @param master Spark's master URL: local[N] runs it embedded (tests, one big machine); a
 *     cluster's URL when the driver is started with spark-submit instead
 * @param shards how many shards the jobs are cut into (one Parquet part and one task each);
 *     0 = four per core Spark reports, at least one
 * @param conf any other Spark settings, passed as they are (spark.executor.memory: 8g, ...)
 */
public record SparkSettings(String master, int shards, Map<String, String> conf) {
  public static final SparkSettings DEFAULTS = new SparkSettings("local[*]", 0, Map.of());

  public SparkSettings {
    if (master == null || master.isBlank()) {
      throw new ConfigException("'extract.spark.master' must be a Spark master URL such as local[2] or yarn");
    }
    Check.nonNegative("extract.spark.shards", shards);
    conf = Map.copyOf(conf);
    for (String k : conf.keySet()) {
      if (!k.startsWith("spark.")) {
        throw new ConfigException("'extract.spark.conf." + k + "' is not a Spark setting (they start with 'spark.')");
      }
    }
  }
}
