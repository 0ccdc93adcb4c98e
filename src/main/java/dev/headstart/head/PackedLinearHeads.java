package dev.headstart.head;

import dev.headstart.config.OptimizerKind;

import dev.headstart.config.HeadKind;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.tracker.Tracker;
import dev.headstart.config.TrainConfig;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Several linear heads (one or all the points of a sweep) trained as ONE packed matrix, with the
 * gradient of softmax cross-entropy written out by hand instead of recorded by autograd.
 *
 * <p>Why: a linear head on cached features is tiny (512 x 10), so a step costs what its engine
 * calls cost, not arithmetic. Through DJL's autograd a step is about 20 libtorch calls, and a
 * sweep multiplies that by its points. Here the P heads' weights and biases are the rows of one
 * [P*K, D+1] matrix (each head's block is exactly DJL's Linear layout, weight [K, D] with the
 * bias as an extra column) and a batch carries a column of ones, so one step is: one matrix
 * product for every head's logits, softmax, loss, accuracy and the logit gradient in Java on the
 * small [B, P*K] result, one matrix product for every head's weight gradient, and the optimizer
 * update as a handful of in-place ops, whatever P is.
 *
 * <p>The update is the one DJL's optimizers apply to each parameter (their native code), with
 * each head's own learning rate, schedule, momentum and weight decay as per-row factors:
 * SGD {@code s = m*s + lr*(g + wd*w); w -= s}; Adam {@code g += wd*w} (AdamW instead
 * {@code w -= lr*wd*w}), moments with beta 0.9/0.999, {@code w -= lr_t*m/(sqrt(v)+1e-8)} with
 * lr_t the bias-corrected rate. The learning rate is folded into the logit gradient for SGD
 * (the weight gradient is linear in it). Class weights make a head's loss torch's weighted mean
 * (each row's loss and logit gradient times its class weight over the batch's sum of weights).
 * Same seed, same machine: the same result bit for bit;
 * against the autograd path the result agrees to float rounding (tested).
 */
final class PackedLinearHeads implements AutoCloseable {
  private static final float BETA1 = 0.9f;
  private static final float BETA2 = 0.999f;
  private static final float EPSILON = 1e-8f;

  private final NDManager manager;
  private final Tracker[] rates;
  private final float[] features;
  private final int[] labels;
  private final int dim;
  private final int classes;
  private final int heads;
  private final int rows;
  private final int cols;
  private final boolean adam;
  private final boolean adamw;
  private final boolean decays;
  private final NDArray weight;
  private final NDArray weightT;
  private final NDArray state;
  private final NDArray second;
  private final NDArray momentum;
  private final float sameMomentum;
  private final Column rowFactor;
  private final Column decayFactor;
  private final Map<Integer, Batch> batches = new HashMap<>();
  private final double[] lossSum;
  private final long[] correct;
  // per head: label smoothing and weight decay (fixed), this step's learning rate and logit scale
  private final double[] smoothing;
  private final double[] decay;
  private final float[] rate;
  private final float[] scale;
  private final double[] exp;
  // per head: a weight per class, or null for the plain mean; and this batch's sum of weights
  private final float[][] classWeights;
  private final double[] weightSum;
  private int updates;

  /**
   * @param configs the heads' settings: all linear, one optimizer kind
   * @param layers each head's Linear layer, initialized: the packed matrix starts from their weights
   * @param features the train rows the batches are drawn from, row-major [N, dim]
   * @param labels the class of each train row
   * @param classWeights per head, a loss weight per class, or null for the plain mean
   */
  PackedLinearHeads(NDManager manager, List<TrainConfig> configs, List<Linear> layers, List<Tracker> rates,
      float[] features, int[] labels, int dim, int classes, List<float[]> classWeights) {
    this.manager = manager.newSubManager();
    this.rates = rates.toArray(Tracker[]::new);
    this.features = features;
    this.labels = labels;
    this.dim = dim;
    this.classes = classes;
    heads = configs.size();
    rows = heads * classes;
    cols = dim + 1;
    OptimizerKind kind = configs.get(0).optimization().optimizer();
    for (TrainConfig c : configs) {
      if (c.classifier().head() != HeadKind.LINEAR || c.optimization().optimizer() != kind) {
        throw new IllegalArgumentException("packed heads must all be linear with one optimizer: " + configs);
      }
    }
    adam = kind != OptimizerKind.SGD;
    adamw = kind == OptimizerKind.ADAMW;
    decays = configs.stream().anyMatch(c -> c.optimization().weightDecay() > 0);
    float[] packed = new float[rows * cols];
    for (int p = 0; p < heads; p++) {
      float[] w = parameter(layers.get(p), "weight").toFloatArray();
      float[] b = parameter(layers.get(p), "bias").toFloatArray();
      for (int k = 0; k < classes; k++) {
        System.arraycopy(w, k * dim, packed, (p * classes + k) * cols, dim);
        packed[(p * classes + k) * cols + dim] = b[k];
      }
    }
    weight = this.manager.create(packed, new Shape(rows, cols));
    // a view: the weight is only ever updated in place, so the view stays current
    weightT = weight.transpose();
    boolean sameMomenta = configs.stream().mapToDouble(c -> c.optimization().momentum()).distinct().count() == 1;
    sameMomentum = (float) configs.get(0).optimization().momentum();
    boolean needsState = adam || configs.stream().anyMatch(c -> c.optimization().momentum() > 0);
    state = needsState ? this.manager.zeros(weight.getShape()) : null;
    second = adam ? this.manager.zeros(weight.getShape()) : null;
    momentum = adam || sameMomenta ? null : perRow(p -> (float) configs.get(p).optimization().momentum()).array;
    rowFactor = adam ? new Column() : null;
    decayFactor = decays ? new Column() : null;
    lossSum = new double[heads];
    correct = new long[heads];
    smoothing = configs.stream().mapToDouble(TrainConfig::labelSmoothing).toArray();
    decay = configs.stream().mapToDouble(c -> c.optimization().weightDecay()).toArray();
    rate = new float[heads];
    scale = new float[heads];
    exp = new double[classes];
    this.classWeights = classWeights.toArray(float[][]::new);
    weightSum = new double[heads];
  }

  /**
   * How many heads of dim inputs and classes outputs one pack may hold within {@code bytes}: the
   * packed weights, up to two optimizer states (Adam) and a step's gradient, float32 each.
   */
  static int headsPerPack(int dim, int classes, long bytes) {
    long perHead = 4L * classes * (dim + 1) * Float.BYTES;
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, bytes / perHead));
  }

  private static NDArray parameter(Linear layer, String name) {
    Parameter p = layer.getParameters().get(name);
    if (p == null) throw new IllegalStateException("linear layer without " + name);
    return p.getArray();
  }

  /** Starts an epoch: the running loss and accuracy start from zero. */
  void startEpoch() {
    Arrays.fill(lossSum, 0);
    Arrays.fill(correct, 0);
  }

  /** Head p's summed loss over the epoch's rows so far. */
  double lossSum(int p) {
    return lossSum[p];
  }

  /** Head p's correctly classified train rows in the epoch so far. */
  long correct(int p) {
    return correct[p];
  }

  /** One optimizer step of every head on the rows order[from, to). */
  void step(long[] order, int from, int to) {
    int b = to - from;
    Batch batch = batches.computeIfAbsent(b, Batch::new);
    FloatBuffer x = batch.x;
    for (int i = 0; i < b; i++) {
      int row = (int) order[from + i];
      x.put(i * cols, features, row * dim, dim);
      x.put(i * cols + dim, 1f);
    }
    batch.xArray.set(batch.xBytes);
    updates++;
    for (int p = 0; p < heads; p++) {
      rate[p] = rates[p].getNewValue(updates);
      // SGD takes its learning rate here; Adam needs the plain mean gradient for its moments
      scale[p] = (adam ? 1f : rate[p]) / b;
    }
    float[] logits;
    try (NDArray l = batch.xArray.dot(weightT)) {
      logits = l.toFloatArray();
    }
    logitGradient(logits, order, from, b, batch.g);
    batch.gArray.set(batch.gBytes);
    try (NDArray grad = batch.gArray.dot(batch.xArray)) {
      if (adam) {
        adamUpdate(grad);
      } else {
        sgdUpdate(grad);
      }
    }
  }

  /**
   * Softmax cross-entropy per head on the [b, P*K] logits: accumulates loss and accuracy and
   * writes the logit gradient (softmax - smoothed target) * scale, transposed to [P*K, b].
   */
  private void logitGradient(float[] logits, long[] order, int from, int b, FloatBuffer g) {
    double[] e = exp;
    for (int p = 0; p < heads; p++) {
      if (classWeights[p] == null) continue;
      double sum = 0;
      for (int i = 0; i < b; i++) sum += classWeights[p][labels[(int) order[from + i]]];
      weightSum[p] = sum;
    }
    for (int i = 0; i < b; i++) {
      int y = labels[(int) order[from + i]];
      for (int p = 0; p < heads; p++) {
        // a row's share of the batch mean, relative to the unweighted 1/b: 1 without weights
        double rowWeight = classWeights[p] == null ? 1 : classWeights[p][y] * b / weightSum[p];
        int o = i * rows + p * classes;
        float max = logits[o];
        int best = 0;
        double mean = 0;
        for (int k = 0; k < classes; k++) {
          float v = logits[o + k];
          if (v > max) {
            max = v;
            best = k;
          }
          mean += v;
        }
        double z = 0;
        for (int k = 0; k < classes; k++) z += e[k] = Math.exp(logits[o + k] - max);
        double eps = smoothing[p];
        lossSum[p] += rowWeight * (max + Math.log(z) - (1 - eps) * logits[o + y] - eps * mean / classes);
        if (best == y) correct[p]++;
        for (int k = 0; k < classes; k++) {
          double target = (k == y ? 1 - eps : 0) + eps / classes;
          g.put((p * classes + k) * b + i, (float) ((e[k] / z - target) * scale[p] * rowWeight));
        }
      }
    }
  }

  /** DJL's SGD: s = m*s + lr*(g + wd*w); w -= s (lr already in grad). */
  private void sgdUpdate(NDArray grad) {
    if (decays) {
      decayFactor.set(p -> (float) (decay[p] * rate[p]));
      try (NDArray decayed = weight.mul(decayFactor.array)) {
        grad.addi(decayed);
      }
    }
    if (state == null) {
      weight.subi(grad);
      return;
    }
    if (momentum != null) {
      state.muli(momentum);
    } else {
      state.muli(sameMomentum);
    }
    state.addi(grad);
    weight.subi(state);
  }

  /** DJL's Adam and AdamW, with each head's bias-corrected learning rate. */
  private void adamUpdate(NDArray grad) {
    if (decays) {
      // Adam adds wd*w to the gradient; AdamW takes lr*wd*w off the weight directly
      decayFactor.set(p -> (float) (decay[p] * (adamw ? rate[p] : 1)));
      try (NDArray decayed = weight.mul(decayFactor.array)) {
        if (adamw) {
          weight.subi(decayed);
        } else {
          grad.addi(decayed);
        }
      }
    }
    double coef1 = 1.0 - Math.pow(BETA1, updates);
    double coef2 = 1.0 - Math.pow(BETA2, updates);
    rowFactor.set(p -> (float) (rate[p] * Math.sqrt(coef2) / coef1));
    try (NDArray g1 = grad.mul(1 - BETA1); NDArray g2 = grad.square()) {
      state.muli(BETA1).addi(g1);
      second.muli(BETA2).addi(g2.muli(1 - BETA2));
    }
    try (NDArray root = second.sqrt(); NDArray step = state.mul(rowFactor.array)) {
      weight.subi(step.divi(root.addi(EPSILON)));
    }
  }

  /** Writes head p's rows of the packed matrix into its Linear layer (weight [K, D], bias [K]). */
  void copyTo(int p, Linear layer, float[] packed) {
    float[] w = new float[classes * dim];
    float[] b = new float[classes];
    for (int k = 0; k < classes; k++) {
      System.arraycopy(packed, (p * classes + k) * cols, w, k * dim, dim);
      b[k] = packed[(p * classes + k) * cols + dim];
    }
    parameter(layer, "weight").set(FloatBuffer.wrap(w));
    parameter(layer, "bias").set(FloatBuffer.wrap(b));
  }

  /** The packed matrix as it is now, [P*K, D+1] row-major, for {@link #copyTo}. */
  float[] snapshot() {
    return weight.toFloatArray();
  }

  private interface PerHead {
    float value(int head);
  }

  private Column perRow(PerHead f) {
    Column c = new Column();
    c.set(f);
    return c;
  }

  /**
   * A [P*K, 1] factor, one value per head repeated over its K rows, that broadcasts over the
   * columns; rewritten in place through its direct buffer when the values change.
   */
  private final class Column {
    final ByteBuffer bytes = ByteBuffer.allocateDirect(rows * Float.BYTES).order(ByteOrder.nativeOrder());
    final NDArray array = manager.create(bytes, new Shape(rows, 1), DataType.FLOAT32);
    final float[] last = new float[heads];
    boolean fresh = true;

    void set(PerHead f) {
      boolean changed = fresh;
      for (int p = 0; p < heads; p++) {
        float v = f.value(p);
        if (v != last[p] || fresh) {
          last[p] = v;
          changed = true;
          for (int k = 0; k < classes; k++) bytes.putFloat((p * classes + k) * Float.BYTES, v);
        }
      }
      fresh = false;
      if (changed) array.set(bytes);
    }
  }

  /**
   * The host buffers of a batch of one size and the tensors made from them: each step rewrites
   * the buffers and hands them to the tensor (one copy-free call on the CPU), no new tensors.
   */
  private final class Batch {
    final ByteBuffer xBytes;
    final FloatBuffer x;
    final NDArray xArray;
    final ByteBuffer gBytes;
    final FloatBuffer g;
    final NDArray gArray;

    Batch(int size) {
      xBytes = ByteBuffer.allocateDirect(size * cols * Float.BYTES).order(ByteOrder.nativeOrder());
      x = xBytes.asFloatBuffer();
      xArray = manager.create(xBytes, new Shape(size, cols), DataType.FLOAT32);
      gBytes = ByteBuffer.allocateDirect(rows * size * Float.BYTES).order(ByteOrder.nativeOrder());
      g = gBytes.asFloatBuffer();
      gArray = manager.create(gBytes, new Shape(rows, size), DataType.FLOAT32);
    }
  }

  @Override
  public void close() {
    manager.close();
  }
}
