package dev.headstart.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstart.cli.Headstart;
import dev.headstart.io.AtomicFiles;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * Run folders made by the real stages, once per test JVM: a generated three-class image folder,
 * ./extract with the tiny_cnn fixture, ./train (one run and a two-point sweep), and ./finetune
 * (finetune and scratch, two epochs), all through {@link Headstart#execute}. Kept under
 * target/report-fixture so a failing test can be looked into.
 */
final class RealRuns {
  static final Path FIXTURES = Path.of("src/test/resources/fixtures/backbones").toAbsolutePath();
  static final List<String> CLASSES = List.of("blue", "green", "<red & co>");
  static final int TRAIN_PER_CLASS = 16;
  static final int VAL_PER_CLASS = 8;
  static final int SIZE = 40;

  private static RealRuns made;

  final Path root;
  final Path yaml;
  final String stderr;

  private RealRuns(Path root, Path yaml, String stderr) {
    this.root = root;
    this.yaml = yaml;
    this.stderr = stderr;
  }

  static synchronized RealRuns get() throws IOException {
    if (made == null) made = make(Path.of("target", "report-fixture").toAbsolutePath());
    return made;
  }

  Path runs() {
    return root.resolve("runs");
  }

  Path reports() {
    return root.resolve("reports");
  }

  private static RealRuns make(Path root) throws IOException {
    AtomicFiles.deleteRecursively(root);
    images(root.resolve("images"));
    Path yaml = root.resolve("pipeline.yaml");
    Files.writeString(yaml, String.join("\n",
        "data:", "  root: images",
        "backbone:", "  uri: " + FIXTURES.resolve("tiny_cnn.pt"),
        "extract:", "  out: features", "  batch_size: 16", "  threads: 2",
        "train:", "  runs: runs", "  epochs: 10", "  lr: 0.05", "  batch_size: 16",
        "finetune:", "  runs: runs", "  modes: [finetune, scratch]", "  epochs: 2", "  batch_size: 8",
        "  lr: 0.01", "  threads: 2",
        "report:", "  runs: runs", "  out: reports", "  gallery: 12", ""));
    String c = yaml.toString();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream old = System.err;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      expectOk(err, Headstart.execute("extract", "--config", c), "extract");
      expectOk(err, Headstart.execute("train", "--config", c), "train");
      expectOk(err, Headstart.execute("train", "--config", c, "--sweep", "lr=0.2,0.01"), "train --sweep");
      expectOk(err, Headstart.execute("finetune", "--config", c), "finetune");
    } finally {
      System.setErr(old);
    }
    return new RealRuns(root, yaml, err.toString(StandardCharsets.UTF_8));
  }

  private static void expectOk(ByteArrayOutputStream err, int code, String stage) {
    assertThat(code).as("%s failed:%n%s", stage, err.toString(StandardCharsets.UTF_8)).isZero();
  }

  /** Classes differ in their dominant colour channel under noise: learnable, not trivially. */
  private static void images(Path root) throws IOException {
    Random rng = new Random(7);
    for (String split : List.of("train", "val")) {
      int n = split.equals("train") ? TRAIN_PER_CLASS : VAL_PER_CLASS;
      for (int c = 0; c < CLASSES.size(); c++) {
        Path dir = Files.createDirectories(root.resolve(split).resolve(CLASSES.get(c)));
        for (int i = 0; i < n; i++) {
          BufferedImage img = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
          int base = 60 + rng.nextInt(120);
          for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
              int[] rgb = new int[3];
              for (int k = 0; k < 3; k++) {
                int v = base + (int) (rng.nextGaussian() * 30) + (k == 2 - c ? 28 : 0);
                rgb[k] = Math.max(0, Math.min(255, v));
              }
              img.setRGB(x, y, (rgb[0] << 16) | (rgb[1] << 8) | rgb[2]);
            }
          }
          ImageIO.write(img, "png", dir.resolve(String.format("%s_%02d.png", split, i)).toFile());
        }
      }
    }
  }
}
