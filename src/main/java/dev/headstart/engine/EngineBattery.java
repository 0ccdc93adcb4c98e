package dev.headstart.engine;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.training.GradientCollector;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The layer shapes every supported architecture family is made of, each computed on the path
 * under test and compared with a reference oneDNN never touches. Two kinds of case:
 * <ul>
 *   <li>libtorch operators called directly (convolutions 7x7/3x3/1x1 with and without bias,
 *       strided, dilated, grouped and depthwise, channel counts that are and are not multiples of
 *       16; batch-norm; pooling; linear), float32 against the same operators in float64, forward
 *       for inference and forward plus backward (batch-norm in training mode) for training;</li>
 *   <li>small frozen TorchScript nets made by tools/make_engine_battery.py (folded batch-norm,
 *       contiguous and channels-last, float32 and bfloat16) against the float64 eager PyTorch
 *       outputs stored beside them.</li>
 * </ul>
 * It runs in a child process ({@link EngineBatteryMain}): a kernel that crashes kills only the
 * child, and the parent ({@link EngineCheck}) reads which case was running.
 */
public final class EngineBattery {
  /** Relative to the largest reference value; float32 rounding stays far below it. */
  public static final double FP32_TOLERANCE = 1e-4;
  /** bfloat16 keeps 8 significant bits: a few percent through a small net, not tens. */
  public static final double BF16_TOLERANCE = 0.08;

  private static final String ENGINE = "PyTorch";
  private static final String NETS = "battery/";

  /** One check: its name, the workload it stands for, and the comparison it makes. */
  public record Case(String name, Workload workload, CaseBody body) {}

  /** Runs a case and returns its worst relative difference from the reference. */
  @FunctionalInterface
  public interface CaseBody {
    double run(NDManager manager) throws Exception;
  }

  /** A 2-D convolution shape: N images of cin x size x size into cout channels. */
  record Conv(String name, int n, int cin, int size, int cout, int k, int stride, int pad, int dil,
      int groups, boolean bias) {}

  static final List<Conv> CONVS = List.of(
      new Conv("stem7x7s2", 2, 3, 32, 64, 7, 2, 3, 1, 1, false),
      new Conv("3x3c16", 4, 16, 16, 16, 3, 1, 1, 1, 1, false),
      new Conv("3x3c16to40bias", 4, 16, 16, 40, 3, 1, 1, 1, 1, true),
      new Conv("3x3c24bias", 4, 24, 14, 24, 3, 1, 1, 1, 1, true),
      new Conv("3x3c40to32", 4, 40, 8, 32, 3, 1, 1, 1, 1, false),
      new Conv("3x3c64", 2, 64, 16, 64, 3, 1, 1, 1, 1, false),
      new Conv("3x3c64bias", 2, 64, 16, 64, 3, 1, 1, 1, 1, true),
      new Conv("3x3c64to128s2", 2, 64, 16, 128, 3, 2, 1, 1, 1, true),
      new Conv("3x3c256", 2, 256, 4, 256, 3, 1, 1, 1, 1, true),
      new Conv("1x1c64to256", 2, 64, 8, 256, 1, 1, 0, 1, 1, false),
      new Conv("1x1c256to64bias", 2, 256, 8, 64, 1, 1, 0, 1, 1, true),
      new Conv("1x1c64to128s2", 2, 64, 16, 128, 1, 2, 0, 1, 1, true),
      new Conv("1x1c96to128", 2, 96, 8, 128, 1, 1, 0, 1, 1, false),
      new Conv("1x1c512to128bias", 2, 512, 4, 128, 1, 1, 0, 1, 1, true),
      // ResNet-50 bottleneck and DenseNet transition sizes: oneDNN's 1x1 blocking divides by the
      // cache sizes at these shapes, not at the small ones above
      new Conv("1x1c64to256at56", 8, 64, 56, 256, 1, 1, 0, 1, 1, true),
      new Conv("1x1c256to64at56", 8, 256, 56, 64, 1, 1, 0, 1, 1, true),
      new Conv("1x1c256to512s2at56", 8, 256, 56, 512, 1, 2, 0, 1, 1, true),
      new Conv("1x1c1024to256at14", 8, 1024, 14, 256, 1, 1, 0, 1, 1, true),
      new Conv("1x1c256to128at56", 8, 256, 56, 128, 1, 1, 0, 1, 1, false),
      new Conv("1x1c64to64at56", 2, 64, 56, 64, 1, 1, 0, 1, 1, true),
      new Conv("1x1c512to128at28", 2, 512, 28, 128, 1, 1, 0, 1, 1, true),
      new Conv("1x1c128to512at28", 2, 128, 28, 512, 1, 1, 0, 1, 1, true),
      new Conv("1x1c256to1024at14", 2, 256, 14, 1024, 1, 1, 0, 1, 1, true),
      new Conv("1x1c1024to512at14", 2, 1024, 14, 512, 1, 1, 0, 1, 1, true),
      new Conv("1x1c2048to512at7", 2, 2048, 7, 512, 1, 1, 0, 1, 1, true),
      new Conv("1x1c512to2048at7", 2, 512, 7, 2048, 1, 1, 0, 1, 1, true),
      new Conv("1x1c1024to2048s2at14", 2, 1024, 14, 2048, 1, 2, 0, 1, 1, true),
      new Conv("depthwise3x3c32", 2, 32, 16, 32, 3, 1, 1, 1, 32, true),
      new Conv("grouped3x3c64g4", 2, 64, 8, 64, 3, 1, 1, 1, 4, false),
      new Conv("dilated3x3c32", 2, 32, 16, 32, 3, 1, 2, 2, 1, true));

  private EngineBattery() {}

  /** Every case of these workloads; frozen nets come from the jar, copied into netsDir. */
  public static List<Case> cases(List<Workload> workloads, Path netsDir) throws IOException {
    List<Case> out = new ArrayList<>();
    for (Workload w : workloads) {
      switch (w) {
        case FP32_INFERENCE -> {
          for (Conv c : CONVS) out.add(new Case("conv-" + c.name(), w, m -> conv(m, c, false, false)));
          out.add(new Case("linear512to10", w, m -> linear(m, 8, 512, 10, false)));
          out.add(new Case("linear2048to256", w, m -> linear(m, 4, 2048, 256, false)));
          out.add(new Case("pool-max-avg", w, EngineBattery::pools));
          for (Conv c : CONVS) {
            out.add(new Case("conv-channels_last-" + c.name(), w, m -> kitConv(m, c, true, false, netsDir)));
          }
          out.addAll(nets(w, netsDir));
        }
        case BF16_INFERENCE -> {
          for (Conv c : CONVS) {
            out.add(new Case("conv-bf16-" + c.name(), w, m -> kitConv(m, c, true, true, netsDir)));
          }
          out.addAll(nets(w, netsDir));
        }
        case TRAINING -> {
          for (Conv c : CONVS) {
            out.add(new Case("train-conv-" + c.name(), w, m -> conv(m, c, true, false)));
          }
          out.add(new Case("train-conv-bn-3x3c40", w, m -> conv(m, CONVS.get(4), true, true)));
          out.add(new Case("train-conv-bn-1x1c64to256", w, m -> conv(m, CONVS.get(9), true, true)));
          out.add(new Case("train-linear512to10", w, m -> linear(m, 16, 512, 10, true)));
        }
      }
    }
    return out;
  }

  /** The tolerance of a workload's comparisons. */
  public static double tolerance(Workload w) {
    return w == Workload.BF16_INFERENCE ? BF16_TOLERANCE : FP32_TOLERANCE;
  }

  // ------------------------------------------------------------------ operator cases

  private static NDArray input(NDManager m, Shape shape, long seed, double scale) {
    float[] v = ProbeInput.generate((int) shape.size(), seed);
    if (scale != 1) for (int i = 0; i < v.length; i++) v[i] = (float) (v[i] * scale);
    return m.create(v, shape);
  }

  /** Forward (and for training backward) in float32 and float64; the worst relative difference. */
  private static double conv(NDManager m, Conv c, boolean train, boolean batchNorm) {
    double[][] ref = convRun(m, c, DataType.FLOAT64, train, batchNorm);
    double[][] got = convRun(m, c, DataType.FLOAT32, train, batchNorm);
    return worst(got, ref);
  }

  private static double[][] convRun(NDManager parent, Conv c, DataType type, boolean train,
      boolean batchNorm) {
    try (NDManager m = parent.newSubManager()) {
      int cinPerGroup = c.cin() / c.groups();
      double fanIn = cinPerGroup * c.k() * c.k();
      NDArray x = input(m, new Shape(c.n(), c.cin(), c.size(), c.size()), 11, 1).toType(type, false);
      NDArray w = input(m, new Shape(c.cout(), cinPerGroup, c.k(), c.k()), 12, 1 / Math.sqrt(fanIn))
          .toType(type, false);
      NDArray b = c.bias() ? input(m, new Shape(c.cout()), 13, 0.1).toType(type, false) : null;
      Shape stride = new Shape(c.stride(), c.stride());
      Shape pad = new Shape(c.pad(), c.pad());
      Shape dil = new Shape(c.dil(), c.dil());
      if (!train) {
        NDArray y = Conv2d.conv2d(x, w, b, stride, pad, dil, c.groups()).singletonOrThrow();
        return new double[][] {doubles(y)};
      }
      x.setRequiresGradient(true);
      w.setRequiresGradient(true);
      NDArray y;
      try (GradientCollector gc = Engine.getEngine(ENGINE).newGradientCollector()) {
        y = Conv2d.conv2d(x, w, b, stride, pad, dil, c.groups()).singletonOrThrow();
        if (batchNorm) {
          NDArray mean = m.zeros(new Shape(c.cout()), type);
          NDArray var = m.ones(new Shape(c.cout()), type);
          NDArray gamma = input(m, new Shape(c.cout()), 14, 0.5).add(1).toType(type, false);
          NDArray beta = input(m, new Shape(c.cout()), 15, 0.1).toType(type, false);
          y = BatchNorm.batchNorm(y, mean, var, gamma, beta, 1, 0.1f, 1e-5f, true).singletonOrThrow();
        }
        NDArray g = input(m, y.getShape(), 16, 1).toType(type, false);
        gc.backward(y.mul(g).sum());
      }
      return new double[][] {doubles(y), doubles(x.getGradient()), doubles(w.getGradient())};
    }
  }

  private static double linear(NDManager parent, int n, int in, int out, boolean train) {
    double[][] ref = linearRun(parent, n, in, out, DataType.FLOAT64, train);
    double[][] got = linearRun(parent, n, in, out, DataType.FLOAT32, train);
    return worst(got, ref);
  }

  private static double[][] linearRun(NDManager parent, int n, int in, int out, DataType type,
      boolean train) {
    try (NDManager m = parent.newSubManager()) {
      NDArray x = input(m, new Shape(n, in), 21, 1).toType(type, false);
      NDArray w = input(m, new Shape(out, in), 22, 1 / Math.sqrt(in)).toType(type, false);
      NDArray b = input(m, new Shape(out), 23, 0.1).toType(type, false);
      if (!train) return new double[][] {doubles(Linear.linear(x, w, b).singletonOrThrow())};
      w.setRequiresGradient(true);
      x.setRequiresGradient(true);
      NDArray y;
      try (GradientCollector gc = Engine.getEngine(ENGINE).newGradientCollector()) {
        y = Linear.linear(x, w, b).singletonOrThrow();
        gc.backward(y.mul(input(m, y.getShape(), 24, 1).toType(type, false)).sum());
      }
      return new double[][] {doubles(y), doubles(x.getGradient()), doubles(w.getGradient())};
    }
  }

  private static double pools(NDManager parent) {
    double[][] ref = poolRun(parent, DataType.FLOAT64);
    double[][] got = poolRun(parent, DataType.FLOAT32);
    return worst(got, ref);
  }

  private static double[][] poolRun(NDManager parent, DataType type) {
    try (NDManager m = parent.newSubManager()) {
      NDArray x = input(m, new Shape(2, 40, 15, 15), 31, 1).toType(type, false);
      NDArray max = Pool.maxPool2d(x, new Shape(3, 3), new Shape(2, 2), new Shape(1, 1), true);
      NDArray avg = Pool.avgPool2d(x, new Shape(2, 2), new Shape(2, 2), new Shape(0, 0), false, true);
      NDArray gap = Pool.globalAvgPool2d(x);
      return new double[][] {doubles(max), doubles(avg), doubles(gap)};
    }
  }

  private static double[] doubles(NDArray a) {
    return a.toType(DataType.FLOAT64, false).toDoubleArray();
  }

  private static double worst(double[][] got, double[][] ref) {
    double worst = 0;
    for (int i = 0; i < ref.length; i++) {
      float[] g = new float[got[i].length];
      for (int j = 0; j < g.length; j++) g[j] = (float) got[i][j];
      worst = Math.max(worst, Agreement.relativeMaxDiff(g, ref[i]));
    }
    return worst;
  }

  // ------------------------------------------------------------------ the conv kit

  private static ZooModel<NDList, NDList> kit;

  /**
   * A convolution through the conv kit (weights as inputs): channels-last and/or bfloat16 in
   * float32 out, against the same kit in float64 and the default layout.
   */
  private static double kitConv(NDManager parent, Conv c, boolean channelsLast, boolean bf16, Path netsDir)
      throws Exception {
    BatteryNets nets = BatteryNets.load();
    if (nets.convKit() == null) return 0;
    if (kit == null) kit = loadTorchScript(netsDir, nets.convKit());
    double[] ref = kitRun(parent, c, DataType.FLOAT64, false, false);
    double[] got = kitRun(parent, c, DataType.FLOAT32, channelsLast, bf16);
    float[] g = new float[got.length];
    for (int i = 0; i < g.length; i++) g[i] = (float) got[i];
    return Agreement.relativeMaxDiff(g, ref);
  }

  private static double[] kitRun(NDManager parent, Conv c, DataType type, boolean channelsLast, boolean bf16)
      throws TranslateException {
    try (NDManager m = parent.newSubManager(); var predictor = kit.newPredictor()) {
      int cinPerGroup = c.cin() / c.groups();
      double fanIn = cinPerGroup * c.k() * c.k();
      NDArray x = input(m, new Shape(c.n(), c.cin(), c.size(), c.size()), 11, 1).toType(type, false);
      NDArray w = input(m, new Shape(c.cout(), cinPerGroup, c.k(), c.k()), 12, 1 / Math.sqrt(fanIn))
          .toType(type, false);
      NDArray b = (c.bias() ? input(m, new Shape(c.cout()), 13, 0.1) : m.create(new float[0]))
          .toType(type, false);
      NDArray cfg = m.create(new long[] {c.stride(), c.pad(), c.dil(), c.groups(), channelsLast ? 1 : 0,
          bf16 ? 1 : 0});
      return doubles(predictor.predict(new NDList(x, w, b, cfg)).singletonOrThrow());
    }
  }

  private static ZooModel<NDList, NDList> loadTorchScript(Path netsDir, String fileName)
      throws IOException, ModelNotFoundException, MalformedModelException {
    Path file = netsDir.resolve(fileName);
    if (!Files.isRegularFile(file)) {
      Files.createDirectories(netsDir);
      try (InputStream in = EngineBattery.class.getResourceAsStream(NETS + fileName)) {
        if (in == null) throw new IOException("battery file " + fileName + " is missing from the jar");
        Path tmp = Files.createTempFile(netsDir, ".net", ".tmp");
        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      }
    }
    return Criteria.builder()
        .setTypes(NDList.class, NDList.class)
        .optEngine(ENGINE)
        .optDevice(Device.cpu())
        .optModelPath(netsDir.toAbsolutePath())
        .optModelName(fileName.substring(0, fileName.length() - 3))
        .optTranslator(new NoopTranslator())
        .build()
        .loadModel();
  }

  // ------------------------------------------------------------------ frozen nets

  private static List<Case> nets(Workload w, Path netsDir) throws IOException {
    List<Case> out = new ArrayList<>();
    BatteryNets nets = BatteryNets.load();
    for (BatteryNets.Net net : nets.nets()) {
      boolean bf16 = "bf16".equals(net.precision());
      if (bf16 != (w == Workload.BF16_INFERENCE)) continue;
      out.add(new Case("net-" + net.name(), w, m -> runNet(m, net, netsDir)));
    }
    return out;
  }

  private static double runNet(NDManager m, BatteryNets.Net net, Path netsDir)
      throws IOException, ModelNotFoundException, MalformedModelException, TranslateException {
    try (ZooModel<NDList, NDList> model = loadTorchScript(netsDir, net.file());
        var predictor = model.newPredictor()) {
      int[] shape = net.shape();
      long[] dims = new long[shape.length];
      for (int i = 0; i < shape.length; i++) dims[i] = shape[i];
      NDArray x = m.create(ProbeInput.generate(shape, net.seed()), new Shape(dims));
      float[] y = predictor.predict(new NDList(x)).singletonOrThrow().toType(DataType.FLOAT32, false)
          .toFloatArray();
      return Agreement.relativeMaxDiff(y, net.flatOutputs());
    }
  }

}
