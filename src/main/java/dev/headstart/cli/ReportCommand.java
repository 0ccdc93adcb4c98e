package dev.headstart.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Placeholder until the report stage lands. */
@Command(name = "report", mixinStandardHelpOptions = true, description = "The report stage (not built yet).")
public final class ReportCommand implements Callable<Integer> {
  @Mixin ConfigOptions config;

  @Override
  public Integer call() {
    throw new UserException("report is not built yet");
  }
}
