package dev.headstart.config;

import java.util.List;

/**
 * The runner: which stages ./run executes, and where it keeps their fingerprints.
 *
 * @param stages stages to run, in any order; the runner orders them by dependency
 * @param state folder of the stage fingerprints that decide what is up to date
 */
public record RunnerConfig(List<String> stages, String state) {
  public static final List<String> KNOWN_STAGES = List.of("extract", "train", "finetune", "report");
  public static final RunnerConfig DEFAULTS = new RunnerConfig(KNOWN_STAGES, "work/state");

  public RunnerConfig {
    for (int i = 0; i < stages.size(); i++) {
      Check.oneOf("run.stages[" + i + "]", stages.get(i), KNOWN_STAGES);
    }
    stages = List.copyOf(stages);
  }
}
