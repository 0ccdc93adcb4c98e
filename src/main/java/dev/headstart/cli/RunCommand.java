package dev.headstart.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Placeholder until the run stage lands. */
@Command(name = "run", mixinStandardHelpOptions = true, description = "The run stage (not built yet).")
public final class RunCommand implements Callable<Integer> {
  @Mixin ConfigOptions config;

  @Override
  public Integer call() {
    throw new UserException("run is not built yet");
  }
}
