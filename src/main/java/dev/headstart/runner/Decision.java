package dev.headstart.runner;

/** Whether a stage runs this time, and why, in words for --dry-run and the run log. */
public record Decision(PipelineStage stage, boolean run, String reason) {

  @Override
  public String toString() {
    return String.format("%-9s %s  (%s)", stage.id(), run ? "run " : "skip", reason);
  }
}
