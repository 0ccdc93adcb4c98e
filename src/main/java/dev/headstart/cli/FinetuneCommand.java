package dev.headstart.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Placeholder until the finetune stage lands. */
@Command(name = "finetune", mixinStandardHelpOptions = true, description = "The finetune stage (not built yet).")
public final class FinetuneCommand implements Callable<Integer> {
  @Mixin ConfigOptions config;

  @Override
  public Integer call() {
    throw new UserException("finetune is not built yet");
  }
}
