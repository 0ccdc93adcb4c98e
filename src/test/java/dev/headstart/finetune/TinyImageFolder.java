package dev.headstart.finetune;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * A small ImageFolder the tests generate: three classes of 40x40 PNGs that differ in their
 * dominant colour channel, under random brightness and per-pixel noise, so a tiny CNN can learn
 * them in a few epochs but not all at once.
 */
final class TinyImageFolder {
  static final List<String> CLASSES = List.of("blue", "green", "red");
  static final int SIZE = 40;

  private TinyImageFolder() {}

  static Path create(Path root, int trainPerClass, int valPerClass, long seed) throws IOException {
    Random rng = new Random(seed);
    for (String split : List.of("train", "val")) {
      int n = split.equals("train") ? trainPerClass : valPerClass;
      for (int c = 0; c < CLASSES.size(); c++) {
        Path dir = Files.createDirectories(root.resolve(split).resolve(CLASSES.get(c)));
        for (int i = 0; i < n; i++) {
          ImageIO.write(image(c, rng), "png", dir.resolve(String.format("%s_%03d.png", split, i)).toFile());
        }
      }
    }
    return root;
  }

  /** Class c: channel (2 - c) of RGB carries a small extra amount on a noisy grey background. */
  private static BufferedImage image(int c, Random rng) {
    BufferedImage img = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
    int base = 60 + rng.nextInt(120);
    int channel = 2 - c; // blue -> 2, green -> 1, red -> 0 (RGB order)
    for (int y = 0; y < SIZE; y++) {
      for (int x = 0; x < SIZE; x++) {
        int[] rgb = new int[3];
        for (int k = 0; k < 3; k++) {
          int v = base + (int) (rng.nextGaussian() * 30) + (k == channel ? 14 : 0);
          rgb[k] = Math.max(0, Math.min(255, v));
        }
        img.setRGB(x, y, (rgb[0] << 16) | (rgb[1] << 8) | rgb[2]);
      }
    }
    return img;
  }
}
