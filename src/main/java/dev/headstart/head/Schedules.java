package dev.headstart.head;

import ai.djl.training.tracker.CosineTracker;
import ai.djl.training.tracker.MultiFactorTracker;
import ai.djl.training.tracker.Tracker;
import dev.headstart.config.TrainConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * Learning-rate schedules as DJL trackers. DJL counts optimizer updates (steps), the seeds count
 * epochs: StepLR(step_size, gamma) drops the rate after every step_size epochs, so its drops sit at
 * multiples of step_size x steps per epoch. Cosine anneals from lr to 0 over all steps.
 */
public final class Schedules {
  private Schedules() {}

  public static Tracker of(TrainConfig c, int stepsPerEpoch) {
    float lr = (float) c.lr();
    return switch (c.scheduler()) {
      case "step" -> {
        List<Integer> drops = new ArrayList<>();
        for (int e = c.stepSize(); e < c.epochs(); e += c.stepSize()) drops.add(e * stepsPerEpoch);
        // MultiFactorTracker refuses a single step (it points to FactorTracker, which decays at
        // every update instead): a drop that never comes keeps one real drop valid
        if (drops.size() == 1) drops.add(Integer.MAX_VALUE);
        yield drops.isEmpty() ? Tracker.fixed(lr) : MultiFactorTracker.builder().setBaseValue(lr)
            .setSteps(drops.stream().mapToInt(Integer::intValue).toArray()).optFactor((float) c.gamma()).build();
      }
      case "cosine" -> CosineTracker.builder().setBaseValue(lr).optFinalValue(0f)
          .setMaxUpdates(Math.max(1, c.epochs() * stepsPerEpoch)).build();
      default -> Tracker.fixed(lr);
    };
  }
}
