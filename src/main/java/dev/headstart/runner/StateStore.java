package dev.headstart.runner;

import dev.headstart.io.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** The runner's memory: one JSON file per stage in run.state (default work/state). */
public final class StateStore {
  private final Path dir;

  public StateStore(Path dir) {
    this.dir = dir;
  }

  public Optional<StageState> read(PipelineStage stage) {
    Path file = file(stage);
    if (!Files.isRegularFile(file)) return Optional.empty();
    try {
      return Optional.of(Json.read(file, StageState.class));
    } catch (IOException e) {
      // An unreadable state file only means the stage runs again; nothing is lost.
      return Optional.empty();
    }
  }

  public void write(StageState state) throws IOException {
    Json.writeFile(file(PipelineStage.of(state.stage())), state);
  }

  public void forget(PipelineStage stage) throws IOException {
    Files.deleteIfExists(file(stage));
  }

  private Path file(PipelineStage stage) {
    return dir.resolve(stage.id() + ".json");
  }
}
