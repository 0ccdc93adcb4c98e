package dev.headstart.cli;

import dev.headstart.core.Reporter;
import dev.headstart.engine.EngineGuard;
import dev.headstart.engine.Workload;
import java.util.EnumSet;

import dev.headstart.config.PipelineConfig;
import dev.headstart.finetune.FinetuneStage;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** ./finetune: end-to-end finetune, partial and from-scratch baselines on the images. */
@Command(name = "finetune", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
      "Trains the backbone and a new head end to end on the images (not on cached features): the "
          + "baselines the report compares with the cached-feature head. One run folder per mode "
          + "under finetune.runs (config.json, history.csv, best weights, predictions.csv, "
          + "metrics.json). With a test split (a test/ folder, or data.test_fraction) each run is "
          + "also evaluated on the test images at its best-validation epoch (predictions_test.csv, test "
          + "figures in metrics.json); test never chooses anything.",
      "",
      "Modes: finetune = all layers trainable from the pretrained weights; partial = the first "
          + "backbone blocks frozen (the backbone's batch-norm in eval mode), the last --train-blocks "
          + "blocks and the head trained; scratch = the same architecture re-initialized "
          + "(Kaiming-normal convolutions, batch-norm 1/0), the control. Train images get "
          + "RandomResizedCrop + horizontal flip, val images resize + center crop, as the "
          + "backbone's model card says.",
      "",
      "Needs the backbone's trainable export (trainable_file in its model card, written by "
          + "tools/export_backbone.py). Every option is a key of the finetune section of "
          + "pipeline.yaml; progress (batches/s, ETA, loss) goes to stderr.",
      "",
      "Example: ./finetune --modes finetune,scratch --epochs 5 --lr 0.01 --backbone-lr 0.001",
      ""
    })
public final class FinetuneCommand implements Callable<Integer> {
  @Mixin ConfigOptions config;

  @Option(names = "--modes", split = ",", paramLabel = "MODE,...", hideParamSyntax = true,
      description = "Which runs to train: finetune, partial, scratch (finetune.modes; default finetune,scratch).")
  List<String> modes;

  @Option(names = "--epochs", paramLabel = "N", description = "Passes over the train images (finetune.epochs).")
  Integer epochs;

  @Option(names = "--lr", paramLabel = "RATE", description = "Learning rate of the head, and of the backbone unless --backbone-lr is given (finetune.lr).")
  Double lr;

  @Option(names = "--backbone-lr", paramLabel = "RATE",
      description = "Learning rate of the backbone's parameters: differential rates, e.g. 0.001 with --lr 0.01 (finetune.backbone_lr; 0 = same as --lr).")
  Double backboneLr;

  @Option(names = "--batch-size", paramLabel = "N", description = "Images per optimizer step (finetune.batch_size).")
  Integer batchSize;

  @Option(names = "--optimizer", paramLabel = "NAME", description = "sgd (with --momentum) or adamw (finetune.optimizer).")
  String optimizer;

  @Option(names = "--momentum", paramLabel = "M", description = "SGD momentum (finetune.momentum).")
  Double momentum;

  @Option(names = "--weight-decay", paramLabel = "W", description = "Weight decay (finetune.weight_decay).")
  Double weightDecay;

  @Option(names = "--scheduler", paramLabel = "NAME",
      description = "Learning-rate schedule: step (StepLR every --step-size epochs by --gamma), cosine, or none (finetune.scheduler).")
  String scheduler;

  @Option(names = "--step-size", paramLabel = "EPOCHS", description = "Epochs between learning-rate drops of the step schedule (finetune.step_size).")
  Integer stepSize;

  @Option(names = "--gamma", paramLabel = "F", description = "Learning-rate factor at each drop of the step schedule (finetune.gamma).")
  Double gamma;

  @Option(names = "--train-blocks", paramLabel = "N",
      description = "Partial mode: how many of the backbone's last blocks are trained (finetune.train_blocks).")
  Integer trainBlocks;

  @Option(names = "--head", paramLabel = "KIND", description = "New head: linear or mlp (finetune.head).")
  String head;

  @Option(names = "--seed", paramLabel = "N", description = "Seed of head init, scratch init, augmentation and shuffling (finetune.seed).")
  Long seed;

  @Option(names = "--threads", paramLabel = "N", description = "Threads that decode, crop and normalize images; 0 = a quarter of the cores. libtorch gets the cores they leave (finetune.threads).")
  Integer threads;

  @Option(names = "--name", paramLabel = "PREFIX",
      description = "Run folder names <PREFIX>-<mode> instead of <mode>-<backbone>-lr<lr>-e<epochs>-<settings hash> (finetune.name).")
  String name;

  @Option(names = "--runs", paramLabel = "DIR", description = "Folder that receives the run folders (finetune.runs).")
  Path runs;

  @Option(names = "--data", paramLabel = "DIR", description = "ImageFolder root with train/ and val/ (data.root).")
  Path data;

  @Option(names = "--backbone", paramLabel = "FILE", description = "TorchScript backbone .pt with its model card beside it (backbone.uri).")
  String backbone;

  @Option(names = "--class-weights", paramLabel = "none|balanced",
      description = "Loss weight per class (finetune.class_weights): none, or balanced = inverse class frequency in train.")
  String classWeights;

  @Override
  public Integer call() throws Exception {
    if (modes != null) config.override("finetune.modes", "[" + String.join(",", modes) + "]");
    config.override("finetune.epochs", epochs);
    config.override("finetune.lr", lr);
    config.override("finetune.backbone_lr", backboneLr);
    config.override("finetune.batch_size", batchSize);
    config.override("finetune.optimizer", optimizer);
    config.override("finetune.momentum", momentum);
    config.override("finetune.weight_decay", weightDecay);
    config.override("finetune.scheduler", scheduler);
    config.override("finetune.step_size", stepSize);
    config.override("finetune.gamma", gamma);
    config.override("finetune.train_blocks", trainBlocks);
    config.override("finetune.head", head);
    config.override("finetune.seed", seed);
    config.override("finetune.threads", threads);
    config.override("finetune.class_weights", classWeights);
    config.override("finetune.name", name);
    config.override("finetune.runs", runs);
    config.override("data.root", data);
    config.override("backbone.uri", backbone);
    PipelineConfig pipeline = config.load();
    DeviceCheck.before("backbone.device", pipeline.backbone().device());
    EngineGuard.prepare(EnumSet.of(Workload.TRAINING, Workload.FP32_INFERENCE));
    new FinetuneStage().run(pipeline, Reporter.stderr());
    return 0;
  }
}
