package dev.headstart.engine;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A command line that starts another JVM on this one's classpath: for the engine check's children
 * (a native crash there kills only them) and for re-running a command under a safer oneDNN cap.
 */
public final class ChildJvm {
  private ChildJvm() {}

  /** The java executable running this process. */
  public static String javaExecutable() {
    return ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  /**
   * java, this JVM's options (heap, system properties; not class-data archiving, which the parent
   * writes), its classpath, then the main class and its arguments.
   */
  public static List<String> command(String mainClass, List<String> args, boolean inheritJvmOptions) {
    List<String> cmd = new ArrayList<>();
    cmd.add(javaExecutable());
    if (inheritJvmOptions) {
      for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
        if (a.startsWith("-XX:ArchiveClassesAtExit") || a.startsWith("-agentlib:jdwp")
            || a.startsWith("-javaagent")) {
          continue;
        }
        cmd.add(a);
      }
    } else {
      cmd.add("-Xmx2g");
      cmd.add("-Dai.djl.offline=true");
      cmd.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
      cmd.add("-Dorg.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils=error");
    }
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(mainClass);
    cmd.addAll(args);
    return cmd;
  }

  /** A process builder for the command with oneDNN capped at isa. */
  public static ProcessBuilder builder(List<String> command, Isa isa) {
    ProcessBuilder pb = new ProcessBuilder(command);
    Map<String, String> env = pb.environment();
    env.put(EngineGuard.ISA_VARIABLE, isa.envValue);
    // the same libtorch as this process, already checked
    env.putAll(LibtorchSwitch.childEnvironment());
    return pb;
  }
}
