package dev.headstart.config;

/** How the learning rate changes: the scheduler, and StepLR's step size (epochs) and factor. */
public record ScheduleSettings(SchedulerKind scheduler, int stepSize, double gamma) implements FlatSettings {
  void check(String section) {
    Check.positive(section + ".step_size", stepSize);
    Check.positive(section + ".gamma", gamma);
  }
}
