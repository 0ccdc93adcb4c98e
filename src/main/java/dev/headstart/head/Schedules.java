package dev.headstart.head;

import ai.djl.training.tracker.CosineTracker;
import ai.djl.training.tracker.Tracker;
import dev.headstart.config.TrainConfig;

/**
 * Learning-rate schedules as DJL trackers. DJL counts optimizer updates (steps), the seeds count
 * epochs: StepLR(step_size, gamma) drops the rate after every step_size epochs, so its drops sit at
 * multiples of step_size x steps per epoch. Cosine anneals from lr to 0 over all steps.
 */
public final class Schedules {
  private Schedules() {}

  public static Tracker of(TrainConfig c, int stepsPerEpoch) {
    return of(c.schedule().scheduler().id(), (float) c.optimization().lr(), c.schedule().stepSize(), c.schedule().gamma(), c.epochs(), stepsPerEpoch);
  }

  /** StepLR(step_size epochs, gamma), cosine to 0 over all epochs, or constant; in optimizer updates. */
  public static Tracker of(String scheduler, float lr, int stepSize, double gamma, int epochs, int stepsPerEpoch) {
    return switch (scheduler) {
      case "step" -> stepLr(lr, Math.max(1, stepSize * stepsPerEpoch), (float) gamma);
      case "cosine" -> CosineTracker.builder().setBaseValue(lr).optFinalValue(0f)
          .setMaxUpdates(Math.max(1, epochs * stepsPerEpoch)).build();
      default -> Tracker.fixed(lr);
    };
  }

  /**
   * lr x gamma per completed period of updates, multiplied in float as DJL's MultiFactorTracker
   * does. Stateless (MultiFactorTracker remembers its last step and refuses a single drop), so
   * every parameter group may ask at any update.
   */
  private static Tracker stepLr(float lr, int period, float gamma) {
    return numUpdate -> {
      float value = lr;
      for (int drops = Math.max(0, numUpdate - 1) / period; drops > 0; drops--) value *= gamma;
      return value;
    };
  }
}
