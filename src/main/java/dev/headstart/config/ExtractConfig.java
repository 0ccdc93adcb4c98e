package dev.headstart.config;

import java.util.List;

/**
 * The extract stage: one pass of the frozen backbone over every image.
 *
 * @param out the feature store: a folder or any Hadoop URI (file:, hdfs:, s3a:)
 * @param batchSize images per forward pass; memory is bounded by it. 0 = auto: 32 on the CPU, and on
 *     GPUs the largest batch their memory holds (capped at 256; halved if a pass runs out of memory)
 * @param threads decoding threads; 0 = start with a third of the cores (at least one), the rest
 *     running the forward pass, and let the first batches decide whether a decoder per core is
 *     faster (decoding the bottleneck: a GPU, a fast backbone)
 * @param views augmented views per training image (random-resized-crop + flip), 0 = none
 * @param seed seed of the augmented views
 * @param maxPixels images with more pixels are skipped as unsafe to decode
 * @param strict stop at the first bad image instead of skipping it
 * @param partRows rows per Parquet part file; a killed extract resumes at part granularity
 * @param overwrite replace features made by another backbone or preprocessing
 * @param precision fp32, or bf16 (runs the name-bf16.pt export: CPUs with AVX-512 BF16/AMX, or a GPU)
 * @param intraOpThreads libtorch threads of one forward pass; 0 = start with the cores the decoders
 *     leave and let the first batches decide whether every core is faster (the forward pass the
 *     bottleneck)
 */
public record ExtractConfig(
    String out,
    int batchSize,
    int threads,
    int views,
    long seed,
    long maxPixels,
    boolean strict,
    int partRows,
    boolean overwrite,
    String precision,
    int intraOpThreads) {
  public static final ExtractConfig DEFAULTS =
      new ExtractConfig("work/features", 0, 0, 0, 0, 100_000_000L, false, 2048, false, "fp32", 0);

  public ExtractConfig {
    Check.nonNegative("extract.batch_size", batchSize);
    Check.nonNegative("extract.threads", threads);
    Check.nonNegative("extract.views", views);
    Check.positive("extract.max_pixels", maxPixels);
    Check.positive("extract.part_rows", partRows);
    Check.oneOf("extract.precision", precision, List.of("fp32", "bf16"));
    Check.nonNegative("extract.intra_op_threads", intraOpThreads);
  }

  /** The same settings with extract.overwrite set: what the runner uses to replace stale features. */
  public ExtractConfig withOverwrite(boolean value) {
    return new ExtractConfig(out, batchSize, threads, views, seed, maxPixels, strict, partRows, value, precision,
        intraOpThreads);
  }
}
