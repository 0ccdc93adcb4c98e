package dev.headstart.engine;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Before any test touches libtorch, applies this machine's engine check for every workload (the
 * tests extract, train and finetune in one JVM), exactly as the command line does for a command:
 * tests compare with PyTorch on the path the product uses.
 */
public final class EngineSetupListener implements LauncherSessionListener {
  @Override
  public void launcherSessionOpened(LauncherSession session) {
    EngineGuard.prepareAll();
  }
}
