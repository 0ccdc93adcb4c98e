package dev.headstart.extract;

import java.io.IOException;

/**
 * Whether an image folder may hold files the last extract did not see, from its folders'
 * modification times alone (a folder's time changes when a file is added to it, removed or
 * renamed): the root, its splits and their classes, a few stat calls where hashing would read
 * every file's. A guess for starting work early, never for skipping any: a file rewritten in
 * place leaves its folder's time alone and is found by hashing as before.
 */
final class FolderChanges {
  private FolderChanges() {}

  /** True when a folder of the top two levels changed after {@code millis}, or cannot be read. */
  static boolean since(ImageFiles files, long millis) {
    try {
      if (files.stat("").mtimeMillis() > millis) return true;
      for (String split : files.subfolders("")) {
        if (files.stat(split).mtimeMillis() > millis) return true;
        for (String cls : files.subfolders(split)) {
          if (files.stat(ImageFiles.child(split, cls)).mtimeMillis() > millis) return true;
        }
      }
      return false;
    } catch (IOException | RuntimeException e) {
      return true;
    }
  }
}
