package dev.headstart.cli;

import dev.headstart.core.UserException;

import dev.headstart.engine.ChildJvm;
import dev.headstart.engine.EngineGuard;
import dev.headstart.engine.SaferEngineNeeded;
import java.io.IOException;
import java.util.List;

/**
 * Runs the same command again in a child JVM with oneDNN capped at a safer instruction set, when
 * this process cannot go on under its own (a backbone's known answer failed after libtorch had
 * loaded, and a cap only takes effect before that). Nothing was written yet: the known-answer
 * check runs before a stage's first output.
 */
final class Relauncher {
  private Relauncher() {}

  static int run(SaferEngineNeeded why, String[] args) {
    System.err.println("headstart: " + why.getMessage() + "; running the command again with oneDNN capped at "
        + why.isa().envValue);
    List<String> cmd = ChildJvm.command(Headstart.class.getName(), List.of(args), true);
    ProcessBuilder pb = ChildJvm.builder(cmd, why.isa()).inheritIO();
    pb.environment().put(EngineGuard.FALLBACK_VARIABLE, why.getMessage());
    try {
      return pb.start().waitFor();
    } catch (IOException e) {
      throw new UserException("could not start a JVM to run the command again (" + e.getMessage() + "); set "
          + EngineGuard.ISA_VARIABLE + "=" + why.isa().envValue + " and run it yourself", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 130;
    }
  }
}
