package dev.headstart.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Locale;

/**
 * The machine's reachable FLOP rate: a large square matrix product through libtorch, in fp32 and
 * bf16. Extraction speed is judged against it (model FLOPs per image x images per second).
 * Prints one JSON line per precision. Not a test: run with bench/compare.sh or
 * {@code java -cp target/headstart.jar:target/test-classes dev.headstart.bench.MatmulRate}.
 */
public final class MatmulRate {
  public static void main(String[] args) {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 2048;
    int reps = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    try (NDManager m = NDManager.newBaseManager()) {
      for (DataType type : new DataType[] {DataType.FLOAT32, DataType.BFLOAT16}) {
        NDArray a = m.randomNormal(new Shape(n, n)).toType(type, false);
        NDArray b = m.randomNormal(new Shape(n, n)).toType(type, false);
        for (int i = 0; i < 2; i++) a.matMul(b).close();
        long t0 = System.nanoTime();
        for (int i = 0; i < reps; i++) {
          NDArray c = a.matMul(b);
          c.toType(DataType.FLOAT32, false).getFloat(0, 0); // force completion
          c.close();
        }
        double s = (System.nanoTime() - t0) / 1e9;
        double gflops = 2.0 * n * n * (double) n * reps / s / 1e9;
        System.out.printf(Locale.ROOT,
            "{\"what\": \"matmul\", \"precision\": \"%s\", \"n\": %d, \"gflops\": %.1f}%n",
            type == DataType.FLOAT32 ? "fp32" : "bf16", n, gflops);
      }
    }
  }
}
