package dev.headstart.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstart.core.UserException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HEADSTART_LIBTORCH: folders laid out as a pip torch and a libtorch archive lay them out (empty
 * library files: nothing is loaded), checked and refused with a message that names the folder
 * and what it must hold.
 */
class LibtorchSwitchTest {
  @TempDir Path tmp;

  /** site-packages/torch/lib as pip installs it, with version.py beside lib/. */
  private Path pipTorch(String version, String cuda) throws IOException {
    Path torch = tmp.resolve("site-packages").resolve("torch");
    Path lib = Files.createDirectories(torch.resolve("lib"));
    for (String f : List.of("libtorch.so", "libtorch_cpu.so", "libc10.so")) Files.write(lib.resolve(f), new byte[0]);
    if (cuda != null) {
      Files.write(lib.resolve("libtorch_cuda.so"), new byte[0]);
      Files.write(lib.resolve("libc10_cuda.so"), new byte[0]);
    }
    Files.writeString(torch.resolve("version.py"), "from typing import Optional\n\n"
        + "__all__ = ['__version__', 'debug', 'cuda', 'git_version', 'hip', 'xpu']\n"
        + "__version__ = '" + version + "'\ndebug = False\n"
        + "cuda: Optional[str] = " + (cuda == null ? "None" : "'" + cuda + "'") + "\n"
        + "git_version = 'e2d141dbde55c2a4370fac5165b0561b6af4798b'\nhip: Optional[str] = None\n");
    return lib;
  }

  @Test
  void aPipCudaTorchOfTheRightVersionServesAsCu128() throws IOException {
    Path lib = pipTorch("2.7.1+cu128", "12.8");
    Files.createDirectories(tmp.resolve("site-packages/nvidia/cuda_runtime/lib"));
    Files.createDirectories(tmp.resolve("site-packages/nvidia/cublas/lib"));
    LibtorchFolder f = LibtorchSwitch.resolve(lib.toString(), p -> { throw new AssertionError("no python"); });
    assertThat(f.isCuda()).isTrue();
    assertThat(f.version()).isEqualTo("2.7.1+cu128");
    assertThat(f.djlVariables()).containsExactly(Map.entry("PYTORCH_LIBRARY_PATH", lib.toRealPath().toString()),
        Map.entry("PYTORCH_VERSION", EngineVersions.LIBTORCH), Map.entry("PYTORCH_FLAVOR", "cu128"));
    assertThat(f.cudaLibraryDirs()).extracting(p -> tmp.relativize(p).toString())
        .containsExactly("site-packages/nvidia/cublas/lib", "site-packages/nvidia/cuda_runtime/lib");
  }

  @Test
  void aCpuOnlyFolderServesTheCpuButPythonModeRefusesIt() throws IOException {
    Path lib = pipTorch("2.7.1+cpu", null);
    LibtorchFolder f = LibtorchSwitch.resolve(lib.toString(), p -> null);
    assertThat(f.isCuda()).isFalse();
    assertThat(f.djlVariables()).containsEntry("PYTORCH_FLAVOR", "cpu");
    assertThatThrownBy(() -> LibtorchSwitch.resolve("python:/opt/py/bin/python3", p -> lib.getParent()))
        .isInstanceOf(UserException.class)
        .hasMessageContaining("HEADSTART_LIBTORCH=python:/opt/py/bin/python3")
        .hasMessageContaining("CPU-only")
        .hasMessageContaining("whl/cu128");
  }

  @Test
  void pythonModeFindsTheTorchOfThatPython() throws IOException {
    Path lib = pipTorch("2.7.1+cu128", "12.8");
    LibtorchFolder f = LibtorchSwitch.resolve("python", p -> {
      assertThat(p).isEqualTo("python3");
      return lib.getParent();
    });
    assertThat(f.dir()).isEqualTo(lib.toRealPath());
    assertThat(f.origin()).contains("torch of python3");
  }

  @Test
  void foldersThatCannotServeAreRefusedNamingTheFolderAndWhatIsNeeded() throws IOException {
    Path missing = tmp.resolve("nowhere");
    assertThatThrownBy(() -> LibtorchSwitch.resolve(missing.toString(), p -> null))
        .hasMessageContaining(missing.toString()).hasMessageContaining("is not a folder")
        .hasMessageContaining("libtorch " + EngineVersions.LIBTORCH);

    Path empty = Files.createDirectories(tmp.resolve("empty"));
    assertThatThrownBy(() -> LibtorchSwitch.resolve(empty.toString(), p -> null))
        .hasMessageContaining("HEADSTART_LIBTORCH=" + empty).hasMessageContaining("holds no libtorch.so");

    Path old = pipTorch("2.6.0+cu124", "12.4");
    assertThatThrownBy(() -> LibtorchSwitch.resolve(old.toString(), p -> null))
        .hasMessageContaining("holds libtorch 2.6.0+cu124")
        .hasMessageContaining("built for libtorch " + EngineVersions.LIBTORCH);
  }

  @Test
  void anotherCudaThanTheJniLibraryIsRefused() throws IOException {
    Path cu126 = pipTorch("2.7.1+cu126", "12.6");
    assertThatThrownBy(() -> LibtorchSwitch.resolve(cu126.toString(), p -> null))
        .hasMessageContaining("for CUDA 12.6").hasMessageContaining("CUDA 12.8 (cu128) only");
  }

  @Test
  void aLibtorchArchiveIsReadFromItsBuildVersion() throws IOException {
    Path root = tmp.resolve("libtorch");
    Path lib = Files.createDirectories(root.resolve("lib"));
    for (String f : List.of("libtorch.so", "libtorch_cpu.so", "libc10.so", "libtorch_cuda.so")) {
      Files.write(lib.resolve(f), new byte[0]);
    }
    assertThatThrownBy(() -> LibtorchFolder.inspect(lib, "HEADSTART_LIBTORCH=" + lib))
        .hasMessageContaining("no ../version.py (pip torch) or ../build-version");
    Files.writeString(root.resolve("build-version"), "2.7.1+cu128\n");
    LibtorchFolder f = LibtorchFolder.inspect(lib, "HEADSTART_LIBTORCH=" + lib);
    assertThat(f.cuda()).isEqualTo("12.8");
    assertThat(f.flavor()).isEqualTo("cu128");
  }

  @Test
  void askPythonRunsThePythonAndSaysWhyWhenItHasNoTorch() throws IOException {
    Path torch = pipTorch("2.7.1+cu128", "12.8").getParent();
    Path withTorch = script("with-torch", "#!/bin/sh\necho '" + torch + "'\n");
    assertThat(LibtorchSwitch.askPython(withTorch.toString())).isEqualTo(torch);

    Path without = script("without-torch", "#!/bin/sh\necho ''\n");
    assertThatThrownBy(() -> LibtorchSwitch.askPython(without.toString()))
        .hasMessageContaining("has no torch package").hasMessageContaining("pip install torch==");

    Path broken = script("broken", "#!/bin/sh\necho 'Traceback: boom' >&2\nexit 1\n");
    assertThatThrownBy(() -> LibtorchSwitch.askPython(broken.toString()))
        .hasMessageContaining("failed").hasMessageContaining("boom");

    assertThatThrownBy(() -> LibtorchSwitch.askPython(tmp.resolve("no-python").toString()))
        .hasMessageContaining("cannot run");
  }

  @Test
  void installSetsWhatDjlReadsAndChildrenInheritTheCheckedFolder() throws IOException {
    Path lib = pipTorch("2.7.1+cu128", "12.8");
    Files.createDirectories(tmp.resolve("site-packages/nvidia/cuda_runtime/lib"));
    String jnaBefore = System.getProperty("jna.library.path");
    // as in a fresh process: other tests of this JVM may have loaded the bundled libtorch already
    LibtorchSwitch.resetForTest();
    try {
      System.setProperty(LibtorchSwitch.PROPERTY, lib.toString());
      LibtorchFolder f = LibtorchSwitch.install();
      assertThat(System.getProperty("PYTORCH_LIBRARY_PATH")).isEqualTo(lib.toRealPath().toString());
      assertThat(System.getProperty("PYTORCH_VERSION")).isEqualTo(EngineVersions.LIBTORCH);
      assertThat(System.getProperty("PYTORCH_FLAVOR")).isEqualTo("cu128");
      assertThat(System.getProperty("jna.library.path")).contains("nvidia/cuda_runtime/lib");
      assertThat(LibtorchSwitch.installed()).isEqualTo(f);
      assertThat(LibtorchSwitch.childEnvironment()).containsEntry("PYTORCH_FLAVOR", "cu128")
          .containsEntry(LibtorchSwitch.VARIABLE, lib.toRealPath().toString());
      assertThat(LibtorchSwitch.source()).contains("2.7.1+cu128").contains(lib.toRealPath().toString());
    } finally {
      // this JVM's later tests load the bundled libtorch
      System.clearProperty(LibtorchSwitch.PROPERTY);
      for (String v : List.of("PYTORCH_LIBRARY_PATH", "PYTORCH_VERSION", "PYTORCH_FLAVOR")) System.clearProperty(v);
      if (jnaBefore == null) System.clearProperty("jna.library.path");
      else System.setProperty("jna.library.path", jnaBefore);
      LibtorchSwitch.resetForTest();
      LibtorchSwitch.install();
    }
    assertThat(LibtorchSwitch.installed()).isNull();
    assertThat(LibtorchSwitch.childEnvironment()).isEmpty();
  }

  @Test
  void everyCommandStopsWithExit2NamingABadFolder() throws IOException {
    Path bad = Files.createDirectories(tmp.resolve("not-libtorch"));
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    java.io.PrintStream before = System.err;
    System.setProperty(LibtorchSwitch.PROPERTY, bad.toString());
    try {
      System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
      for (String command : List.of("extract", "train", "finetune", "report", "doctor", "run")) {
        err.reset();
        int code = dev.headstart.cli.Headstart.execute(command, "--config", tmp.resolve("pipeline.yaml").toString());
        assertThat(code).as(command).isEqualTo(2);
        assertThat(err.toString(java.nio.charset.StandardCharsets.UTF_8)).as(command)
            .contains("error: HEADSTART_LIBTORCH=" + bad).contains("holds no libtorch.so");
      }
      err.reset();
      assertThat(dev.headstart.cli.Headstart.execute("extract", "--help")).isZero();
    } finally {
      System.setErr(before);
      System.clearProperty(LibtorchSwitch.PROPERTY);
    }
  }

  @Test
  void theLaunchersHelperPrintsTheLoaderPathsOrStopsWithExit2() throws Exception {
    Path lib = pipTorch("2.7.1+cu128", "12.8");
    Files.createDirectories(tmp.resolve("site-packages/nvidia/cudnn/lib"));
    ProcessBuilder ok = new ProcessBuilder(ChildJvm.command(LibtorchEnvMain.class.getName(), List.of(), false));
    ok.environment().put(LibtorchSwitch.VARIABLE, lib.toString());
    Process p = ok.start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(p.waitFor()).isZero();
    assertThat(out.lines().toList()).containsExactly(lib.toRealPath().toString(),
        tmp.resolve("site-packages/nvidia/cudnn/lib").toRealPath().toString());

    ProcessBuilder bad = new ProcessBuilder(ChildJvm.command(LibtorchEnvMain.class.getName(), List.of(), false));
    bad.environment().put(LibtorchSwitch.VARIABLE, tmp.resolve("nowhere").toString());
    Process q = bad.start();
    String err = new String(q.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(q.waitFor()).isEqualTo(2);
    assertThat(err).contains("error: HEADSTART_LIBTORCH=" + tmp.resolve("nowhere")).contains("is not a folder");
  }

  private Path script(String name, String text) throws IOException {
    Path p = tmp.resolve(name);
    Files.writeString(p, text);
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    return p;
  }
}
