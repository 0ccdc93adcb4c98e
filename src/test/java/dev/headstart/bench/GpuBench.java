package dev.headstart.bench;

import ai.djl.Device;
import dev.headstart.config.BackboneConfig;
import dev.headstart.engine.EngineGuard;
import dev.headstart.engine.Gpus;
import dev.headstart.engine.LibtorchFolder;
import dev.headstart.engine.LibtorchSwitch;
import dev.headstart.extract.Backbone;
import dev.headstart.extract.BackboneLoader;
import dev.headstart.extract.BackboneSource;
import dev.headstart.extract.ImageBatch;
import dev.headstart.extract.ImageDecoder;
import dev.headstart.extract.ModelCard;
import dev.headstart.extract.Preprocessor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * The parts of bench/gpu.sh that are not a plain extract: the data path alone on every core
 * (decode-only images/s: the most a GPU extract can reach), and the features of the same images
 * on the GPU and on the CPU (the bundled path's arithmetic) side by side. Prints one JSON line per
 * figure. Not a test:
 *
 * <pre>
 * java -cp target/headstart.jar:target/test-classes dev.headstart.bench.GpuBench decode --images DIR --model M.pt
 *     (every .jpg and .png under DIR)
 * java -cp ... dev.headstart.bench.GpuBench compare --images DIR --model M.pt [--limit 256] [--precision fp32]
 * </pre>
 *
 * compare needs HEADSTART_LIBTORCH to name a CUDA libtorch (the CPU side then runs that
 * libtorch's CPU kernels) and a GPU; without them it says so and exits 3.
 */
public final class GpuBench {
  private GpuBench() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = new LinkedHashMap<>();
    for (int i = 1; i + 1 < args.length; i += 2) a.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    String mode = args.length > 0 ? args[0] : "";
    Path images = Path.of(a.getOrDefault("images", "bench/out/gpu-images"));
    Path model = Path.of(a.getOrDefault("model", "bench/out/resnet18/resnet18.pt")).toAbsolutePath();
    switch (mode) {
      case "decode" -> decode(images, model);
      case "compare" -> compare(images, model, Integer.parseInt(a.getOrDefault("limit", "256")),
          a.getOrDefault("precision", "fp32"));
      default -> {
        System.err.println("usage: GpuBench decode|compare --images DIR --model FILE.pt [--limit N] [--precision P]");
        System.exit(64);
      }
    }
    System.exit(0);
  }

  static List<Path> jpegs(Path root) throws Exception {
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.filter(p -> p.toString().endsWith(".jpg") || p.toString().endsWith(".png")).sorted().toList();
    }
  }

  /** Read, hash, decode, resize + crop + normalize on every core: images/s with no forward pass. */
  static void decode(Path root, Path model) throws Exception {
    ModelCard card = ModelCard.read(Path.of(model.toString().replaceFirst("\\.pt$", ".json")));
    Preprocessor pre = new Preprocessor(card);
    ImageDecoder decoder = new ImageDecoder(100_000_000L);
    List<Path> files = jpegs(root);
    int cores = Runtime.getRuntime().availableProcessors();
    ExecutorService pool = Executors.newFixedThreadPool(cores);
    try {
      double best = 0;
      for (int round = 0; round < 2; round++) {
        long t0 = System.nanoTime();
        List<Future<?>> done = new ArrayList<>();
        for (Path f : files) {
          done.add(pool.submit(() -> {
            byte[] bytes = Files.readAllBytes(f);
            dev.headstart.io.Hashing.sha256(bytes);
            pre.eval(decoder.decode(bytes));
            return null;
          }));
        }
        for (Future<?> d : done) d.get();
        best = Math.max(best, files.size() / ((System.nanoTime() - t0) / 1e9));
      }
      System.out.printf(Locale.ROOT, "{\"what\": \"decode only\", \"images\": %d, \"threads\": %d, \"input\": %d, "
          + "\"images_per_s\": %.1f}%n", files.size(), cores, card.inputSize(), best);
    } finally {
      pool.shutdownNow();
    }
  }

  /** The same preprocessed images through the backbone on GPU 0 and on the CPU. */
  static void compare(Path root, Path model, int limit, String precision) throws Exception {
    LibtorchFolder lib = LibtorchSwitch.install();
    if (lib == null || !lib.isCuda() || Gpus.list().isEmpty()) {
      System.err.println("GpuBench compare: needs HEADSTART_LIBTORCH naming a CUDA libtorch and a GPU; libtorch: "
          + LibtorchSwitch.source() + "; GPUs: " + (Gpus.list().isEmpty() ? Gpus.whyNone() : Gpus.list()));
      System.exit(3);
    }
    EngineGuard.prepareAll();
    BackboneSource src = BackboneLoader.locate(new BackboneConfig(model.toString(), "", "cpu"), Path.of("."));
    Preprocessor pre = new Preprocessor(src.card());
    ImageDecoder decoder = new ImageDecoder(100_000_000L);
    List<Path> files = jpegs(root);
    files = files.subList(0, Math.min(limit, files.size()));
    int s = src.card().inputSize();
    int floats = 3 * s * s;
    float[] x = new float[files.size() * floats];
    for (int i = 0; i < files.size(); i++) {
      System.arraycopy(pre.eval(decoder.decode(Files.readAllBytes(files.get(i)))), 0, x, i * floats, floats);
    }
    float[][] gpu;
    float[][] cpu;
    try (Backbone b = BackboneLoader.load(src, Device.gpu(0), precision)) {
      gpu = inBatches(b, x, files.size(), s);
    }
    try (Backbone b = BackboneLoader.load(src, Device.cpu(), precision)) {
      cpu = inBatches(b, x, files.size(), s);
    }
    double maxAbs = 0;
    double maxDiff = 0;
    for (int i = 0; i < cpu.length; i++) {
      for (int k = 0; k < cpu[i].length; k++) {
        maxAbs = Math.max(maxAbs, Math.abs(cpu[i][k]));
        maxDiff = Math.max(maxDiff, Math.abs(cpu[i][k] - gpu[i][k]));
      }
    }
    System.out.printf(Locale.ROOT, "{\"what\": \"gpu vs cpu features\", \"model\": \"%s\", \"images\": %d, "
        + "\"precision\": \"%s\", \"max_abs_diff\": %.3e, \"max_abs_feature\": %.3e, \"max_diff_relative\": %.3e}%n",
        model.getFileName(), files.size(), precision, maxDiff, maxAbs, maxDiff / Math.max(maxAbs, 1e-12));
  }

  private static float[][] inBatches(Backbone b, float[] x, int n, int s) {
    int floats = 3 * s * s;
    float[][] out = new float[n][];
    for (int start = 0; start < n; start += 32) {
      int k = Math.min(32, n - start);
      float[] part = java.util.Arrays.copyOfRange(x, start * floats, (start + k) * floats);
      float[][] f = b.forward(new ImageBatch(part, k, s));
      System.arraycopy(f, 0, out, start, k);
    }
    return out;
  }
}
