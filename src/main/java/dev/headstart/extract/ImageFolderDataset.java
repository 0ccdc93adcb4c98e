package dev.headstart.extract;

import dev.headstart.core.UserException;
import dev.headstart.config.DataConfig;
import dev.headstart.features.Manifest.SkippedFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

/**
 * An ImageFolder tree, {@code <root>/<split>/<class>/<image>}, as torchvision's ImageFolder
 * reads it: splits train, val and (optionally) test; the class list is the sorted class folders
 * of train, and every split uses the same label ids. Without a val folder, a deterministic
 * stratified share of each training class is held out as val (data.val_fraction, data.split_seed);
 * without a test folder, data.test_fraction of each class is held out as test the same way.
 *
 * <p>Hidden files and folders are ignored. Files whose extension is not an image's, files of a
 * class that train does not have, and empty class folders are not fatal: they are listed in
 * {@link #skipped()} with the reason, for the manifest.
 */
public final class ImageFolderDataset {
  public static final String TRAIN = "train";
  public static final String VAL = "val";
  public static final String TEST = "test";
  public static final Set<String> IMAGE_EXTENSIONS =
      Set.of("jpg", "jpeg", "png", "bmp", "gif", "webp", "tif", "tiff");

  private final Path root;
  private final List<String> classes;
  private final Map<String, List<ImageEntry>> splits;
  private final List<SkippedFile> skipped;
  private final boolean valHeldOut;

  private ImageFolderDataset(Path root, List<String> classes, Map<String, List<ImageEntry>> splits,
      List<SkippedFile> skipped, boolean valHeldOut) {
    this.root = root;
    this.classes = List.copyOf(classes);
    this.splits = Collections.unmodifiableMap(splits);
    this.skipped = List.copyOf(skipped);
    this.valHeldOut = valHeldOut;
  }

  public static ImageFolderDataset scan(Path root, DataConfig data) {
    return scan(root, data.valFraction(), data.splitSeed(), data.testFraction());
  }

  /**
   * The class list scan would give (train/ subfolders with at least one image, sorted), without
   * splitting anything: what the runner fingerprints. Empty: no train/ folder.
   */
  public static List<String> classes(Path root) {
    Path trainDir = root.resolve(TRAIN);
    if (!Files.isDirectory(trainDir)) return List.of();
    List<String> classes = new ArrayList<>();
    for (Path classDir : subfolders(trainDir)) {
      if (!images(root, classDir, TRAIN, new ArrayList<>()).isEmpty()) classes.add(classDir.getFileName().toString());
    }
    return classes;
  }

  public static ImageFolderDataset scan(Path root, double valFraction, long splitSeed) {
    return scan(root, valFraction, splitSeed, 0);
  }

  /**
   * @param testFraction share of each train class held out as test when there is no test/ folder
   *     (first, so the val hold-out is the same share of what remains)
   */
  public static ImageFolderDataset scan(Path root, double valFraction, long splitSeed, double testFraction) {
    if (!Files.isDirectory(root)) {
      throw new UserException("data.root: " + root + " is not a folder; expected an ImageFolder tree "
          + "<root>/train/<class>/<image> (set data.root in pipeline.yaml or --data)");
    }
    Path trainDir = root.resolve(TRAIN);
    if (!Files.isDirectory(trainDir)) {
      throw new UserException("data.root: " + root + " has no train/ folder; expected "
          + "<root>/train/<class>/<image> (and val/<class>/<image>, or a held-out share of train)");
    }
    List<SkippedFile> skipped = new ArrayList<>();
    List<String> classes = new ArrayList<>();
    Map<String, List<Path>> trainFiles = new LinkedHashMap<>();
    for (Path classDir : subfolders(trainDir)) {
      String name = classDir.getFileName().toString();
      List<Path> images = images(root, classDir, TRAIN, skipped);
      if (images.isEmpty()) {
        skipped.add(new SkippedFile(relative(root, classDir) + "/", TRAIN,
            "empty class folder: no images, so class '" + name + "' is left out"));
        continue;
      }
      classes.add(name);
      trainFiles.put(name, images);
    }
    if (classes.isEmpty()) {
      throw new UserException("data.root: " + trainDir + " has no class folder with images; expected "
          + "train/<class>/<image> with at least one class");
    }
    skipLooseFiles(root, trainDir, TRAIN, skipped);

    Map<String, List<ImageEntry>> splits = new LinkedHashMap<>();
    List<ImageEntry> train = new ArrayList<>();
    List<ImageEntry> val = new ArrayList<>();
    List<ImageEntry> test = new ArrayList<>();
    boolean hasVal = Files.isDirectory(root.resolve(VAL));
    boolean hasTest = Files.isDirectory(root.resolve(TEST));
    boolean testHeldOut = !hasTest && testFraction > 0;
    for (int label = 0; label < classes.size(); label++) {
      String name = classes.get(label);
      List<ImageEntry> entries = new ArrayList<>();
      for (Path f : trainFiles.get(name)) entries.add(new ImageEntry(f, relative(root, f), TRAIN, label, name));
      if (testHeldOut) {
        List<ImageEntry> rest = new ArrayList<>();
        // a seed of its own: the test share must not be the val share's first images
        holdOut(entries, testFraction, ~splitSeed, TEST, rest, test);
        entries = rest;
      }
      if (hasVal) {
        train.addAll(entries);
      } else {
        holdOut(entries, valFraction, splitSeed, VAL, train, val);
      }
    }
    splits.put(TRAIN, train);
    if (hasVal) {
      splits.put(VAL, otherSplit(root, VAL, classes, skipped));
    } else {
      splits.put(VAL, val);
    }
    if (hasTest) splits.put(TEST, otherSplit(root, TEST, classes, skipped));
    else if (testHeldOut) splits.put(TEST, test);
    return new ImageFolderDataset(root, classes, splits, skipped, !hasVal);
  }

  /**
   * Moves round(n * fraction) images of one class (at least one stays in train) to the split
   * {@code to}: a seeded shuffle of the sorted list, seeded by the class name so that adding a
   * class does not change the hold-out of the others.
   */
  private static void holdOut(List<ImageEntry> entries, double fraction, long seed, String to,
      List<ImageEntry> train, List<ImageEntry> val) {
    List<ImageEntry> shuffled = new ArrayList<>(entries);
    Collections.shuffle(shuffled, new Random(seed * 1_000_003L + entries.get(0).labelName().hashCode()));
    int nVal = Math.min((int) Math.round(entries.size() * fraction), entries.size() - 1);
    Set<String> held = new HashSet<>();
    for (ImageEntry e : shuffled.subList(0, nVal)) held.add(e.path());
    // both parts keep the sorted order of the folder
    for (ImageEntry e : entries) {
      if (held.contains(e.path())) {
        val.add(new ImageEntry(e.file(), e.path(), to, e.label(), e.labelName()));
      } else {
        train.add(e);
      }
    }
  }

  private static List<ImageEntry> otherSplit(Path root, String split, List<String> classes,
      List<SkippedFile> skipped) {
    Path dir = root.resolve(split);
    List<ImageEntry> out = new ArrayList<>();
    for (Path classDir : subfolders(dir)) {
      String name = classDir.getFileName().toString();
      int label = classes.indexOf(name);
      List<Path> images = images(root, classDir, split, skipped);
      if (label < 0) {
        for (Path f : images) {
          skipped.add(new SkippedFile(relative(root, f), split, "class '" + name
              + "' has no images in train/, so it has no label (classes come from train)"));
        }
        continue;
      }
      if (images.isEmpty()) {
        skipped.add(new SkippedFile(relative(root, classDir) + "/", split, "empty class folder: no images"));
      }
      for (Path f : images) out.add(new ImageEntry(f, relative(root, f), split, label, name));
    }
    skipLooseFiles(root, dir, split, skipped);
    return out;
  }

  /** Image files under a class folder (nested folders included, as ImageFolder), sorted. */
  private static List<Path> images(Path root, Path classDir, String split, List<SkippedFile> skipped) {
    List<Path> images = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(classDir)) {
      for (Path f : walk.filter(Files::isRegularFile).sorted().toList()) {
        if (isHidden(classDir, f)) continue;
        String ext = extension(f);
        if (IMAGE_EXTENSIONS.contains(ext)) {
          images.add(f);
        } else {
          skipped.add(new SkippedFile(relative(root, f), split, "not an image file (extension '"
              + (ext.isEmpty() ? "none" : "." + ext) + "'; images are " + String.join(", ", sortedExtensions()) + ")"));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + classDir + ": " + e.getMessage(), e);
    }
    return images;
  }

  private static void skipLooseFiles(Path root, Path splitDir, String split, List<SkippedFile> skipped) {
    try (Stream<Path> list = Files.list(splitDir)) {
      for (Path f : list.filter(Files::isRegularFile).sorted().toList()) {
        if (f.getFileName().toString().startsWith(".")) continue;
        skipped.add(new SkippedFile(relative(root, f), split,
            "not in a class folder (expected " + split + "/<class>/<image>)"));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + splitDir + ": " + e.getMessage(), e);
    }
  }

  private static List<Path> subfolders(Path dir) {
    try (Stream<Path> list = Files.list(dir)) {
      return list.filter(Files::isDirectory)
          .filter(p -> !p.getFileName().toString().startsWith("."))
          .sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
    }
  }

  private static boolean isHidden(Path base, Path file) {
    for (Path part : base.relativize(file)) {
      if (part.toString().startsWith(".")) return true;
    }
    return false;
  }

  private static String extension(Path f) {
    String name = f.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
  }

  private static List<String> sortedExtensions() {
    return IMAGE_EXTENSIONS.stream().sorted().toList();
  }

  private static String relative(Path root, Path f) {
    return root.relativize(f).toString().replace('\\', '/');
  }

  public Path root() {
    return root;
  }

  /** Class names, sorted; a label is an index into this list. */
  public List<String> classes() {
    return classes;
  }

  /** Split names present (train, val, and test when there is a test folder), in that order. */
  public List<String> splitNames() {
    return List.copyOf(splits.keySet());
  }

  public List<ImageEntry> split(String name) {
    return splits.getOrDefault(name, List.of());
  }

  /** Files and folders that were not used, with the reason. */
  public List<SkippedFile> skipped() {
    return skipped;
  }

  /** True when val was held out of train (no val/ folder). */
  public boolean valHeldOut() {
    return valHeldOut;
  }
}
