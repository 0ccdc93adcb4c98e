package dev.headstart.head;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.headstart.features.FeatureSplit;
import dev.headstart.features.LoadedFeatures;
import java.nio.FloatBuffer;

/**
 * The train and val splits (and the test split when the store has one) as tensors, made once and
 * shared by every run of a sweep: features as ONE [N, D] array per split, labels as int64 [N].
 * Runs only read them (batches are gathered by index into the run's own memory), so sharing is
 * safe. The test split is only ever evaluated with the parameters validation chose.
 */
public final class TrainingData implements AutoCloseable {
  private final LoadedFeatures features;
  private final NDManager manager;
  private final NDArray trainX;
  private final NDArray trainYColumn;
  private final NDArray valX;
  private final NDArray valY;
  private final NDArray testX;
  private final NDArray testY;
  private float[][] trainMeanStd;
  private NDArray standardTrainX;
  private NDArray standardValX;
  private float[] standardTrainRows;

  private TrainingData(LoadedFeatures features, NDManager manager) {
    this.features = features;
    this.manager = manager;
    FeatureSplit train = features.split("train");
    FeatureSplit val = features.split("val");
    trainX = tensor(manager, train);
    trainYColumn = labels(manager, train).reshape(-1, 1);
    valX = tensor(manager, val);
    valY = labels(manager, val);
    FeatureSplit test = testSplit(features);
    boolean hasTest = test != null;
    testX = hasTest ? tensor(manager, test) : null;
    testY = hasTest ? labels(manager, test) : null;
  }

  public static TrainingData of(LoadedFeatures features) {
    // the CPU, GPU or not: a head trains in seconds there, and a seed gives the same run on every machine
    // (DJL's default device would be the first GPU once a CUDA libtorch sees one)
    return new TrainingData(features, NDManager.newBaseManager(ai.djl.Device.cpu()));
  }

  private static NDArray tensor(NDManager m, FeatureSplit s) {
    return m.create(FloatBuffer.wrap(s.features(), 0, s.rows() * s.dim()), new Shape(s.rows(), s.dim()));
  }

  private static NDArray labels(NDManager m, FeatureSplit s) {
    long[] l = new long[s.rows()];
    for (int i = 0; i < l.length; i++) l[i] = s.labels()[i];
    return m.create(l);
  }

  public FeatureSplit train() {
    return features.split("train");
  }

  public FeatureSplit val() {
    return features.split("val");
  }

  /**
   * The loaded test split, or null when the store has none (or an empty one): the one place the
   * train stage asks the feature store whether there is a test split.
   */
  static FeatureSplit testSplit(LoadedFeatures features) {
    FeatureSplit test = features.splits().get("test");
    return test == null || test.rows() == 0 ? null : test;
  }

  /** The test split, when the feature store has one with rows. */
  public java.util.Optional<FeatureSplit> test() {
    return testX == null ? java.util.Optional.empty() : java.util.Optional.of(features.split("test"));
  }

  public NDArray testX() {
    return testX;
  }

  public NDArray testY() {
    return testY;
  }

  /**
   * Inverse class frequency on the train split, n / (k * n_c) as scikit-learn's "balanced": each
   * class weighs as much in the loss as if the classes were the same size. A class without train
   * rows gets 0 (it never appears as a target).
   */
  public float[] balancedClassWeights() {
    int k = numClasses();
    int[] counts = new int[k];
    for (int label : train().labels()) counts[label]++;
    float[] w = new float[k];
    int n = train().rows();
    for (int c = 0; c < k; c++) w[c] = counts[c] == 0 ? 0f : (float) ((double) n / (k * (double) counts[c]));
    return w;
  }

  public NDManager manager() {
    return manager;
  }

  public NDArray trainX() {
    return trainX;
  }

  /** Train labels as [N, 1], the shape the loss gathers with (no reshape per batch). */
  public NDArray trainYColumn() {
    return trainYColumn;
  }

  public NDArray valX() {
    return valX;
  }

  public NDArray valY() {
    return valY;
  }

  public int dim() {
    return features.dim();
  }

  public int numClasses() {
    return features.classes().size();
  }

  /** Per-feature mean and std of the train split, computed once for every run that standardizes. */
  public synchronized float[][] trainMeanStd() {
    if (trainMeanStd == null) trainMeanStd = train().meanAndStd();
    return trainMeanStd;
  }

  /**
   * Train and val features standardized once with the train split's statistics, exactly as the
   * head's {@link Standardize} layer would: runs that standardize train their layers after it on
   * these, instead of redoing the same affine map on every batch.
   */
  public synchronized NDArray[] standardized() {
    if (standardTrainX == null) {
      float[][] ms = trainMeanStd();
      NDArray mean = manager.create(ms[0]);
      NDArray inv = manager.create(Standardize.inverse(ms[1]));
      standardTrainX = Standardize.apply(trainX, mean, inv);
      standardValX = Standardize.apply(valX, mean, inv);
    }
    return new NDArray[] {standardTrainX, standardValX};
  }

  /**
   * The standardized train rows on the host, row-major [N, D]: the very floats of
   * {@link #standardized()}'s train tensor, for trainers that assemble batches in Java.
   */
  public synchronized float[] standardizedTrainRows() {
    if (standardTrainRows == null) standardTrainRows = standardized()[0].toFloatArray();
    return standardTrainRows;
  }

  @Override
  public void close() {
    manager.close();
  }
}
