package dev.headstart.finetune;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Record;
import ai.djl.util.Progress;
import dev.headstart.extract.ImageEntry;
import dev.headstart.extract.Preprocessor;
import dev.headstart.extract.RgbImage;
import java.util.List;
import java.util.Random;

/**
 * One split of the images as a DJL dataset: each record is the preprocessed CHW tensor and the
 * class id. The train split applies the training transform (RandomResizedCrop + horizontal flip)
 * with a random stream derived from (seed, epoch, image index), so an epoch's augmentations are
 * the same whichever decoding thread computes them; the val split applies the eval transform
 * (resize + center crop). DJL's data iterator calls {@link #get} from its prefetching threads.
 */
final class ImageSplitDataset extends RandomAccessDataset {
  private final List<ImageEntry> entries;
  private final DecodedImages images;
  private final Preprocessor preprocessor;
  private final boolean augment;
  private final long seed;
  private final int batchSize;
  private final boolean dropLast;
  private volatile int epoch;

  private ImageSplitDataset(Builder builder) {
    super(builder);
    this.entries = builder.images.entries();
    this.images = builder.images;
    this.preprocessor = builder.preprocessor;
    this.augment = builder.augment;
    this.seed = builder.seed;
    this.batchSize = builder.batchSize;
    this.dropLast = builder.dropLast;
  }

  static Builder builder() {
    return new Builder();
  }

  /** Selects the augmentations of an epoch; call before iterating over it. */
  void setEpoch(int epoch) {
    this.epoch = epoch;
  }

  int batchesPerEpoch() {
    int n = entries.size();
    return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
  }

  List<ImageEntry> entries() {
    return entries;
  }

  @Override
  public Record get(NDManager manager, long index) {
    int i = Math.toIntExact(index);
    RgbImage image = images.image(i);
    float[] chw = augment
        ? preprocessor.train(image, new Random(streamSeed(seed, epoch, i)))
        : preprocessor.eval(image);
    int s = preprocessor.inputSize();
    NDList data = new NDList(manager.create(chw, new Shape(3, s, s)));
    NDList label = new NDList(manager.create((float) entries.get(i).label()));
    return new Record(data, label);
  }

  /** A well-mixed seed per (run seed, epoch, image): SplitMix64's finalizer over the three. */
  static long streamSeed(long seed, int epoch, int index) {
    long z = seed * 0x9E3779B97F4A7C15L + epoch * 0xBF58476D1CE4E5B9L + index * 0x94D049BB133111EBL;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  @Override
  protected long availableSize() {
    return entries.size();
  }

  @Override
  public void prepare(Progress progress) {}

  static final class Builder extends BaseBuilder<Builder> {
    private DecodedImages images;
    private Preprocessor preprocessor;
    private boolean augment;
    private long seed;
    private int batchSize;
    private boolean dropLast;

    /**
     * Batches of batchSize, shuffled or in order. A last batch of one image is dropped when
     * shuffling: batch-norm in training mode cannot normalize a single value per channel.
     */
    Builder batches(int batchSize, boolean shuffle) {
      this.batchSize = batchSize;
      this.dropLast = shuffle && images.entries().size() % batchSize == 1;
      return setSampling(batchSize, shuffle, dropLast);
    }

    Builder images(DecodedImages images) {
      this.images = images;
      return this;
    }

    Builder preprocessor(Preprocessor preprocessor) {
      this.preprocessor = preprocessor;
      return this;
    }

    Builder augment(boolean augment, long seed) {
      this.augment = augment;
      this.seed = seed;
      return this;
    }

    @Override
    protected Builder self() {
      return this;
    }

    ImageSplitDataset build() {
      return new ImageSplitDataset(this);
    }
  }
}
