package dev.headstart.runner;

import java.util.List;

/**
 * The stages ./run knows, in dependency order: train reads what extract wrote, report reads the
 * runs that train and finetune wrote. finetune reads only the images, like extract.
 */
public enum PipelineStage {
  EXTRACT(List.of()),
  TRAIN(List.of("extract")),
  FINETUNE(List.of()),
  REPORT(List.of("train", "finetune"));

  private final List<String> upstream;

  PipelineStage(List<String> upstream) {
    this.upstream = upstream;
  }

  public String id() {
    return name().toLowerCase();
  }

  /** Stages whose outputs this one reads. */
  public List<String> upstream() {
    return upstream;
  }

  public static PipelineStage of(String id) {
    return valueOf(id.toUpperCase());
  }
}
