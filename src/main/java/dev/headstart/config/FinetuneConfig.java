package dev.headstart.config;

import java.util.EnumSet;
import java.util.List;

/**
 * The finetune stage: end-to-end baselines trained on the images.
 *
 * <p>Defaults: the seeds' recipe (SGD, momentum 0.9, StepLR(7, 0.1), 15 epochs, cross-entropy) at
 * batch 32 with lr 0.002 (the seeds' 0.001 at batch 16, scaled linearly with the batch, which
 * halves the steps and the per-step overhead): finetune and scratch on the bundled example take
 * about two minutes together on a 2-core CPU.
 *
 * @param runs the folder that receives one run folder per mode
 * @param modes which baselines to train: finetune, partial, scratch
 * @param name prefix of the run names; empty = derived from the settings
 * @param classifier head (linear or mlp), hidden sizes and dropout, as in the train stage
 * @param optimization optimizer (sgd or adamw), lr of the head (and of the backbone unless
 *     backbone_lr is set), momentum, weight_decay
 * @param backboneLr learning rate of the backbone; 0 = same as lr (differential rates when set)
 * @param batchSize images per step (at least one: a whole-split batch of images does not fit)
 * @param epochs passes over the train split
 * @param schedule scheduler (step, cosine or none), step_size, gamma
 * @param seed seed of head init, scratch init, augmentation and shuffling
 * @param trainBlocks partial mode: how many of the last backbone blocks are trained
 * @param threads image decoding and augmentation threads; 0 = a quarter of the cores (libtorch gets the rest)
 * @param classWeights none, or balanced: the loss weighs each class by inverse frequency in train
 */
public record FinetuneConfig(
    String runs,
    List<String> modes,
    String name,
    HeadSettings classifier,
    OptimizerSettings optimization,
    double backboneLr,
    int batchSize,
    int epochs,
    ScheduleSettings schedule,
    long seed,
    int trainBlocks,
    int threads,
    ClassWeights classWeights) {
  public static final FinetuneConfig DEFAULTS = new FinetuneConfig("runs", List.of("finetune", "scratch"), "",
      new HeadSettings(HeadKind.LINEAR, List.of(256), 0.5), new OptimizerSettings(OptimizerKind.SGD, 0.002, 0.9, 0.0),
      0.0, 32, 15, new ScheduleSettings(SchedulerKind.STEP, 7, 0.1), 0, 2, 0, ClassWeights.NONE);

  public FinetuneConfig {
    for (int i = 0; i < modes.size(); i++) {
      Check.oneOf("finetune.modes[" + i + "]", modes.get(i), List.of("finetune", "partial", "scratch"));
    }
    classifier.check("finetune");
    optimization.check("finetune", EnumSet.of(OptimizerKind.SGD, OptimizerKind.ADAMW));
    Check.nonNegative("finetune.backbone_lr", backboneLr);
    Check.positive("finetune.batch_size", batchSize);
    Check.positive("finetune.epochs", epochs);
    schedule.check("finetune");
    Check.nonNegative("finetune.train_blocks", trainBlocks);
    Check.nonNegative("finetune.threads", threads);
    modes = List.copyOf(modes);
  }
}
