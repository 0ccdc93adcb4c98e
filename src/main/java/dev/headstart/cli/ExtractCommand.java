package dev.headstart.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Placeholder until the extract stage lands. */
@Command(name = "extract", mixinStandardHelpOptions = true, description = "The extract stage (not built yet).")
public final class ExtractCommand implements Callable<Integer> {
  @Mixin ConfigOptions config;

  @Override
  public Integer call() {
    throw new UserException("extract is not built yet");
  }
}
