package dev.headstart.spark;

import java.io.Serializable;
import java.util.Map;

/**
 * What one shard's task did.
 *
 * @param failures content hash -> why the image could not be used
 */
record ShardResult(int index, int images, long rows, boolean wrotePart, Map<String, String> failures, double seconds,
    double forwardSeconds) implements Serializable {}
