package dev.headstart.report;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import javax.imageio.ImageIO;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.Row;
import tech.tablesaw.api.Table;

/**
 * Validation images of one run with their predicted and true labels, as base64 PNG thumbnails so
 * the page needs no files beside it. Mistakes come first (up to half the gallery), since they are
 * what a reader wants to look at; the rest are correct predictions. Both are taken from each
 * true class in turn, so every class shows up.
 */
final class Gallery {
  static final int THUMB = 96;

  /** One tile: the image as a data: URI, or empty when the file could not be found or read. */
  record Tile(String path, String trueLabel, String predictedLabel, double probability, boolean correct,
      Optional<String> dataUri) {}

  private Gallery() {}

  /**
   * @param roots folders a relative prediction path may be relative to, tried in order
   */
  static List<Tile> of(LoadedRun run, int size, List<Path> roots) {
    Table p = run.predictions();
    if (size == 0 || p.isEmpty()) return List.of();
    Table wrong = acrossClasses(p.where(p.booleanColumn("correct").isFalse()));
    Table right = acrossClasses(p.where(p.booleanColumn("correct").isTrue()));
    int nWrong = Math.min(wrong.rowCount(), Math.max(size / 2, size - right.rowCount()));
    Table chosen = wrong.first(nWrong).append(right.first(size - nWrong));
    List<Tile> tiles = new ArrayList<>();
    for (Row r : chosen) {
      String path = r.getString("path");
      tiles.add(new Tile(path, r.getString("label_name"), r.getString("predicted_name"),
          r.getDouble("probability"), r.getBoolean("correct"), resolve(path, roots).flatMap(Gallery::thumbnail)));
    }
    return tiles;
  }

  /** The rows reordered so that the first k hold one image of each class: class 0's first, class 1's first, ... */
  static Table acrossClasses(Table predictions) {
    Table sorted = predictions.sortOn("label", "path");
    IntColumn label = sorted.intColumn("label");
    // rank of each row within its class, then sort on (rank, label)
    IntColumn rank = IntColumn.create("rank_in_class");
    int previous = Integer.MIN_VALUE;
    int r = 0;
    for (int i = 0; i < sorted.rowCount(); i++) {
      r = label.getInt(i) == previous ? r + 1 : 0;
      previous = label.getInt(i);
      rank.append(r);
    }
    sorted.addColumns(rank);
    return sorted.sortOn("rank_in_class", "label");
  }

  static Optional<Path> resolve(String path, List<Path> roots) {
    try {
      Path p = Path.of(path);
      if (p.isAbsolute()) return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
      for (Path root : roots) {
        Path candidate = root.resolve(p);
        if (Files.isRegularFile(candidate)) return Optional.of(candidate);
      }
    } catch (InvalidPathException e) {
      // a path from another OS: shown by name only
    }
    return Optional.empty();
  }

  private static Optional<String> thumbnail(Path file) {
    try {
      BufferedImage img = ImageIO.read(file.toFile());
      if (img == null) return Optional.empty();
      double scale = (double) THUMB / Math.max(img.getWidth(), img.getHeight());
      int w = Math.max(1, (int) Math.round(img.getWidth() * scale));
      int h = Math.max(1, (int) Math.round(img.getHeight() * scale));
      BufferedImage thumb = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
      Graphics2D g = thumb.createGraphics();
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.drawImage(img, 0, 0, w, h, null);
      g.dispose();
      ByteArrayOutputStream png = new ByteArrayOutputStream();
      ImageIO.write(thumb, "png", png);
      return Optional.of("data:image/png;base64," + Base64.getEncoder().encodeToString(png.toByteArray()));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
