package dev.headstart.engine;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a main class in a child JVM under a oneDNN cap and reads its one protocol: a line
 * {@code <start>NAME...} before each piece of work and {@code <result>NAME...} after it. When the
 * child dies, the piece it had started is the one that killed it, and the JVM's own crash report
 * says with which signal in which native frame. The engine check and the doctor both work this way.
 *
 * @param results what followed the result prefix, one entry per finished piece
 * @param diedIn what followed the start prefix of the piece running when the child died; null when
 *     it ended normally (or died between pieces)
 * @param exit the child's exit status
 * @param crash the signal and native frame from the JVM's crash report, or a timeout; empty if none
 */
public record CrashSafeChild(List<String> results, String diedIn, int exit, String crash) {

  public boolean died() {
    return exit != 0;
  }

  /** "exit 134: SIGFPE (0x8) at pc=...; C [libtorch_cpu.so+...] ..." */
  public String detail() {
    return "exit " + exit + (crash.isEmpty() ? "" : ": " + crash);
  }

  public static CrashSafeChild run(String mainClass, List<String> args, Isa isa, Path errorDir,
      String startPrefix, String resultPrefix, long timeoutSeconds) throws IOException {
    List<String> cmd = ChildJvm.command(mainClass, args, false);
    cmd.add(1, "-XX:ErrorFile=" + errorDir.resolve("hs_err_%p.log"));
    cmd.add(2, "-XX:-CreateCoredumpOnCrash");
    Process p = ChildJvm.builder(cmd, isa).redirectErrorStream(true).start();
    List<String> results = new ArrayList<>();
    String started = null;
    StringBuilder crash = new StringBuilder();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.startsWith(startPrefix)) {
          started = line.substring(startPrefix.length());
        } else if (line.startsWith(resultPrefix)) {
          results.add(line.substring(resultPrefix.length()));
          started = null;
        } else if ((line.matches("^#\\s+SIG.*") || line.startsWith("# C  [")) && crash.length() < 600) {
          crash.append(crash.length() > 0 ? "; " : "").append(line.replaceFirst("^#\\s*", ""));
        }
      }
    }
    try {
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        crash.append(crash.length() > 0 ? "; " : "").append("timed out after ").append(timeoutSeconds).append(" s");
      }
      int exit = p.waitFor();
      return new CrashSafeChild(List.copyOf(results), exit == 0 ? null : started, exit, crash.toString());
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("child process interrupted", e);
    }
  }
}
