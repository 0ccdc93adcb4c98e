package dev.headstart.cli;

import dev.headstart.core.UserException;

import dev.headstart.config.ConfigException;
import dev.headstart.config.HeadstartVersion;
import dev.headstart.engine.EngineGuard;
import dev.headstart.engine.LibtorchSwitch;
import dev.headstart.engine.SaferEngineNeeded;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The one jar's entry point: each stage is a subcommand, and a top-level executable of its name. */
@Command(
    name = "headstart",
    mixinStandardHelpOptions = true,
    versionProvider = Headstart.Version.class,
    description = {
      "Transfer learning for image classifiers as a batch pipeline: a frozen backbone runs once",
      "over all images (extract), heads train on the cached features in seconds (train), and",
      "end-to-end baselines (finetune) and a report (report) say which approach wins.",
      "",
      "Every stage reads pipeline.yaml; any key can be overridden with --set section.key=value.",
      "",
      "On a GPU: HEADSTART_LIBTORCH=DIR (a folder holding a CUDA libtorch 2.7.1+cu128, such as a",
      "pip torch's torch/lib) or HEADSTART_LIBTORCH=python (the CUDA torch of python3;",
      "python:/path/to/python for another); backbone.device auto then uses every GPU. The folder",
      "is checked before any command runs (exit 2 when it cannot serve). README: On a GPU."
    },
    subcommands = {
      ExtractCommand.class,
      TrainCommand.class,
      FinetuneCommand.class,
      ReportCommand.class,
      PredictCommand.class,
      RunCommand.class,
      DoctorCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Headstart implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.err);
  }

  public static void main(String[] args) {
    EngineGuard.allowRelaunch();
    System.exit(execute(args));
  }

  /** Runs a command line and returns its exit code (tests call this instead of main). */
  public static int execute(String... args) {
    Logging.configure(args);
    CommandLine cli = new CommandLine(new Headstart());
    cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
      if (ex instanceof SaferEngineNeeded safer) {
        if (EngineGuard.relaunchAllowed()) return Relauncher.run(safer, args);
        commandLine.getErr().println("error: " + ex.getMessage() + "; set " + EngineGuard.ISA_VARIABLE + "="
            + safer.isa().envValue + " before the JVM starts");
        return 2;
      }
      if (ex instanceof ConfigException || ex instanceof UserException) {
        commandLine.getErr().println("error: " + ex.getMessage());
        return 2;
      }
      throw ex;
    });
    cli.setExecutionStrategy(parseResult -> {
      // a libtorch folder that cannot serve stops every command before it does anything (help aside)
      if (!helpAsked(parseResult)) {
        try {
          LibtorchSwitch.install();
        } catch (UserException e) {
          throw new CommandLine.ExecutionException(cli, e.getMessage(), e);
        }
      }
      return new CommandLine.RunLast().execute(parseResult);
    });
    return cli.execute(args);
  }

  private static boolean helpAsked(CommandLine.ParseResult r) {
    for (CommandLine.ParseResult p = r; p != null; p = p.subcommand()) {
      if (p.isUsageHelpRequested() || p.isVersionHelpRequested()) return true;
      if (p.commandSpec().userObject() instanceof CommandLine.HelpCommand) return true;
    }
    return false;
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"headstart " + HeadstartVersion.VERSION};
    }
  }
}
