package dev.headstart.engine;

import com.sun.jna.NativeLibrary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Turns libtorch's C++ warnings off once it is loaded. Through DJL, libtorch never reads
 * TORCH_CPP_LOG_LEVEL (Python's torch does, at import), so on CPUs that hide their caches every
 * convolution prints NNPACK's "Could not initialize NNPACK! Reason: Unsupported hardware." This
 * sets c10's own log-level flag to ERROR instead, unless TORCH_CPP_LOG_LEVEL asks for more.
 */
public final class QuietLibtorch {
  private static final int GLOG_ERROR = 2;
  private static volatile boolean done;

  private QuietLibtorch() {}

  public static synchronized void apply() {
    if (done) return;
    done = true;
    String wanted = System.getenv(EngineGuard.LOG_VARIABLE);
    if (wanted != null && !wanted.isBlank() && !wanted.equalsIgnoreCase("ERROR")) return;
    Path c10 = loadedLibrary("libc10.so");
    if (c10 == null) return;
    try {
      NativeLibrary lib = NativeLibrary.getInstance(c10.toString());
      lib.getGlobalVariableAddress("FLAGS_caffe2_log_level").setInt(0, GLOG_ERROR);
    } catch (UnsatisfiedLinkError | RuntimeException e) {
      // another libtorch build without the flag: its warnings stay
    }
  }

  private static Path loadedLibrary(String name) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
        int slash = line.indexOf('/');
        if (slash >= 0 && line.endsWith("/" + name)) return Path.of(line.substring(slash));
      }
    } catch (IOException e) {
      return null;
    }
    return null;
  }
}
