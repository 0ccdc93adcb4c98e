package dev.headstart.extract;

import ai.djl.pytorch.jni.JniUtils;
import dev.headstart.config.ExtractConfig;
import dev.headstart.core.ProgressMeter;
import dev.headstart.engine.LibtorchThreads;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs the jobs in this JVM: decoder threads ahead of one predictor, cores balanced by ThreadBalance. */
public final class LocalJobRunner implements JobRunner {
  private static final Logger LOG = LoggerFactory.getLogger(LocalJobRunner.class);

  @Override
  public Outcome run(Context c, List<ExtractJob> jobs) throws IOException {
    ExtractConfig ex = c.config().extract();
    Threads threads = Threads.of(ex);
    ProgressMeter progress = new ProgressMeter(c.reporter().progress(), jobs.size(), 30, false);
    ExtractionPipeline pipeline = new ExtractionPipeline(c.files(), new ImageDecoder(ex.maxPixels(), !reducedDecode(ex)),
        c.preprocessor(),
        c.backbone(), c.dir(), c.conf(), c.fingerprint(), c.runId(), ex.partRows(), ex.batchSize(), threads.decoders(),
        ex.seed(), ex.strict(), progress);
    // the stages of ./run share this JVM: train and finetune get the threads they started with
    int threadsBefore = LibtorchThreads.set(threads.intraOp());
    ThreadBalance balancer = null;
    if (threads.balanceTorch() || threads.balanceDecoders()) {
      balancer = new ThreadBalance(Runtime.getRuntime().availableProcessors(), threads.decoders(),
          threads.intraOp(), c.backbone().device().isGpu(), threads.balanceTorch() ? JniUtils::setNumThreads : null,
          threads.balanceDecoders() ? pipeline::allowDecoders : null, pipeline::takeTurns, System::nanoTime, LOG::info);
      pipeline.balanceThreads(balancer);
    }
    try {
      pipeline.run(jobs);
    } finally {
      LibtorchThreads.set(threadsBefore);
    }
    Map<String, Double> timings = new LinkedHashMap<>();
    double rate = pipeline.imagesRun() / Math.max(progress.seconds(), 1e-9);
    timings.put("images_per_second", rate);
    timings.put("decode_thread_seconds", pipeline.decodeSeconds());
    timings.put("forward_seconds", pipeline.forwardSeconds());
    timings.put("write_seconds", pipeline.writeSeconds());
    timings.put("decode_threads", (double) (balancer != null ? balancer.decoders() : threads.decoders()));
    timings.put("intra_op_threads", (double) (balancer != null ? balancer.threads() : threads.intraOp()));
    timings.put("taking_turns", balancer != null && balancer.takingTurns() ? 1.0 : 0.0);
    timings.put("batch_size", (double) pipeline.batchSize());
    return new Outcome(pipeline.failures(), pipeline.imagesRun(), pipeline.rowsWritten(), pipeline.partsWritten(),
        timings, String.format(Locale.ROOT, "%.1f images/s, forward %.1f s", rate, pipeline.forwardSeconds()));
  }

  /**
   * Whether extract decodes large JPEGs at reduced size: asked for (extract.exact_decode false) and
   * possible here (libjpeg-turbo installed). The manifest's preprocessing records the same answer.
   */
  public static boolean reducedDecode(ExtractConfig ex) {
    return !ex.exactDecode() && ImageDecoder.reducedDecodeAvailable();
  }

  /**
   * Who gets the cores: decoding threads and libtorch's intra-op threads, as configured (or as
   * the user's -Dai.djl.pytorch.num_threads says), else split by the rules below; what nobody
   * chose, ThreadBalance may revise after the first batches.
   */
  record Threads(int decoders, int intraOp, boolean balanceDecoders, boolean balanceTorch) {
    static Threads of(ExtractConfig ex) {
      int decoders = decodeThreads(ex.threads());
      boolean torchChosen = ex.intraOpThreads() > 0 || LibtorchThreads.userSetting() > 0;
      int intraOp = ex.intraOpThreads() > 0 ? ex.intraOpThreads()
          : LibtorchThreads.orUser(intraOpThreads(0, decoders));
      return new Threads(decoders, intraOp, ex.threads() == 0, !torchChosen);
    }
  }

  /**
   * Decoding threads: as configured, or a third of the cores (at least one). The forward pass
   * is the heavier half of the work and libtorch spreads it over the cores itself; more decoders
   * only steal its cores (bench/compare.sh compares the settings).
   */
  static int decodeThreads(int configured) {
    if (configured > 0) return configured;
    return Math.max(1, Runtime.getRuntime().availableProcessors() / 3);
  }

  /**
   * libtorch's threads: as configured, or the cores the decoders leave (at least one). Never
   * more: an OpenMP forward pass waits at every barrier for its slowest thread, so one decoder
   * preempting one of its threads stalls all of them (on two cores, oversubscribing slows the
   * bundled example several times over).
   */
  static int intraOpThreads(int configured, int decodeThreads) {
    if (configured > 0) return configured;
    return Math.max(1, Runtime.getRuntime().availableProcessors() - decodeThreads);
  }
}
