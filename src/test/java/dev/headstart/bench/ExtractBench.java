package dev.headstart.bench;

import ai.djl.Device;
import dev.headstart.config.PipelineConfig;
import dev.headstart.config.PipelineConfigLoader;
import dev.headstart.extract.Backbone;
import dev.headstart.extract.BackboneLoader;
import dev.headstart.extract.BackboneSource;
import dev.headstart.extract.ExtractStage;
import dev.headstart.extract.ImageBatch;
import dev.headstart.features.Manifest;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Extraction speed: headstart's extract end to end (decode, preprocess, forward, Parquet) on an
 * image folder, and the forward pass alone on random batches of the same backbone, so the cost
 * of the data path shows. Prints one JSON line per figure. Not a test; bench/extract.sh runs it:
 *
 * <pre>
 * java -cp target/headstart.jar:target/test-classes dev.headstart.bench.ExtractBench \
 *     --images bench/out/images --model bench/out/resnet18/resnet18.pt --out bench/out/features \
 *     [--batch 32] [--threads 2] [--iters 8] [--precision fp32|bf16] [--mode both|extract|forward]
 * </pre>
 *
 * libtorch's intra-op thread count comes from -Dai.djl.pytorch.num_threads=N (DJL reads it when
 * the engine starts).
 */
public final class ExtractBench {
  /**
   * The forward pass of several backbone files, interleaved round by round (A B C, A B C, ...)
   * so that a busy machine slows them alike; the best round of each is printed.
   */
  static void variants(String[] models, int[] batches, int imagesPerRound, int rounds, String intra) {
    java.util.List<Backbone> loaded = new java.util.ArrayList<>();
    try {
      for (String m : models) {
        loaded.add(BackboneLoader.load(BackboneLoader.locate(new dev.headstart.config.BackboneConfig(
            Path.of(m).toAbsolutePath().toString(), "", "cpu"), Path.of(".")), Device.cpu(), "fp32"));
      }
      int size = loaded.get(0).card().inputSize();
      int maxBatch = java.util.Arrays.stream(batches).max().getAsInt();
      float[] x = new float[maxBatch * 3 * size * size];
      Random rng = new Random(0);
      for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextGaussian();
      double[][] best = new double[models.length][batches.length];
      float[][] first = new float[models.length][];
      for (int m = 0; m < models.length; m++) {
        for (int b : batches) loaded.get(m).forward(new ImageBatch(x, b, size));
        first[m] = loaded.get(m).forward(new ImageBatch(x, batches[0], size))[0];
      }
      for (int r = 0; r < rounds; r++) {
        for (int m = 0; m < models.length; m++) {
          for (int bi = 0; bi < batches.length; bi++) {
            int b = batches[bi];
            int iters = Math.max(1, imagesPerRound / b);
            ImageBatch ib = new ImageBatch(x, b, size);
            long t0 = System.nanoTime();
            for (int i = 0; i < iters; i++) loaded.get(m).forward(ib);
            best[m][bi] = Math.max(best[m][bi], b * iters / ((System.nanoTime() - t0) / 1e9));
          }
        }
      }
      for (int m = 0; m < models.length; m++) {
        double diff = 0;
        double norm = 0;
        for (int k = 0; k < first[m].length; k++) {
          diff += Math.abs(first[m][k] - first[0][k]);
          norm += Math.abs(first[0][k]);
        }
        for (int bi = 0; bi < batches.length; bi++) {
          System.out.printf(Locale.ROOT, "{\"what\": \"headstart forward\", \"model\": \"%s\", \"batch\": %d, "
              + "\"images_per_s\": %.2f, \"intra_op_threads\": \"%s\", \"rounds\": %d, \"rel_l1_vs_first\": %.2e}%n",
              Path.of(models[m]).getFileName(), batches[bi], best[m][bi], intra, rounds, diff / Math.max(norm, 1e-12));
        }
      }
    } finally {
      loaded.forEach(Backbone::close);
    }
  }

  /** The data path on one thread, stage by stage: read, hash, decode, resize + crop + normalize. */
  static void decode(Path root, String model, int rounds, boolean exact) throws Exception {
    dev.headstart.extract.ModelCard card = dev.headstart.extract.ModelCard.read(
        Path.of(model.replaceFirst("\\.pt$", ".json")));
    dev.headstart.extract.Preprocessor pre = new dev.headstart.extract.Preprocessor(card);
    dev.headstart.extract.ImageDecoder decoder = new dev.headstart.extract.ImageDecoder(100_000_000L, exact);
    java.util.List<Path> files;
    try (var walk = java.nio.file.Files.walk(root)) {
      files = walk.filter(p -> p.toString().endsWith(".jpg")).sorted().toList();
    }
    for (int r = 0; r < rounds; r++) {
      long read = 0, hash = 0, dec = 0, prep = 0, pixels = 0;
      for (Path f : files) {
        long t0 = System.nanoTime();
        byte[] bytes = java.nio.file.Files.readAllBytes(f);
        long t1 = System.nanoTime();
        dev.headstart.io.Hashing.sha256(bytes);
        long t2 = System.nanoTime();
        dev.headstart.extract.RgbImage img = decoder.decodeForResize(bytes, pre.resize());
        long t3 = System.nanoTime();
        pre.eval(img);
        long t4 = System.nanoTime();
        read += t1 - t0;
        hash += t2 - t1;
        dec += t3 - t2;
        prep += t4 - t3;
        pixels += (long) img.width() * img.height();
      }
      int n = files.size();
      System.out.printf(Locale.ROOT, "{\"what\": \"headstart data path, one thread\", \"decoder\": \"%s\", "
          + "\"exact_decode\": %b, \"round\": %d, \"images\": %d, "
          + "\"mean_megapixels\": %.3f, \"ms_read\": %.2f, \"ms_sha256\": %.2f, \"ms_decode\": %.2f, "
          + "\"ms_resize_crop_normalize\": %.2f, \"images_per_s\": %.1f}%n",
          dev.headstart.extract.ImageDecoder.jpegDecoder().startsWith("libjpeg-turbo") ? "libjpeg-turbo" : "jdk",
          exact, r, n, pixels / 1e6 / n, read / 1e6 / n, hash / 1e6 / n, dec / 1e6 / n, prep / 1e6 / n,
          n / ((read + hash + dec + prep) / 1e9));
    }
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> a = new LinkedHashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) a.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    String images = a.get("images");
    String model = a.get("model");
    String out = a.getOrDefault("out", "bench/out/features");
    int batch = Integer.parseInt(a.getOrDefault("batch", "32"));
    int threads = Integer.parseInt(a.getOrDefault("threads", "0"));
    int iters = Integer.parseInt(a.getOrDefault("iters", "8"));
    String precision = a.getOrDefault("precision", "fp32");
    String mode = a.getOrDefault("mode", "both");
    String intra = System.getProperty("ai.djl.pytorch.num_threads", "default");
    // the oneDNN cap extract's command line would run under on this machine (the engine check's
    // choice, cached per machine): without it a failed known answer falls back to the slower
    // unfrozen file, which the command line never measures
    dev.headstart.engine.EngineGuard.prepare(java.util.EnumSet.of(precision.equals("bf16")
        ? dev.headstart.engine.Workload.BF16_INFERENCE : dev.headstart.engine.Workload.FP32_INFERENCE));

    if (mode.equals("decode")) {
      decode(Path.of(images), model, Integer.parseInt(a.getOrDefault("rounds", "2")),
          Boolean.parseBoolean(a.getOrDefault("exact-decode", "false")));
      return;
    }
    if (mode.equals("variants")) {
      int[] batches = java.util.Arrays.stream(a.getOrDefault("batches", String.valueOf(batch)).split(","))
          .mapToInt(Integer::parseInt).toArray();
      variants(a.get("models").split(","), batches, batch * iters, Integer.parseInt(a.getOrDefault("rounds", "3")), intra);
      return;
    }
    if (!mode.equals("forward")) {
      Map<String, String> o = new LinkedHashMap<>();
      o.put("data.root", Path.of(images).toAbsolutePath().toString());
      o.put("backbone.uri", Path.of(model).toAbsolutePath().toString());
      o.put("backbone.device", "cpu");
      o.put("extract.out", Path.of(out).toAbsolutePath().toString());
      o.put("extract.batch_size", String.valueOf(batch));
      o.put("extract.threads", String.valueOf(threads));
      o.put("extract.precision", precision);
      o.put("extract.overwrite", "true");
      o.put("extract.exact_decode", a.getOrDefault("exact-decode", "false"));
      PipelineConfig config = PipelineConfigLoader.load(Path.of("bench-does-not-exist.yaml"), o);
      long t0 = System.nanoTime();
      ExtractStage.Result r = new ExtractStage().run(config, dev.headstart.core.Reporter.silent());
      double s = (System.nanoTime() - t0) / 1e9;
      Manifest m = r.manifest();
      System.out.printf(Locale.ROOT, "{\"what\": \"headstart extract\", \"images\": %d, \"seconds\": %.2f, "
          + "\"images_per_s\": %.2f, \"decode_threads\": %.0f, \"intra_op_threads\": \"%s\", \"batch\": %d, "
          + "\"precision\": \"%s\", \"exact_decode\": %s, \"jpeg_decoder\": \"%s\", \"decode_thread_seconds\": %.2f, \"forward_seconds\": %.2f, \"write_seconds\": %.2f, "
          + "\"loop_images_per_s\": %.2f, \"taking_turns\": %s, \"onednn_max_cpu_isa\": \"%s\"}%n",
          r.imagesRun(), s, r.imagesRun() / s, m.timings().get("decode_threads"),
          String.valueOf(m.timings().get("intra_op_threads")), batch, precision,
          a.getOrDefault("exact-decode", "false"),
          dev.headstart.extract.ImageDecoder.jpegDecoder().startsWith("libjpeg-turbo") ? "libjpeg-turbo" : "jdk",
          m.timings().get("decode_thread_seconds"), m.timings().get("forward_seconds"),
          m.timings().get("write_seconds"), m.timings().get("images_per_second"),
          m.timings().getOrDefault("taking_turns", 0.0) > 0, dev.headstart.engine.EngineGuard.applied().isa().envValue);
    }
    if (!mode.equals("extract")) {
      BackboneSource src = BackboneLoader.locate(
          new dev.headstart.config.BackboneConfig(Path.of(model).toAbsolutePath().toString(), "", "cpu"), Path.of("."));
      try (Backbone b = BackboneLoader.load(src, Device.cpu(), precision)) {
        int size = b.card().inputSize();
        float[] x = new float[batch * 3 * size * size];
        Random rng = new Random(0);
        for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextGaussian();
        ImageBatch ib = new ImageBatch(x, batch, size);
        for (int i = 0; i < 2; i++) b.forward(ib);
        long t0 = System.nanoTime();
        for (int i = 0; i < iters; i++) b.forward(ib);
        double s = (System.nanoTime() - t0) / 1e9;
        int n = batch * iters;
        System.out.printf(Locale.ROOT, "{\"what\": \"headstart forward\", \"images\": %d, \"seconds\": %.2f, "
            + "\"images_per_s\": %.2f, \"intra_op_threads\": \"%s\", \"batch\": %d, \"precision\": \"%s\", "
            + "\"file_role\": \"%s\", \"onednn_max_cpu_isa\": \"%s\"}%n",
            n, s, n / s, intra, batch, precision, b.describe().get("file_role"),
            dev.headstart.engine.EngineGuard.applied().isa().envValue);
      }
    }
  }
}
