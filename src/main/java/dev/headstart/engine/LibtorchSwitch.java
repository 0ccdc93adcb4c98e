package dev.headstart.engine;

import dev.headstart.core.UserException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The one switch between the CPU libtorch of the pytorch-native-cpu jar and a libtorch installed
 * on the machine (a CUDA one, for the GPU): {@code HEADSTART_LIBTORCH=DIR}, or
 * {@code HEADSTART_LIBTORCH=python} (or {@code python:/path/to/python}) for the CUDA torch of
 * that Python. The folder is checked before anything loads libtorch; DJL is then pointed at it
 * through system properties, which its PyTorch engine reads when no environment variable of the
 * same name is set (an exported PYTORCH_LIBRARY_PATH that names another folder is refused, since
 * it would win). Child JVMs get the same folder through their environment.
 */
public final class LibtorchSwitch {
  public static final String VARIABLE = "HEADSTART_LIBTORCH";
  /** The same switch as a system property (-Dheadstart.libtorch=DIR), for embedding and tests. */
  public static final String PROPERTY = "headstart.libtorch";
  public static final String PIP_HINT = "pip install torch==" + EngineVersions.LIBTORCH
      + " --index-url https://download.pytorch.org/whl/" + LibtorchFolder.CUDA_FLAVOR;
  private static final String JNA_PATH = "jna.library.path";

  private static volatile LibtorchFolder installed;
  private static volatile boolean done;
  private static volatile String installedFor;

  private LibtorchSwitch() {}

  /** Finds the torch package folder of a Python, without importing torch (which may start CUDA). */
  @FunctionalInterface
  public interface PythonTorch {
    /** The folder of the torch package; a UserException that says why when there is none. */
    Path torchPackage(String python);
  }

  /** The switch's value: the environment first, then the system property; null when unset. */
  public static String setting() {
    String v = System.getenv(VARIABLE);
    if (v == null || v.isBlank()) v = System.getProperty(PROPERTY);
    return v == null || v.isBlank() ? null : v.trim();
  }

  /**
   * What a value of the switch names: null for unset (the bundled CPU libtorch), else the
   * checked folder. "python" asks for a CUDA build: a CPU-only torch there is refused.
   */
  public static LibtorchFolder resolve(String value, PythonTorch pythons) {
    if (value == null || value.isBlank()) return null;
    String origin = VARIABLE + "=" + value;
    if (value.equals("python") || value.startsWith("python:")) {
      String python = value.equals("python") ? "python3" : value.substring("python:".length());
      Path torch = pythons.torchPackage(python);
      LibtorchFolder f = LibtorchFolder.inspect(torch.resolve("lib"), origin + " (torch of " + python + ")");
      if (!f.isCuda()) {
        throw new UserException(origin + ": the torch of " + python + " in " + torch + " is " + f.version()
            + ", a CPU-only build; a GPU needs torch " + EngineVersions.LIBTORCH + "+" + LibtorchFolder.CUDA_FLAVOR
            + " (" + PIP_HINT + "), or unset " + VARIABLE + " to use the bundled CPU libtorch");
      }
      return f;
    }
    return LibtorchFolder.inspect(Path.of(value).toAbsolutePath().normalize(), origin);
  }

  /**
   * Applies the switch to this process, once, before libtorch loads: checks the folder and sets
   * the variables DJL reads. Every command calls it first; a folder that cannot serve stops it.
   */
  public static synchronized LibtorchFolder install() {
    String setting = setting();
    if (done && java.util.Objects.equals(setting, installedFor)) return installed;
    LibtorchFolder f = resolve(setting, LibtorchSwitch::askPython);
    if (done && NativeEnv.libtorchLoaded()) {
      throw new UserException(VARIABLE + " changed to " + setting + " after libtorch was loaded from "
          + source() + "; set it before the JVM starts");
    }
    if (f != null) {
      for (Map.Entry<String, String> e : f.djlVariables().entrySet()) {
        String env = System.getenv(e.getKey());
        if (env != null && !env.isBlank() && !env.equals(e.getValue())
            && !(e.getKey().equals("PYTORCH_LIBRARY_PATH") && samePath(env, e.getValue()))) {
          throw new UserException(VARIABLE + " names " + f.dir() + ", but the environment sets " + e.getKey() + "="
              + env + ", which DJL would use instead; unset " + e.getKey() + " (headstart sets it from " + VARIABLE
              + ")");
        }
        System.setProperty(e.getKey(), e.getValue());
      }
      addJnaPaths(f.cudaLibraryDirs());
    }
    installed = f;
    installedFor = setting;
    done = true;
    return f;
  }

  /** The installed folder; null while the bundled CPU libtorch is in use (or before install). */
  public static LibtorchFolder installed() {
    return installed;
  }

  /** Where libtorch comes from, in words: for the doctor and provenance. */
  public static String source() {
    LibtorchFolder f = installed;
    return f == null ? "the pytorch-native-cpu jar (CPU only; " + VARIABLE + " unset)" : f.describe();
  }

  /** The environment a child JVM needs to load the same libtorch (nothing for the bundled one). */
  public static Map<String, String> childEnvironment() {
    LibtorchFolder f = installed;
    if (f == null) return Map.of();
    Map<String, String> env = new java.util.LinkedHashMap<>(f.djlVariables());
    // the child resolves nothing again: the folder, not "python", and the checks already passed
    env.put(VARIABLE, f.dir().toString());
    return env;
  }

  private static boolean samePath(String a, String b) {
    try {
      return Path.of(a).toRealPath().equals(Path.of(b).toRealPath());
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private static void addJnaPaths(List<Path> dirs) {
    if (dirs.isEmpty()) return;
    Set<String> paths = new LinkedHashSet<>();
    String now = System.getProperty(JNA_PATH);
    if (now != null && !now.isBlank()) paths.addAll(List.of(now.split(java.io.File.pathSeparator)));
    for (Path d : dirs) paths.add(d.toString());
    System.setProperty(JNA_PATH, String.join(java.io.File.pathSeparator, paths));
  }

  /** The torch package of a Python, found by its import machinery without importing torch. */
  static Path askPython(String python) {
    List<String> cmd = new ArrayList<>(List.of(python, "-c",
        "import importlib.util as u; s = u.find_spec('torch'); "
            + "print(s.submodule_search_locations[0] if s and s.submodule_search_locations else '')"));
    String origin = VARIABLE + "=" + (python.equals("python3") ? "python" : "python:" + python);
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new UserException(origin + ": " + python + " failed (" + out + "); name a Python with torch "
            + EngineVersions.LIBTORCH + "+" + LibtorchFolder.CUDA_FLAVOR + " as python:/path/to/python3, or its "
            + "torch/lib folder as " + VARIABLE + "=DIR");
      }
      String line = out.lines().reduce((a, b) -> b).orElse("");
      if (line.isBlank()) {
        throw new UserException(origin + ": " + python + " has no torch package; install one (" + PIP_HINT
            + "), or set " + VARIABLE + " to a libtorch folder");
      }
      return Path.of(line);
    } catch (IOException e) {
      throw new UserException(origin + ": cannot run " + python + " (" + e.getMessage() + "); install Python with "
          + "torch " + EngineVersions.LIBTORCH + "+" + LibtorchFolder.CUDA_FLAVOR + ", or set " + VARIABLE
          + " to a libtorch folder", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UserException(origin + ": interrupted while asking " + python + " for torch", e);
    }
  }

  /** For tests: forget what was installed (the system properties stay as they are). */
  static synchronized void resetForTest() {
    done = false;
    installed = null;
    installedFor = null;
  }
}
