package dev.headstart.spark;

import java.io.Serializable;
import java.util.List;

/** One shard of an extract's jobs: one task, one Parquet part. */
record ShardSpec(int index, List<JobSpec> jobs) implements Serializable {
  /** One image content and the views it needs, as plain values. */
  record JobSpec(String contentHash, String file, String path, int[] views) implements Serializable {}
}
