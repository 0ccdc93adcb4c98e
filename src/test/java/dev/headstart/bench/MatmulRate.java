package dev.headstart.bench;

import ai.djl.Device;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.ZooModel;
import dev.headstart.extract.BackboneLoader;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The machine's reachable FLOP rate: a large square matrix product through libtorch, in fp32 and
 * bf16. Extraction speed is judged against it (model FLOPs per image x images per second).
 *
 * <p>DJL cannot cast a tensor to bfloat16 (native abort), so both products run inside tiny
 * TorchScript modules made by {@code bench/export_matmul.py}: float32 in, (cast to bf16 once,)
 * {@code reps} chained products (x = x @ b), float32 out. The module's own reps amortize the casts and the
 * call overhead. Prints one JSON line per precision. Not a test: bench/compare.sh runs it, or
 *
 * <pre>
 * java -cp target/headstart.jar:target/test-classes dev.headstart.bench.MatmulRate \
 *     bench/out/matmul [n=2048] [calls=4]
 * </pre>
 *
 * <p>How many products one call makes is what export_matmul.py wrote into matmul.json beside the
 * modules, so the two cannot disagree.
 */
public final class MatmulRate {
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args.length > 0 ? args[0] : "bench/out/matmul");
    int n = args.length > 1 ? Integer.parseInt(args[1]) : 2048;
    int calls = args.length > 2 ? Integer.parseInt(args[2]) : 4;
    Path spec = dir.resolve("matmul.json");
    if (!Files.isRegularFile(spec)) {
      throw new IllegalStateException(spec + " is missing: re-run /usr/bin/python3 bench/export_matmul.py --out " + dir);
    }
    int productsPerCall = JsonParser.parseString(Files.readString(spec)).getAsJsonObject()
        .get("products_per_call").getAsInt();
    for (String precision : new String[] {"fp32", "bf16"}) {
      Path file = dir.resolve("matmul_" + precision + ".pt");
      try (ZooModel<NDList, NDList> model = BackboneLoader.loadTorchScript(file, Device.cpu(), false);
          Predictor<NDList, NDList> predictor = model.newPredictor();
          NDManager m = NDManager.newBaseManager()) {
        NDArray a = m.randomNormal(new Shape(n, n));
        NDArray b = m.randomNormal(new Shape(n, n));
        NDList in = new NDList(a, b);
        for (int i = 0; i < 2; i++) predictor.predict(in).close();
        double best = 0;
        double total = 0;
        for (int i = 0; i < calls; i++) {
          long t0 = System.nanoTime();
          NDList out = predictor.predict(in);
          out.get(0).getFloat(0, 0); // force completion
          double s = (System.nanoTime() - t0) / 1e9;
          out.close();
          double gflops = 2.0 * n * n * (double) n * productsPerCall / s / 1e9;
          best = Math.max(best, gflops);
          total += gflops;
        }
        System.out.printf(Locale.ROOT,
            "{\"what\": \"matmul\", \"precision\": \"%s\", \"n\": %d, \"products_per_call\": %d, "
                + "\"calls\": %d, \"gflops\": %.1f, \"gflops_mean\": %.1f, \"intra_op_threads\": \"%s\"}%n",
            precision, n, productsPerCall, calls, best, total / calls,
            System.getProperty("ai.djl.pytorch.num_threads", "default"));
      }
    }
  }
}
