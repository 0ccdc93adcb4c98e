package dev.headstart.config;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;

/**
 * The train stage: a classifier head on the cached features. Defaults follow the seeds' recipe
 * (SGD with momentum 0.9, StepLR 7/0.1, 25 epochs, cross-entropy, small batches) with two
 * changes that make it converge on a few hundred rows whatever the backbone's feature scale:
 * features are standardized (fitted on train, stored in the head), and lr is 0.01 (the seeds'
 * 0.001 at batch 4 is about 0.004 at batch 16; with standardized inputs 0.01 converges within
 * the first StepLR period and stays stable).
 *
 * @param features the feature store to read; empty = extract.out
 * @param tap which of a tapped backbone's outputs the head reads: a tap name (layer3), several
 *     joined by '+' (layer3+layer4, concatenated), or empty for the default (deepest) tap. Its
 *     own key because "features" already names the store
 * @param runs the folder that receives one run folder per training run
 * @param name the run's name; empty = derived from the settings
 * @param classifier head (linear or mlp), hidden layer sizes and dropout of the mlp head
 * @param standardize standardize features with the train split's mean and std
 * @param optimization optimizer (sgd, adam or adamw), lr, momentum, weight_decay
 * @param batchSize rows per step; 0 = the whole train split in one batch (a head's rows fit)
 * @param epochs passes over the train split
 * @param schedule scheduler (step, cosine or none), step_size, gamma
 * @param labelSmoothing label smoothing of the cross-entropy, 0 = none
 * @param seed seed of initialization and shuffling; same seed, same run, bit for bit
 * @param patience stop after this many epochs without a lower validation loss; 0 = never
 * @param useViews train on the augmented views too (validation always uses view 0)
 * @param sweep grid of key -> values to try, one run per point
 * @param parallel the most sweep points trained at once, in one thread: linear heads of one
 *     optimizer as one packed matrix, other heads in lockstep over shared batches (threads would
 *     not help: DJL's PyTorch engine allows one gradient collector per process, and these ops
 *     are too small to split); 0 = every point that can, 1 = one after another, each op on one thread
 * @param classWeights none, or balanced: the loss weighs each class by inverse frequency in train
 * @param selectBy what chooses the best epoch and ranks a sweep, on validation: accuracy,
 *     balanced_accuracy or macro_f1
 * @param seeds repeat the head (or every sweep point) with this many seeds, seed, seed+1, ...;
 *     1 = once. The report gives the spread over them.
 * @param labelConflicts images whose bytes appear under two classes (manifest.json's
 *     label_conflicts): keep (each copy with its label) or drop (every copy)
 */
public record TrainConfig(
    String features,
    String tap,
    String runs,
    String name,
    HeadSettings classifier,
    boolean standardize,
    OptimizerSettings optimization,
    int batchSize,
    int epochs,
    ScheduleSettings schedule,
    double labelSmoothing,
    long seed,
    int patience,
    boolean useViews,
    Map<String, List<String>> sweep,
    int parallel,
    ClassWeights classWeights,
    SelectBy selectBy,
    int seeds,
    LabelConflictPolicy labelConflicts) {
  public static final TrainConfig DEFAULTS = new TrainConfig("", "", "runs", "",
      new HeadSettings(HeadKind.LINEAR, List.of(256), 0.5), true,
      new OptimizerSettings(OptimizerKind.SGD, 0.01, 0.9, 0.0), 16, 25,
      new ScheduleSettings(SchedulerKind.STEP, 7, 0.1), 0.0, 0, 0, false, Map.of(), 0,
      ClassWeights.NONE, SelectBy.ACCURACY, 1, LabelConflictPolicy.KEEP);

  public TrainConfig {
    classifier.check("train");
    optimization.check("train", EnumSet.allOf(OptimizerKind.class));
    Check.nonNegative("train.batch_size", batchSize);
    Check.positive("train.epochs", epochs);
    schedule.check("train");
    Check.fraction("train.label_smoothing", labelSmoothing);
    Check.nonNegative("train.patience", patience);
    Check.nonNegative("train.parallel", parallel);
    Check.positive("train.seeds", seeds);
    sweep = Map.copyOf(sweep);
  }
}
