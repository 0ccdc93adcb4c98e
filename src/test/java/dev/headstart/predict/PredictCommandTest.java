package dev.headstart.predict;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.headstart.cli.Headstart;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * predict on a run the finetune stage really trained (tiny_cnn fixture, two generated classes):
 * its answers for the validation images must be the ones the run recorded in predictions.csv,
 * and bad files must be reported per file without stopping the others.
 */
class PredictCommandTest {
  static final Path BACKBONE = Path.of("src/test/resources/fixtures/backbones/tiny_cnn.pt").toAbsolutePath();

  @TempDir static Path dir;
  static Path run;
  static Path headRun;

  @BeforeAll
  static void trainAFinetuneRun() throws IOException {
    Random rng = new Random(7);
    for (String split : List.of("train", "val")) {
      for (String cls : List.of("dark", "light")) {
        Path folder = Files.createDirectories(dir.resolve("images").resolve(split).resolve(cls));
        for (int i = 0; i < (split.equals("train") ? 12 : 6); i++) {
          ImageIO.write(noisyGrey(cls.equals("dark") ? 50 : 200, rng), "png", folder.resolve(i + ".png").toFile());
        }
      }
    }
    Files.writeString(dir.resolve("pipeline.yaml"), String.join("\n",
        "data:", "  root: images", "backbone:", "  uri: " + BACKBONE,
        "extract:", "  out: features",
        "train:", "  runs: heads", "  epochs: 5",
        "finetune:", "  runs: runs", "  batch_size: 8", ""));
    int code = quietly(() -> Headstart.execute("finetune", "--config", dir.resolve("pipeline.yaml").toString(),
        "--modes", "finetune", "--epochs", "2", "--lr", "0.01"));
    assertThat(code).isZero();
    try (Stream<Path> runs = Files.list(dir.resolve("runs"))) {
      run = runs.filter(p -> p.getFileName().toString().startsWith("finetune-")).findFirst().orElseThrow();
    }
    String yaml = dir.resolve("pipeline.yaml").toString();
    assertThat(quietly(() -> Headstart.execute("extract", "--config", yaml))).isZero();
    assertThat(quietly(() -> Headstart.execute("train", "--config", yaml))).isZero();
    try (Stream<Path> runs = Files.list(dir.resolve("heads"))) {
      headRun = runs.filter(p -> p.getFileName().toString().startsWith("head-")).findFirst().orElseThrow();
    }
  }

  private static BufferedImage noisyGrey(int level, Random rng) {
    BufferedImage img = new BufferedImage(36, 36, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 36; y++) {
      for (int x = 0; x < 36; x++) {
        int v = Math.max(0, Math.min(255, level + (int) (rng.nextGaussian() * 25)));
        img.setRGB(x, y, (v << 16) | (v << 8) | v);
      }
    }
    return img;
  }

  private interface Call {
    int run();
  }

  private static int quietly(Call call) {
    PrintStream old = System.err;
    try {
      System.setErr(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
      return call.run();
    } finally {
      System.setErr(old);
    }
  }

  /** predictions.csv of a run: class/file name -> predicted class name. */
  private static Map<String, String> recorded(Path run) throws IOException {
    Map<String, String> out = new HashMap<>();
    List<String> lines = Files.readAllLines(run.resolve("predictions.csv"));
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",");
      out.put(f[2] + "/" + Path.of(f[0]).getFileName(), f[4]);
    }
    return out;
  }

  @Test
  void predictsWhatTheRunRecordedAndReportsBadFilesPerFile() throws IOException {
    Path extra = Files.createDirectories(dir.resolve("extra"));
    Files.writeString(extra.resolve("notes.txt"), "not an image");
    Files.write(extra.resolve("empty.png"), new byte[0]);
    Path out = dir.resolve("out/predictions.json");

    int code = quietly(() -> Headstart.execute("predict", dir.resolve("images/val").toString(),
        extra.toString(), "--run", run.toString(), "--out", out.toString(), "--top-k", "5"));
    assertThat(code).isZero();

    JsonArray rows = JsonParser.parseString(Files.readString(out)).getAsJsonArray();
    assertThat(rows).hasSize(14);
    Map<String, String> recorded = recorded(run);
    int compared = 0;
    for (JsonElement e : rows) {
      JsonObject row = e.getAsJsonObject();
      Path path = Path.of(row.get("path").getAsString());
      if (path.startsWith(extra)) {
        assertThat(row.get("error").getAsString()).isNotEmpty();
        assertThat(row.get("predicted").getAsString()).isEmpty();
        continue;
      }
      assertThat(row.get("error").getAsString()).isEmpty();
      JsonArray top = row.getAsJsonArray("top_k");
      assertThat(top).hasSize(2); // never more than the run's classes
      double sum = 0;
      for (JsonElement t : top) sum += t.getAsJsonObject().get("probability").getAsDouble();
      assertThat(sum).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
      String key = path.getParent().getFileName() + "/" + path.getFileName();
      assertThat(row.get("predicted").getAsString()).as(key).isEqualTo(recorded.get(key));
      compared++;
    }
    assertThat(compared).isEqualTo(12);
  }

  @Test
  void aHeadRunPredictsWithItsRecordedBackboneAsTrainRecorded() throws IOException {
    Path out = dir.resolve("out/head.csv");
    int code = quietly(() -> Headstart.execute("predict", dir.resolve("images/val").toString(),
        "--run", headRun.toString(), "--out", out.toString()));
    assertThat(code).isZero();
    Map<String, String> recorded = recorded(headRun);
    List<String> lines = Files.readAllLines(out);
    assertThat(lines).hasSize(13);
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",", -1);
      Path path = Path.of(f[0]);
      assertThat(f[1]).as(line).isEqualTo(recorded.get(path.getParent().getFileName() + "/" + path.getFileName()));
      assertThat(f[4]).isEmpty();
    }
  }

  @Test
  void anotherBackboneFileIsRefusedForAHeadRun() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream old = System.err;
    int code;
    try {
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      code = Headstart.execute("predict", dir.resolve("images/val").toString(), "--run", headRun.toString(),
          "--backbone", BACKBONE.resolveSibling("tiny_cnn_spatial.pt").toString());
    } finally {
      System.setErr(old);
    }
    assertThat(code).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("SHA-256 differs");
  }

  @Test
  void csvOnStdoutHasOneLinePerFile() {
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    PrintStream old = System.out;
    int code;
    try {
      System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
      code = quietly(() -> Headstart.execute("predict", dir.resolve("images/val/dark").toString(),
          "--run", run.toString()));
    } finally {
      System.setOut(old);
    }
    assertThat(code).isZero();
    List<String> lines = stdout.toString(StandardCharsets.UTF_8).lines().toList();
    assertThat(lines.get(0)).isEqualTo("path,predicted,probability,top_k,error");
    assertThat(lines).hasSize(7);
  }

  @Test
  void aMissingOrUnfinishedRunIsExplained() throws IOException {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream old = System.err;
    int missing;
    int unfinished;
    Path half = Files.createDirectories(dir.resolve("runs/half"));
    Files.writeString(half.resolve("config.json"), "{}");
    try {
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      missing = Headstart.execute("predict", dir.resolve("images/val").toString(), "--run", "no/such/run");
      unfinished = Headstart.execute("predict", dir.resolve("images/val").toString(), "--run", half.toString());
    } finally {
      System.setErr(old);
    }
    assertThat(missing).isEqualTo(2);
    assertThat(unfinished).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("run folder no/such/run does not exist")
        .contains("has no metrics.json");
  }
}
