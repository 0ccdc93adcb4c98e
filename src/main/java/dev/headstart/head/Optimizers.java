package dev.headstart.head;

import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.headstart.config.TrainConfig;

/** DJL optimizers from the train settings: SGD with momentum (the seeds'), Adam, AdamW. */
public final class Optimizers {
  private Optimizers() {}

  public static Optimizer of(TrainConfig c, Tracker lr) {
    float wd = (float) c.optimization().weightDecay();
    return switch (c.optimization().optimizer()) {
      case SGD -> Optimizer.sgd().setLearningRateTracker(lr).optMomentum((float) c.optimization().momentum())
          .optWeightDecays(wd).build();
      case ADAM -> Optimizer.adam().optLearningRateTracker(lr).optWeightDecays(wd).build();
      case ADAMW -> Optimizer.adamW().optLearningRateTracker(lr).optWeightDecays(wd).build();
    };
  }
}
