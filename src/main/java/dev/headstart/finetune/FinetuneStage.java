package dev.headstart.finetune;

import ai.djl.translate.TranslateException;
import dev.headstart.core.UserException;
import dev.headstart.config.FinetuneConfig;
import dev.headstart.config.PipelineConfig;
import dev.headstart.engine.LibtorchThreads;
import dev.headstart.core.Reporter;
import dev.headstart.core.Stage;
import ai.djl.Device;
import dev.headstart.extract.BackboneLoader;
import dev.headstart.extract.ProbeResult;
import dev.headstart.extract.BackboneSource;
import dev.headstart.extract.ImageDecoder;
import dev.headstart.extract.ImageEntry;
import dev.headstart.extract.ImageFolderDataset;
import dev.headstart.extract.Preprocessor;
import dev.headstart.io.Hashing;
import dev.headstart.runs.Method;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The finetune stage: the end-to-end baselines the report compares with the cached-feature head.
 * Scans and decodes the images once, then trains one run per mode in finetune.modes (finetune,
 * partial, scratch), each from a fresh copy of the trainable backbone export.
 */
public final class FinetuneStage implements Stage<FinetuneStage.Result> {
  /** The run folders written, in mode order. */
  public record Result(List<Path> runs) {}

  @Override
  public String id() {
    return "finetune";
  }

  /**
   * Threads that crop and normalize batches (and decode the images once): as configured, else a
   * quarter of the cores. Per-batch image work is small next to the network's on the CPU, so it
   * needs few; on a GPU the network needs no CPU cores, and the image threads get them all.
   */
  static int decodeThreads(int configured) {
    return decodeThreads(configured, false);
  }

  static int decodeThreads(int configured, boolean gpu) {
    if (configured > 0) return configured;
    int cores = Runtime.getRuntime().availableProcessors();
    return gpu ? cores : Math.max(1, cores / 4);
  }

  /**
   * Gives libtorch the cores the image threads leave (at least one), unless
   * -Dai.djl.pytorch.num_threads says otherwise. Never more: an OpenMP forward or backward pass
   * waits at every barrier for its slowest thread, so an image thread preempting one of its
   * threads stalls them all (on two cores, libtorch's default of every core made the bundled
   * example's epochs an order of magnitude slower).
   */
  static int useCoresLeft(int imageThreads) {
    int threads = LibtorchThreads.orUser(Math.max(1, Runtime.getRuntime().availableProcessors() - imageThreads));
    LibtorchThreads.set(threads);
    return threads;
  }

  /** Runs every configured mode. */
  @Override
  public Result run(PipelineConfig config, Reporter reporter) throws IOException {
    long start = System.nanoTime();
    FinetuneConfig cfg = config.finetune();
    if (cfg.modes().isEmpty()) {
      throw new UserException("finetune.modes is empty; list at least one of finetune, partial, scratch");
    }
    ImageFolderDataset data = ImageFolderDataset.scan(config.resolvePath(config.data().root()), config.data());
    List<ImageEntry> train = data.split(ImageFolderDataset.TRAIN);
    List<ImageEntry> val = data.split(ImageFolderDataset.VAL);
    List<ImageEntry> test = data.split(ImageFolderDataset.TEST);
    if (train.isEmpty() || val.isEmpty()) {
      throw new UserException("data.root " + data.root() + " has " + train.size() + " train and "
          + val.size() + " val images; finetune needs both (add images or set data.val_fraction)");
    }
    BackboneSource source = BackboneLoader.locate(config.backbone(), config.baseDir());
    Path trainable = source.trainableFile();
    // one device: DJL trains a TorchScript module on the device it was loaded on
    Device device = BackboneLoader.singleDevice("backbone.device", config.backbone().device());
    int threads = decodeThreads(cfg.threads(), device.isGpu());
    int intraOp = useCoresLeft(threads);
    ProbeResult probe = BackboneLoader.checkTrainable(source, device);
    ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "finetune-decode");
      t.setDaemon(true);
      return t;
    });
    try {
      ImageDecoder decoder = new ImageDecoder(config.extract().maxPixels());
      reporter.info("finetune: decoding " + train.size() + " train, " + val.size() + " val and " + test.size()
          + " test images of " + data.classes().size() + " classes on " + threads + " threads; libtorch uses " + intraOp);
      DecodedImages trainImages = DecodedImages.decode(train, decoder, pool, DecodedImages.MEMORY_BUDGET_PIXELS, reporter);
      DecodedImages valImages = DecodedImages.decode(val, decoder, pool, DecodedImages.MEMORY_BUDGET_PIXELS, reporter);
      DecodedImages testImages = test.isEmpty() ? null
          : DecodedImages.decode(test, decoder, pool, DecodedImages.MEMORY_BUDGET_PIXELS, reporter);
      List<ImageEntry> all = new ArrayList<>(trainImages.entries());
      all.addAll(valImages.entries());
      if (testImages != null) all.addAll(testImages.entries());
      FinetuneInputs inputs = new FinetuneInputs(cfg, data.classes(), trainImages, valImages, testImages, source,
          source.card(), trainable, Hashing.sha256(trainable), probe, new Preprocessor(source.card()),
          DataFingerprint.of(all), device, pool,
          config.resolvePath(cfg.runs()), (System.nanoTime() - start) / 1e9);
      List<Path> runs = new ArrayList<>();
      for (String mode : cfg.modes()) {
        Path dir = new FinetuneRun(inputs, Method.of(mode), reporter).run();
        reporter.info("finetune: wrote " + dir);
        runs.add(dir);
      }
      return new Result(List.copyOf(runs));
    } catch (TranslateException e) {
      throw new IllegalStateException("reading a batch of images failed: " + e.getMessage(), e);
    } finally {
      pool.shutdownNow();
    }
  }
}
