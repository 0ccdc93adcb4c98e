package dev.headstart.cli;

import dev.headstart.core.Reporter;
import dev.headstart.core.UserException;

import dev.headstart.engine.EngineGuard;
import dev.headstart.engine.Workload;
import java.util.EnumSet;

import dev.headstart.config.PipelineConfig;
import dev.headstart.head.TrainStage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** ./train: a classifier head on the cached features; one run, or a sweep over a grid of settings. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
      "Trains a classifier head (linear or mlp) on the features ./extract cached.",
      "Writes one run folder per head under the runs folder: config.json,",
      "history.csv, metrics.json, predictions.csv and weights/head.params",
      "(the epoch with the best validation accuracy, or --select-by's score).",
      "When the features have a test split (a test/ folder, or data.test_fraction),",
      "every head is also evaluated on it at that epoch: predictions_test.csv and",
      "test figures in metrics.json. Test never chooses anything.",
      "",
      "Every option is a key of the train: section of pipeline.yaml; an option",
      "given here wins over the file. Examples:",
      "  ./train",
      "  ./train --lr 0.01 --epochs 40 --head mlp --hidden 256",
      "  ./train --sweep lr=0.1,0.01 wd=0,1e-4 head=linear,mlp",
      "      (8 runs, and a CSV in the runs folder ranking them)",
      "  ./train --tap layer3                  (a backbone exported with --taps)",
      "  ./train --sweep tap=layer2,layer3,layer4,layer3+layer4 lr=0.1,0.01",
      "  ./train --seeds 5   (seeds seed..seed+4: mean ± sd)",
      "  ./train --class-weights balanced --select-by balanced_accuracy",
      ""
    })
public final class TrainCommand implements Callable<Integer> {
  @Mixin ConfigOptions config;

  @Option(names = "--features", paramLabel = "DIR|URI",
      description = "Feature store to read (train.features; default: extract.out, where ./extract writes).")
  String features;

  @Option(names = "--tap", paramLabel = "TAP[+TAP...]",
      description = "Which output of a backbone exported with taps the head reads (train.tap): a tap name such as"
          + " layer3, or several joined by '+' (concatenated); default: the deepest tap. The store's manifest.json"
          + " lists its taps.")
  String tap;

  @Option(names = "--runs", paramLabel = "DIR", description = "Folder that receives the run folders (train.runs).")
  String runs;

  @Option(names = "--name", paramLabel = "NAME",
      description = "Run name (train.name). Default: derived from the settings, e.g."
          + " head-linear-sgd-lr0.01-bs16-e25-1a2b3c, so different settings never overwrite each other."
          + " With --sweep: the name of the sweep's ranking CSV.")
  String name;

  @Option(names = "--head", paramLabel = "linear|mlp",
      description = "Head: linear (one Linear layer, the tutorial's new fc) or mlp (hidden layers, ReLU, dropout).")
  String head;

  @Option(names = "--hidden", paramLabel = "N", split = ",",
      description = "Hidden layer sizes of the mlp head, e.g. --hidden 512,128.")
  List<Integer> hidden;

  @Option(names = "--dropout", paramLabel = "P", description = "Dropout after each hidden layer of the mlp, 0 <= P < 1.")
  Double dropout;

  @Option(names = "--standardize", negatable = true,
      description = "Standardize features with the train split's mean and std (saved inside the head).")
  Boolean standardize;

  @Option(names = "--optimizer", paramLabel = "sgd|adam|adamw", description = "Optimizer.")
  String optimizer;

  @Option(names = "--lr", paramLabel = "LR", description = "Learning rate (> 0).")
  Double lr;

  @Option(names = "--momentum", paramLabel = "M", description = "SGD momentum, 0 <= M < 1.")
  Double momentum;

  @Option(names = {"--weight-decay", "--wd"}, paramLabel = "WD", description = "L2 weight decay (>= 0).")
  Double weightDecay;

  @Option(names = "--batch-size", paramLabel = "N", description = "Rows per step; 0 = the whole train split at once.")
  Integer batchSize;

  @Option(names = "--epochs", paramLabel = "N", description = "Passes over the train split.")
  Integer epochs;

  @Option(names = "--scheduler", paramLabel = "step|cosine|none",
      description = "Learning-rate schedule: step (StepLR: x gamma every step-size epochs), cosine (to 0), none.")
  String scheduler;

  @Option(names = "--step-size", paramLabel = "EPOCHS", description = "Epochs between learning-rate drops (step).")
  Integer stepSize;

  @Option(names = "--gamma", paramLabel = "G", description = "Learning-rate factor at each drop (step).")
  Double gamma;

  @Option(names = "--label-smoothing", paramLabel = "E", description = "Label smoothing of the cross-entropy, 0 <= E < 1.")
  Double labelSmoothing;

  @Option(names = "--seed", paramLabel = "N", description = "Seed of initialization and shuffling: same seed, same run.")
  Long seed;

  @Option(names = "--patience", paramLabel = "EPOCHS",
      description = "Stop after this many epochs without a lower val loss; 0 = run every epoch.")
  Integer patience;

  @Option(names = "--use-views", negatable = true,
      description = "Also train on the augmented views that extract made (validation always uses the plain image).")
  Boolean useViews;

  @Option(names = "--sweep", paramLabel = "KEY=V1,V2", arity = "1..*",
      description = "Train every combination: e.g. --sweep lr=0.1,0.01 wd=0,1e-4 head=linear,mlp hidden=256,512x128."
          + " Keys: any train key (wd, bs, ls are short for weight_decay, batch_size, label_smoothing);"
          + " tap=layer2,layer3,layer4 compares a backbone's depths.")
  List<String> sweep = new ArrayList<>();

  @Option(names = "--parallel", paramLabel = "N",
      description = "Sweep points trained at once (train.parallel): linear heads of one optimizer train as one"
          + " packed matrix, other heads over shared batches; 0 = all that can, 1 = one after another.")
  Integer parallel;

  @Option(names = "--seeds", paramLabel = "N",
      description = "Repeat the head (or every sweep point) with N seeds, seed .. seed+N-1 (train.seeds);"
          + " prints each setting's mean ± standard deviation over them, and the report shows it.")
  Integer seeds;

  @Option(names = "--class-weights", paramLabel = "none|balanced",
      description = "Loss weight per class (train.class_weights): none, or balanced = inverse class frequency"
          + " in train, n / (k * n_class), so small classes count as much as large ones.")
  String classWeights;

  @Option(names = "--select-by", paramLabel = "accuracy|balanced_accuracy|macro_f1",
      description = "What chooses the best epoch and ranks a sweep, on the validation split (train.select_by).")
  String selectBy;

  @Override
  public Integer call() {
    config.override("train.features", features);
    config.override("train.tap", tap);
    config.override("train.runs", runs);
    config.override("train.name", name);
    config.override("train.head", head);
    if (hidden != null) config.override("train.hidden", String.join(",", hidden.stream().map(String::valueOf).toList()));
    config.override("train.dropout", dropout);
    config.override("train.standardize", standardize);
    config.override("train.optimizer", optimizer);
    config.override("train.lr", lr);
    config.override("train.momentum", momentum);
    config.override("train.weight_decay", weightDecay);
    config.override("train.batch_size", batchSize);
    config.override("train.epochs", epochs);
    config.override("train.scheduler", scheduler);
    config.override("train.step_size", stepSize);
    config.override("train.gamma", gamma);
    config.override("train.parallel", parallel);
    config.override("train.label_smoothing", labelSmoothing);
    config.override("train.seed", seed);
    config.override("train.patience", patience);
    config.override("train.use_views", useViews);
    config.override("train.seeds", seeds);
    config.override("train.class_weights", classWeights);
    config.override("train.select_by", selectBy);
    for (String axis : sweep) {
      int eq = axis.indexOf('=');
      if (eq <= 0 || eq == axis.length() - 1) {
        throw new UserException("--sweep '" + axis + "' must be KEY=V1,V2,..., e.g. --sweep lr=0.1,0.01");
      }
      config.override("train.sweep." + axis.substring(0, eq).trim(), axis.substring(eq + 1).trim());
    }
    PipelineConfig pc = config.load();
    oneLibtorchThreadForHeads();
    EngineGuard.prepare(EnumSet.of(Workload.TRAINING));
    try {
      new TrainStage().run(pc, Reporter.stderr());
      return 0;
    } catch (IOException e) {
      throw new UserException("train: " + e.getMessage(), e);
    }
  }

  /**
   * A head's small matrix products gain nothing from libtorch's inter-op pool: one thread, unless
   * the user set it. DJL reads this when the engine starts, so it counts only when train is the
   * first stage of a process to use libtorch (the train stage sets its intra-op threads itself).
   */
  static void oneLibtorchThreadForHeads() {
    if (System.getProperty("ai.djl.pytorch.num_interop_threads") == null) {
      System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    }
  }
}
