package dev.headstart.predict;

import dev.headstart.core.UserException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The files predict was given: files as they are, folders walked recursively (any layout, not
 * only an ImageFolder), hidden files left out. Every file is tried; one that is not an image is
 * reported in the output, not dropped.
 */
public final class ImageInputs {
  private ImageInputs() {}

  public static List<Path> expand(List<Path> args) {
    List<Path> files = new ArrayList<>();
    for (Path arg : args) {
      if (Files.isRegularFile(arg)) {
        files.add(arg);
      } else if (Files.isDirectory(arg)) {
        try (Stream<Path> walk = Files.walk(arg)) {
          walk.filter(Files::isRegularFile)
              .filter(p -> !p.getFileName().toString().startsWith("."))
              .sorted()
              .forEach(files::add);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      } else {
        throw new UserException("no such file or folder: " + arg);
      }
    }
    return files;
  }
}
