package dev.headstart.spark;

import java.io.Serializable;

/**
 * What every executor task needs, as plain values (shipped with the task): the backbone to load
 * and check, the preprocessing limits, and where its part goes.
 *
 * @param backboneUri as backbone.uri says, resolved (a file the executors can read, or a zoo URL)
 * @param card the model card (backbone.card), resolved; empty = beside the backbone
 * @param backboneSha the SHA-256 the driver found: an executor's file must match it
 * @param dir the fingerprint folder the parts go to (a Hadoop URI)
 * @param dataRoot the image folder the jobs' paths are relative to: a folder every executor
 *     mounts, or a Hadoop URI (hdfs://, s3a://) they read through Hadoop's FileSystem
 * @param reducedDecode the driver fingerprinted reduced-size JPEG decoding (extract.exact_decode
 *     false and libjpeg-turbo on the driver): every executor must decode the same way
 */
record TaskSettings(String backboneUri, String card, String device, String precision, String backboneSha,
    long maxPixels, int batchSize, long viewSeed, String dir, String fingerprint, String runId, String baseDir,
    String dataRoot, boolean reducedDecode) implements Serializable {}
