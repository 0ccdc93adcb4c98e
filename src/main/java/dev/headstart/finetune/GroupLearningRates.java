package dev.headstart.finetune;

import ai.djl.training.tracker.ParameterTracker;
import ai.djl.training.tracker.Tracker;
import dev.headstart.config.FinetuneConfig;
import dev.headstart.head.Schedules;
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
    float lr = (float) cfg.optimization().lr();
    float backboneLr = cfg.backboneLr() > 0 ? (float) cfg.backboneLr() : lr;
    Tracker schedule = Schedules.of(cfg.schedule().scheduler().id(), lr, cfg.schedule().stepSize(), cfg.schedule().gamma(), cfg.epochs(), stepsPerEpoch);
    return new GroupLearningRates(schedule, backboneIds, backboneLr / lr);
  }

  @Override
  public float getNewValue(String parameterId, int numUpdate) {
    float value = schedule.getNewValue(numUpdate);
    return backboneIds.contains(parameterId) ? value * backboneScale : value;
  }
}
