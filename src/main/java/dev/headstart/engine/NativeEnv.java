package dev.headstart.engine;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The process environment as native libraries see it. oneDNN reads ONEDNN_MAX_CPU_ISA and libtorch
 * its log level through getenv when they start, so setting them with the C library's setenv before
 * libtorch is loaded has the same effect as setting them before the JVM starts; Java's own
 * System.getenv keeps its start-up copy, so values set here are remembered here.
 */
public final class NativeEnv {
  private static final Map<String, String> SET_HERE = new ConcurrentHashMap<>();

  private interface LibC extends Library {
    int setenv(String name, String value, int overwrite);
  }

  private NativeEnv() {}

  /** The value native code sees: one set here, else the one the JVM started with. */
  public static String get(String name) {
    String v = SET_HERE.get(name);
    return v != null ? v : System.getenv(name);
  }

  /** True when the JVM started with this variable set (the user's choice, or a parent's). */
  public static boolean givenAtStart(String name) {
    String v = System.getenv(name);
    return v != null && !v.isBlank();
  }

  /**
   * Sets a variable for native code; false when the C library cannot be reached (then the caller
   * re-launches the JVM with it set, or asks the user to).
   */
  public static boolean set(String name, String value) {
    try {
      LibC c = Native.load("c", LibC.class);
      if (c.setenv(name, value, 1) != 0) return false;
      SET_HERE.put(name, value);
      return true;
    } catch (UnsatisfiedLinkError | RuntimeException e) {
      return false;
    }
  }

  /** True once libtorch's CPU library is mapped into this process: from then on oneDNN's cap is fixed. */
  public static boolean libtorchLoaded() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
        if (line.contains("libtorch_cpu")) return true;
      }
      return false;
    } catch (IOException e) {
      return false;
    }
  }
}
