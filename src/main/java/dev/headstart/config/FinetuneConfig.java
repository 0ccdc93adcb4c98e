package dev.headstart.config;

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
 * @param head linear or mlp, as in the train stage
 * @param hidden hidden sizes of the mlp head
 * @param dropout dropout of the mlp head
 * @param optimizer sgd or adamw
 * @param lr learning rate of the head (and of the backbone unless backbone_lr is set)
 * @param backboneLr learning rate of the backbone; 0 = same as lr (differential rates when set)
 * @param momentum SGD momentum
 * @param weightDecay weight decay
 * @param batchSize images per step
 * @param epochs passes over the train split
 * @param scheduler step, cosine or none
 * @param stepSize epochs between learning-rate drops
 * @param gamma learning-rate factor at each drop
 * @param seed seed of head init, scratch init, augmentation and shuffling
 * @param trainBlocks partial mode: how many of the last backbone blocks are trained
 * @param threads image decoding and augmentation threads; 0 = a quarter of the cores (libtorch gets the rest)
 */
public record FinetuneConfig(
    String runs,
    List<String> modes,
    String name,
    String head,
    List<Integer> hidden,
    double dropout,
    String optimizer,
    double lr,
    double backboneLr,
    double momentum,
    double weightDecay,
    int batchSize,
    int epochs,
    String scheduler,
    int stepSize,
    double gamma,
    long seed,
    int trainBlocks,
    int threads) {
  public static final FinetuneConfig DEFAULTS =
      new FinetuneConfig("runs", List.of("finetune", "scratch"), "", "linear", List.of(256), 0.5,
          "sgd", 0.002, 0.0, 0.9, 0.0, 32, 15, "step", 7, 0.1, 0, 2, 0);

  public FinetuneConfig {
    for (int i = 0; i < modes.size(); i++) {
      Check.oneOf("finetune.modes[" + i + "]", modes.get(i), List.of("finetune", "partial", "scratch"));
    }
    Check.oneOf("finetune.head", head, List.of("linear", "mlp"));
    Check.fraction("finetune.dropout", dropout);
    Check.oneOf("finetune.optimizer", optimizer, List.of("sgd", "adamw"));
    Check.positive("finetune.lr", lr);
    Check.nonNegative("finetune.backbone_lr", backboneLr);
    Check.fraction("finetune.momentum", momentum);
    Check.nonNegative("finetune.weight_decay", weightDecay);
    Check.positive("finetune.batch_size", batchSize);
    Check.positive("finetune.epochs", epochs);
    Check.oneOf("finetune.scheduler", scheduler, List.of("step", "cosine", "none"));
    Check.positive("finetune.step_size", stepSize);
    Check.positive("finetune.gamma", gamma);
    Check.nonNegative("finetune.train_blocks", trainBlocks);
    Check.nonNegative("finetune.threads", threads);
    for (int i = 0; i < hidden.size(); i++) Check.positive("finetune.hidden[" + i + "]", hidden.get(i));
    modes = List.copyOf(modes);
    hidden = List.copyOf(hidden);
  }
}
