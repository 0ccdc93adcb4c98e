package dev.headstart.cli;

import dev.headstart.core.Reporter;
import dev.headstart.core.UserException;

import dev.headstart.config.PipelineConfig;
import dev.headstart.engine.EngineGuard;
import dev.headstart.engine.Workload;
import java.util.EnumSet;

import dev.headstart.extract.ExtractStage;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** ./extract: the frozen backbone once over every image, features to Parquet. */
@Command(
    name = "extract",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Runs the frozen backbone over the images of data.root (train/, val/ and",
      "test/ class folders) and stores one feature row per image content (and per",
      "augmented view) in Parquet under extract.out, keyed by the file's SHA-256.",
      "index.parquet maps every path to its hash, split and class; manifest.json",
      "records the backbone, preprocessing, classes, counts, timings, skipped files",
      "with their reasons and images whose bytes appear under two classes.",
      "",
      "Rerunning costs only what changed: new images get one forward pass each;",
      "moved, renamed, relabelled or deleted images none (unchanged files are not",
      "even read again: a (path, size, mtime) cache keeps their hashes). Another",
      "backbone's features go beside these, so switching back costs nothing. A",
      "killed extract keeps every part it finished. --gc removes the rows of images",
      "no longer listed.",
      "",
      "A backbone exported with taps (tools/export_backbone.py --taps) gives every",
      "tap's features in the same row, from one forward pass: `features` holds the",
      "default (deepest) tap, `features_<tap>` the others; ./train --tap picks one.",
      "",
      "Example: ./extract --data examples/fashion5/images --out work/features",
      ""
    })
public final class ExtractCommand implements Callable<Integer> {
  @Mixin ConfigOptions config;

  @Option(names = "--data", paramLabel = "DIR",
      description = "ImageFolder root: DIR/train/<class>/<image>, DIR/val/... (data.root).")
  String data;

  @Option(names = "--backbone", paramLabel = "FILE|URL",
      description = "TorchScript file with its model card beside it, or a djl:// model-zoo URL (backbone.uri).")
  String backbone;

  @Option(names = "--device", paramLabel = "auto|cpu|gpu|gpu:0,1",
      description = "Where the backbone runs (backbone.device): auto = every GPU when HEADSTART_LIBTORCH names a"
          + " CUDA libtorch and the driver shows GPUs, else the CPU; gpu = every GPU (one predictor each);"
          + " gpu:0,1 = those CUDA indices.")
  String device;

  @Option(names = {"-o", "--out"}, paramLabel = "DIR|URI",
      description = "Feature store: a folder or a Hadoop URI such as hdfs://... (extract.out).")
  String out;

  @Option(names = "--batch-size", paramLabel = "N",
      description = "Images per forward pass; memory is bounded by it (extract.batch_size). 0 = auto: 32 on"
          + " the CPU, on GPUs the largest batch their memory holds (at most 256).")
  Integer batchSize;

  @Option(names = "--threads", paramLabel = "N",
      description = "Image decoding threads (extract.threads); 0 = a third of the cores to start, a decoder per core"
          + " if the first batches show decoding is the bottleneck.")
  Integer threads;

  @Option(names = "--intra-op-threads", paramLabel = "N",
      description = "libtorch threads of one forward pass (extract.intra_op_threads); 0 = the cores the decoders"
          + " leave to start; if the first batches show the forward pass is the bottleneck, it runs on every"
          + " core, taking turns with the decoders.")
  Integer intraOpThreads;

  @Option(names = "--views", paramLabel = "K",
      description = "Augmented views per training image (random-resized crop + flip), 0 = none (extract.views).")
  Integer views;

  @Option(names = "--seed", paramLabel = "N", description = "Seed of the augmented views (extract.seed).")
  Long seed;

  @Option(names = "--max-pixels", paramLabel = "N",
      description = "Images with more pixels are skipped, checked before decoding (extract.max_pixels).")
  Long maxPixels;

  @Option(names = "--part-rows", paramLabel = "N",
      description = "Rows per Parquet part; a killed extract keeps every finished part (extract.part_rows).")
  Integer partRows;

  @Option(names = "--precision", paramLabel = "fp32|bf16",
      description = "fp32, or bf16: runs the bfloat16 export name-bf16.pt beside the backbone, on the CPU or"
          + " the GPU (extract.precision).")
  String precision;

  @Option(names = "--strict", description = "Stop at the first bad file instead of skipping and listing it (extract.strict).")
  Boolean strict;

  @Option(names = "--exact-decode", negatable = true,
      description = "Decode every JPEG at full size before the resize: torchvision-exact preprocessing"
          + " (extract.exact_decode, default false: JPEGs at least twice the resize target are decoded at"
          + " 1/2, 1/4 or 1/8 scale by libjpeg-turbo, as Pillow's draft mode; several times faster on photos,"
          + " features slightly different; each has its own feature fingerprint).")
  Boolean exactDecode;

  @Option(names = "--overwrite",
      description = "Compute this backbone's features again instead of reusing the stored ones; other backbones'"
          + " features stay (extract.overwrite). Also replaces a store of the earlier layout.")
  Boolean overwrite;

  @Option(names = "--gc",
      description = "Afterwards remove the feature rows (of every backbone) of images no longer in the folder, and"
          + " rewrite parts left sparse (extract.gc).")
  Boolean gc;

  @Option(names = "--compact-below", paramLabel = "SHARE",
      description = "With --gc: rewrite parts whose share of still-listed rows is below SHARE; 0 = only delete"
          + " parts with none (extract.compact_below, default 0.5).")
  Double compactBelow;

  @Option(names = "--engine", paramLabel = "local|spark",
      description = "Where the backbone runs: local (this JVM) or spark, an Apache Spark job writing the same store;"
          + " needs the spark module built, see README \"Scale-out\" (extract.engine).")
  String engine;

  @Option(names = "--master", paramLabel = "URL",
      description = "With --engine spark: Spark's master, e.g. local[2] (embedded) (extract.spark.master).")
  String master;

  @Option(names = "--migrate",
      description = "Convert a store written by an earlier headstart (parts per split) into this layout without"
          + " running the backbone again; only for the same backbone and preprocessing (extract.migrate).")
  Boolean migrate;

  @Override
  public Integer call() {
    config.override("data.root", data);
    config.override("backbone.uri", backbone);
    config.override("backbone.device", device);
    config.override("extract.out", out);
    config.override("extract.batch_size", batchSize);
    config.override("extract.threads", threads);
    config.override("extract.intra_op_threads", intraOpThreads);
    config.override("extract.views", views);
    config.override("extract.seed", seed);
    config.override("extract.max_pixels", maxPixels);
    config.override("extract.part_rows", partRows);
    config.override("extract.precision", precision);
    config.override("extract.strict", strict);
    config.override("extract.exact_decode", exactDecode);
    config.override("extract.overwrite", overwrite);
    config.override("extract.gc", gc);
    config.override("extract.compact_below", compactBelow);
    config.override("extract.migrate", migrate);
    config.override("extract.engine", engine);
    config.override("extract.spark.master", master);
    PipelineConfig pipeline = config.load();
    DeviceCheck.before("backbone.device", pipeline.backbone().device());
    EngineGuard.prepare(EnumSet.of("bf16".equals(pipeline.extract().precision())
        ? Workload.BF16_INFERENCE : Workload.FP32_INFERENCE));
    try {
      new ExtractStage().run(pipeline, Reporter.stderr());
      return 0;
    } catch (IOException | java.io.UncheckedIOException e) {
      throw new UserException("extract failed: " + e.getMessage()
          + " (finished parts are kept; rerun ./extract to continue)", e);
    }
  }
}
