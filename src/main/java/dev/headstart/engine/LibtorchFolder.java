package dev.headstart.engine;

import dev.headstart.core.UserException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A libtorch installed on the machine (a pip torch's {@code torch/lib}, or an unpacked libtorch
 * archive's {@code lib}), checked before anything loads it: it holds libtorch, it is the version
 * this build's JNI library was made for, and, for a CUDA build, the CUDA flavour DJL ships a JNI
 * library for. The version comes from the files beside the folder ({@code ../version.py} of a pip
 * torch, {@code ../build-version} of a libtorch archive), so nothing has to be loaded to know it.
 *
 * @param dir the folder holding libtorch.so
 * @param version the full version string, e.g. "2.7.1+cu128"
 * @param cuda the CUDA version it was built for, e.g. "12.8"; null for a CPU-only build
 * @param origin how it was chosen, for messages and the doctor
 */
public record LibtorchFolder(Path dir, String version, String cuda, String origin) {
  /** The only CUDA flavour whose JNI library pytorch-jni-2.7.1-0.36.0.jar carries for linux-x86_64. */
  public static final String CUDA_FLAVOR = "cu128";
  public static final String CUDA_VERSION = "12.8";

  private static final Pattern PY_VERSION = Pattern.compile("(?m)^__version__\\s*(?::[^=]*)?=\\s*['\"]([^'\"]+)['\"]");
  private static final Pattern PY_CUDA = Pattern.compile("(?m)^cuda\\s*(?::[^=]*)?=\\s*['\"]([^'\"]+)['\"]");
  private static final Pattern CU_SUFFIX = Pattern.compile("\\+cu(\\d+)(\\d)$");

  /** True when it can drive a GPU. */
  public boolean isCuda() {
    return cuda != null;
  }

  /** DJL's name for the build: cu128 or cpu. */
  public String flavor() {
    return isCuda() ? CUDA_FLAVOR : "cpu";
  }

  /**
   * The variables DJL's PyTorch engine reads (as environment variables or system properties)
   * to load this libtorch instead of the one in its native jar.
   */
  public Map<String, String> djlVariables() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("PYTORCH_LIBRARY_PATH", dir.toString());
    m.put("PYTORCH_VERSION", EngineVersions.LIBTORCH);
    m.put("PYTORCH_FLAVOR", flavor());
    return m;
  }

  /**
   * Folders of the CUDA runtime libraries that come with a pip torch (site-packages/nvidia/x/lib):
   * libtorch finds them through its RPATH, but DJL looks libcudart up by name to count GPUs.
   */
  public List<Path> cudaLibraryDirs() {
    List<Path> dirs = new ArrayList<>();
    Path nvidia = dir.getParent() == null || dir.getParent().getParent() == null ? null
        : dir.getParent().getParent().resolve("nvidia");
    if (nvidia != null && Files.isDirectory(nvidia)) {
      try (Stream<Path> s = Files.list(nvidia)) {
        s.map(p -> p.resolve("lib")).filter(Files::isDirectory).sorted().forEach(dirs::add);
      } catch (IOException e) {
        // no pip CUDA libraries: a libtorch archive or a system CUDA, found by the loader itself
      }
    }
    return dirs;
  }

  /** "2.7.1+cu128 (CUDA 12.8) in DIR, from HEADSTART_LIBTORCH". */
  public String describe() {
    return version + (isCuda() ? " (CUDA " + cuda + ")" : " (CPU only)") + " in " + dir + ", from " + origin;
  }

  /**
   * Checks a folder and says what it holds, or why it cannot serve.
   *
   * @param origin how the folder was named ("HEADSTART_LIBTORCH=...")
   */
  public static LibtorchFolder inspect(Path dir, String origin) {
    String what = origin + ": " + dir;
    String need = "; it must be a folder holding libtorch " + EngineVersions.LIBTORCH
        + " (libtorch.so, libtorch_cpu.so), such as a pip torch==" + EngineVersions.LIBTORCH
        + "+" + CUDA_FLAVOR + "'s site-packages/torch/lib (" + LibtorchSwitch.PIP_HINT + ")";
    if (!Files.isDirectory(dir)) throw new UserException(what + " is not a folder" + need);
    Path real;
    try {
      real = dir.toRealPath();
    } catch (IOException e) {
      throw new UserException(what + " cannot be read (" + e.getMessage() + ")" + need, e);
    }
    for (String lib : List.of("libtorch.so", "libtorch_cpu.so", "libc10.so")) {
      if (!Files.isRegularFile(real.resolve(lib))) {
        throw new UserException(what + " holds no " + lib + need);
      }
    }
    String[] found = readVersion(real);
    if (found == null) {
      throw new UserException(what + " holds libtorch, but no ../version.py (pip torch) or ../build-version "
          + "(libtorch archive) says which version" + need);
    }
    String version = found[0];
    String base = version.contains("+") ? version.substring(0, version.indexOf('+')) : version;
    if (!base.equals(EngineVersions.LIBTORCH)) {
      throw new UserException(what + " holds libtorch " + version + ", but this headstart's DJL " + EngineVersions.DJL
          + " JNI library is built for libtorch " + EngineVersions.LIBTORCH + need);
    }
    boolean cudaLibs = Files.isRegularFile(real.resolve("libtorch_cuda.so"));
    String cuda = found[1];
    if (cuda == null && cudaLibs) cuda = cudaFromSuffix(version);
    if (!cudaLibs) cuda = null;
    if (cudaLibs && cuda == null) {
      throw new UserException(what + " holds a CUDA libtorch (libtorch_cuda.so) of unknown CUDA version" + need);
    }
    if (cuda != null && !cuda.equals(CUDA_VERSION)) {
      throw new UserException(what + " holds libtorch " + version + " for CUDA " + cuda + ", but DJL "
          + EngineVersions.DJL + " ships its JNI library for CUDA " + CUDA_VERSION + " (" + CUDA_FLAVOR
          + ") only" + need);
    }
    return new LibtorchFolder(real, version, cuda, origin);
  }

  /** {version, cuda or null} from the files beside the folder; null when there are none. */
  static String[] readVersion(Path dir) {
    Path parent = dir.getParent();
    if (parent == null) return null;
    try {
      Path py = parent.resolve("version.py");
      if (Files.isRegularFile(py)) {
        String text = Files.readString(py);
        Matcher v = PY_VERSION.matcher(text);
        if (!v.find()) return null;
        Matcher c = PY_CUDA.matcher(text);
        return new String[] {v.group(1), c.find() ? c.group(1) : null};
      }
      Path build = parent.resolve("build-version");
      if (Files.isRegularFile(build)) {
        String v = Files.readString(build).trim();
        return v.isEmpty() ? null : new String[] {v, null};
      }
    } catch (IOException e) {
      return null;
    }
    return null;
  }

  /** "2.7.1+cu128" -> "12.8"; null without a +cuNNN suffix. */
  static String cudaFromSuffix(String version) {
    Matcher m = CU_SUFFIX.matcher(version);
    return m.find() ? m.group(1) + "." + m.group(2) : null;
  }
}
