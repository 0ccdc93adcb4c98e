package dev.headstart.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Placeholder until the train stage lands. */
@Command(name = "train", mixinStandardHelpOptions = true, description = "The train stage (not built yet).")
public final class TrainCommand implements Callable<Integer> {
  @Mixin ConfigOptions config;

  @Override
  public Integer call() {
    throw new UserException("train is not built yet");
  }
}
