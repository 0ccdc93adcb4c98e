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
 *     leave and let the first batches decide whether the forward pass on every core, taking turns
 *     with the decoders, is faster (the forward pass the bottleneck)
 * @param gc after extracting, remove the feature rows of images no longer in the listing (of
 *     every backbone in the store) and compact the parts they leave sparse
 * @param compactBelow with gc: parts whose share of live rows is below this are rewritten
 * @param migrate convert a store of the earlier per-split layout instead of refusing it
 * @param engine local (this JVM) or spark (a Spark job writing the same store)
 * @param spark the Spark engine's master, shards and settings
 * @param exactDecode decode every JPEG at full size before the resize (torchvision-exact
 *     preprocessing); false = a JPEG at least twice the resize target is decoded at 1/2, 1/4 or 1/8
 *     scale in the DCT domain (Pillow's draft mode, libjpeg-turbo), several times faster on photos,
 *     features slightly different (bench/DECODE_RESULTS.md); recorded in the manifest's
 *     preprocessing, so the two never share feature rows
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
    int intraOpThreads,
    boolean gc,
    double compactBelow,
    boolean migrate,
    ExtractEngine engine,
    SparkSettings spark,
    boolean exactDecode) {
  public static final ExtractConfig DEFAULTS = new ExtractConfig("work/features", 0, 0, 0, 0, 100_000_000L, false,
      2048, false, "fp32", 0, false, 0.5, false, ExtractEngine.LOCAL, SparkSettings.DEFAULTS,
      false);
  /** Views are stored as bits of one long per image while extract looks up what it has. */
  public static final int MAX_VIEWS = 62;

  public ExtractConfig {
    Check.nonNegative("extract.batch_size", batchSize);
    Check.nonNegative("extract.threads", threads);
    Check.nonNegative("extract.views", views);
    Check.positive("extract.max_pixels", maxPixels);
    Check.positive("extract.part_rows", partRows);
    Check.oneOf("extract.precision", precision, List.of("fp32", "bf16"));
    Check.nonNegative("extract.intra_op_threads", intraOpThreads);
    if (views > MAX_VIEWS) {
      throw new ConfigException("'extract.views' must be at most " + MAX_VIEWS + ", got " + views);
    }
    if (!(compactBelow >= 0 && compactBelow <= 1)) {
      throw new ConfigException("'extract.compact_below' must be a share between 0 and 1 (0 = never rewrite"
          + " parts), got " + compactBelow);
    }
  }
}
