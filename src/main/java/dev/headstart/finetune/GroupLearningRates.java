package dev.headstart.finetune;

import ai.djl.training.tracker.CosineTracker;
import ai.djl.training.tracker.ParameterTracker;
import ai.djl.training.tracker.Tracker;
import dev.headstart.config.FinetuneConfig;
import java.util.Set;

/**
 * One learning-rate schedule, two parameter groups: the backbone's parameters at backbone_lr, the
 * new head's at lr (the seeds' "differential learning rates", one optimizer with two groups). The
 * schedule (StepLR, cosine or none) scales both alike; DJL's optimizers ask this tracker by
 * parameter id and count updates per parameter, so an update count is a step number.
 */
final class GroupLearningRates implements ParameterTracker {
  private final Tracker schedule;
  private final Set<String> backboneIds;
  private final float backboneScale;

  GroupLearningRates(Tracker schedule, Set<String> backboneIds, float backboneScale) {
    this.schedule = schedule;
    this.backboneIds = Set.copyOf(backboneIds);
    this.backboneScale = backboneScale;
  }

  static GroupLearningRates of(FinetuneConfig cfg, int stepsPerEpoch, Set<String> backboneIds) {
    float lr = (float) cfg.lr();
    float backboneLr = cfg.backboneLr() > 0 ? (float) cfg.backboneLr() : lr;
    return new GroupLearningRates(schedule(cfg, lr, stepsPerEpoch), backboneIds, backboneLr / lr);
  }

  /** StepLR(step_size epochs, gamma), cosine to 0 over all epochs, or constant; in steps. */
  static Tracker schedule(FinetuneConfig cfg, float lr, int stepsPerEpoch) {
    int total = Math.max(1, cfg.epochs() * stepsPerEpoch);
    switch (cfg.scheduler()) {
      case "step": {
        // StepLR: lr x gamma^(completed step_size-epoch periods). DJL's MultiFactorTracker refuses
        // evenly spaced steps and FactorTracker decays every update, so the schedule is this line.
        int period = Math.max(1, cfg.stepSize() * stepsPerEpoch);
        float gamma = (float) cfg.gamma();
        return numUpdate -> lr * (float) Math.pow(gamma, Math.max(0, numUpdate - 1) / period);
      }
      case "cosine":
        return CosineTracker.builder().setBaseValue(lr).optFinalValue(0).setMaxUpdates(total).build();
      default:
        return Tracker.fixed(lr);
    }
  }

  @Override
  public float getNewValue(String parameterId, int numUpdate) {
    float value = schedule.getNewValue(numUpdate);
    return backboneIds.contains(parameterId) ? value * backboneScale : value;
  }
}
