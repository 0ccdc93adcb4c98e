package dev.headstart.extract;

import ai.djl.Device;
import dev.headstart.config.BackboneConfig;
import java.nio.file.Path;
import java.util.List;

/**
 * The doctor's child process: loads a backbone's files one after another under the oneDNN cap its
 * parent set and prints each file's known-answer result, one line before and one after, so a crash
 * names the file that caused it.
 *
 * <p>Usage: {@code ProbeMain BASE_DIR URI CARD ROLE...} with roles inference, bf16, trainable; a
 * {@code device=gpu:N} argument runs the roles after it on that GPU (the CPU before it).
 */
public final class ProbeMain {
  public static final String START = "probe start ";
  public static final String RESULT = "probe result ";

  private ProbeMain() {}

  public static void main(String[] args) {
    Path base = Path.of(args[0]);
    BackboneSource source = BackboneLoader.locate(new BackboneConfig(args[1], args[2], "cpu"), base);
    Device device = Device.cpu();
    for (String role : List.of(args).subList(3, args.length)) {
      if (role.startsWith("device=gpu:")) {
        device = Device.gpu(Integer.parseInt(role.substring("device=gpu:".length())));
        continue;
      }
      System.out.println(START + role);
      System.out.flush();
      String line;
      try {
        String precision = role.equals("bf16") ? "bf16" : "fp32";
        Path file = role.equals("trainable") ? source.trainableFile() : source.inferenceFile(precision);
        ProbeResult r = BackboneLoader.probeFile(source, file, role, precision, device);
        line = r == null ? "unchecked - no known answer in the card"
            : (r.passed() ? "ok " : "wrong ") + r.relativeDiff() + " " + r.seconds();
      } catch (RuntimeException e) {
        line = "error - " + String.valueOf(e.getMessage()).replace('\n', ' ');
      }
      System.out.println(RESULT + role + " " + line);
      System.out.flush();
    }
    System.exit(0);
  }
}
