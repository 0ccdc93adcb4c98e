package dev.headstart.engine;

import dev.headstart.core.UserException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * For bin/headstart: checks HEADSTART_LIBTORCH and prints the folders the dynamic loader should
 * search (the libtorch folder, then a pip torch's CUDA library folders), one per line, so the
 * launcher can put them on LD_LIBRARY_PATH before the JVM that loads libtorch starts. A folder that
 * cannot serve: the message on stderr and exit status 2, the same as every command.
 */
public final class LibtorchEnvMain {
  private LibtorchEnvMain() {}

  public static void main(String[] args) {
    try {
      LibtorchFolder f = LibtorchSwitch.resolve(LibtorchSwitch.setting(), LibtorchSwitch::askPython);
      if (f == null) System.exit(0);
      List<Path> dirs = new ArrayList<>();
      dirs.add(f.dir());
      dirs.addAll(f.cudaLibraryDirs());
      for (Path d : dirs) System.out.println(d);
      System.exit(0);
    } catch (UserException e) {
      System.err.println("error: " + e.getMessage());
      System.exit(2);
    }
  }
}
