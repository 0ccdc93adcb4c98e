package dev.headstart.predict;

import dev.headstart.core.UserException;
import dev.headstart.extract.BackboneLoader;
import dev.headstart.io.Json;
import dev.headstart.runs.RunConfig;
import dev.headstart.runs.RunLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens a run folder as a classifier, whatever trained it. */
public final class RunClassifiers {
  private RunClassifiers() {}

  public static RunClassifier open(Path runDir, String backboneOverride, String device) throws IOException {
    if (!Files.isDirectory(runDir)) {
      throw new UserException("run folder " + runDir + " does not exist; give one of the folders under "
          + "runs/ (./train and ./finetune write them)");
    }
    if (!Files.isRegularFile(runDir.resolve(RunLayout.METRICS))) {
      throw new UserException("run folder " + runDir + " has no " + RunLayout.METRICS
          + ": it is half-written or from an interrupted run; train it again");
    }
    RunConfig config;
    try {
      config = Json.read(runDir.resolve(RunLayout.CONFIG), RunConfig.class);
    } catch (IOException e) {
      throw new UserException("run folder " + runDir + ": " + e.getMessage(), e);
    }
    String method = config.method() == null ? "" : config.method();
    return switch (method) {
      case "head" -> HeadRunClassifier.open(runDir, config, backboneOverride, device);
      case "finetune", "partial", "scratch" ->
          FinetunedRunClassifier.open(runDir, BackboneLoader.singleDevice("--device", device));
      default -> throw new UserException("run folder " + runDir + " has method '" + method
          + "' in config.json; predict knows head, finetune, partial and scratch runs");
    };
  }
}
