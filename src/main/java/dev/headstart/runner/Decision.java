package dev.headstart.runner;

/**
 * Whether a stage runs this time, and why, in words for --dry-run and the run log.
 *
 * @param replaceOutputs the stage's old outputs were made from other inputs (another backbone,
 *     preprocessing or class list) and must be replaced, not resumed (extract's --overwrite)
 */
public record Decision(PipelineStage stage, boolean run, String reason, boolean replaceOutputs) {
  public Decision(PipelineStage stage, boolean run, String reason) {
    this(stage, run, reason, false);
  }

  @Override
  public String toString() {
    return String.format("%-9s %s  (%s)", stage.id(), run ? "run " : "skip", reason);
  }
}
