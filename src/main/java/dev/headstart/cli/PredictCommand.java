package dev.headstart.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Placeholder until the predict stage lands. */
@Command(name = "predict", mixinStandardHelpOptions = true, description = "The predict stage (not built yet).")
public final class PredictCommand implements Callable<Integer> {
  @Mixin ConfigOptions config;

  @Override
  public Integer call() {
    throw new UserException("predict is not built yet");
  }
}
