package dev.headstart.head;

import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.headstart.config.TrainConfig;

/** DJL optimizers from the train settings: SGD with momentum (the seeds'), Adam, AdamW. */
public final class Optimizers {
  private Optimizers() {}

  public static Optimizer of(TrainConfig c, Tracker lr) {
    float wd = (float) c.weightDecay();
    return switch (c.optimizer()) {
      case "sgd" -> Optimizer.sgd().setLearningRateTracker(lr).optMomentum((float) c.momentum())
          .optWeightDecays(wd).build();
      case "adam" -> Optimizer.adam().optLearningRateTracker(lr).optWeightDecays(wd).build();
      case "adamw" -> Optimizer.adamW().optLearningRateTracker(lr).optWeightDecays(wd).build();
      default -> throw new IllegalArgumentException("unknown optimizer " + c.optimizer());
    };
  }
}
