package dev.headstart.config;

/** How the learning rate changes over the epochs: StepLR, cosine annealing, or constant. */
public enum SchedulerKind implements Choice {
  STEP,
  COSINE,
  NONE
}
