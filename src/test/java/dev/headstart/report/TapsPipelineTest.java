package dev.headstart.report;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;
import tech.tablesaw.io.csv.CsvReadOptions;

/**
 * Taps through the commands a user types: ./extract once with a backbone exported with taps
 * (tiny_cnn_taps), ./train --sweep over the taps and a concatenation, ./train on one tap,
 * ./predict with a head of a concatenation, ./report. Values are checked against the runs' own
 * config.json and metrics.json, read here independently of the stages' code.
 */
class TapsPipelineTest {
  @TempDir static Path dir;
  static final Path BACKBONES = Path.of("src/test/resources/fixtures/backbones").toAbsolutePath();
  static final Map<String, Integer> DIMS = Map.of("features.0", 16, "features.1", 40, "features.2", 32,
      "features.1+features.2", 72);
  static int sweepCode;
  static int singleCode;

  @BeforeAll
  static void extractOnceAndSweepTheTaps() throws IOException {
    Random rng = new Random(11);
    for (String split : List.of("train", "val")) {
      for (String cls : List.of("dark", "mid", "light")) {
        Path folder = Files.createDirectories(dir.resolve("images").resolve(split).resolve(cls));
        int level = cls.equals("dark") ? 90 : cls.equals("mid") ? 128 : 166;
        for (int i = 0; i < (split.equals("train") ? 16 : 8); i++) {
          ImageIO.write(noisyGrey(level, rng), "png", folder.resolve(i + ".png").toFile());
        }
      }
    }
    for (String f : List.of("tiny_cnn_taps.pt", "tiny_cnn_taps-trainable.pt", "tiny_cnn_taps.json")) {
      Files.copy(BACKBONES.resolve(f), dir.resolve(f));
    }
    Files.writeString(dir.resolve("pipeline.yaml"), String.join("\n",
        "data:", "  root: images", "  test_fraction: 0.25", "backbone:", "  uri: tiny_cnn_taps.pt", "  device: cpu",
        "extract:", "  out: features",
        "train:", "  runs: runs", "  epochs: 6", "  lr: 0.05",
        "report:", "  runs: runs", "  out: reports", ""));
    String yaml = dir.resolve("pipeline.yaml").toString();
    assertThat(quietly(() -> Headstart.execute("extract", "--config", yaml))).isZero();
    sweepCode = quietly(() -> Headstart.execute("train", "--config", yaml, "--name", "bytap", "--sweep",
        "tap=features.0,features.1,features.2,features.1+features.2", "lr=0.05,0.2"));
    // the default tap is the deepest: the same run as the sweep's tap=features.2 lr=0.05
    singleCode = quietly(() -> Headstart.execute("train", "--config", yaml));
    assertThat(quietly(() -> Headstart.execute("report", "--config", yaml))).isZero();
  }

  private static BufferedImage noisyGrey(int level, Random rng) {
    BufferedImage img = new BufferedImage(36, 36, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 36; y++) {
      for (int x = 0; x < 36; x++) {
        int v = Math.max(0, Math.min(255, level + (int) (rng.nextGaussian() * 40)));
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

  private static JsonObject json(Path file) throws IOException {
    return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
  }

  /** run folder name -> its config.json and metrics.json. */
  private static Map<String, JsonObject[]> runs() throws IOException {
    Map<String, JsonObject[]> out = new LinkedHashMap<>();
    try (Stream<Path> s = Files.list(dir.resolve("runs"))) {
      for (Path p : s.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith(".")).toList()) {
        out.put(p.getFileName().toString(), new JsonObject[] {json(p.resolve("config.json")), json(p.resolve("metrics.json"))});
      }
    }
    return out;
  }

  @Test
  void theSweepTrainsOneHeadPerTapAndSettingOnThatTapsFeaturesAndRanksThem() throws IOException {
    assertThat(sweepCode).isZero();
    assertThat(singleCode).isZero();
    Map<String, JsonObject[]> runs = runs();
    assertThat(runs).hasSize(8); // the single run is one of the sweep's
    Map<String, Integer> perTap = new HashMap<>();
    for (Map.Entry<String, JsonObject[]> e : runs.entrySet()) {
      JsonObject hp = e.getValue()[0].getAsJsonObject("hyperparameters");
      String tap = hp.get("tap").getAsString();
      assertThat(DIMS).containsKey(tap);
      assertThat(hp.get("input_dim").getAsInt()).as(e.getKey()).isEqualTo(DIMS.get(tap));
      assertThat(e.getKey()).startsWith("head-linear-" + tap.replaceAll("[^A-Za-z0-9_.-]", "_") + "-");
      perTap.merge(tap, 1, Integer::sum);
    }
    assertThat(perTap).containsOnlyKeys(DIMS.keySet()).allSatisfy((k, v) -> assertThat(v).isEqualTo(2));

    Table sweep = Table.read().csv(CsvReadOptions.builder(dir.resolve("runs/bytap.csv").toFile()).build());
    assertThat(sweep.rowCount()).isEqualTo(8);
    assertThat(sweep.columnNames()).contains("tap", "lr", "best_val_accuracy");
    double previous = 2;
    for (int i = 0; i < sweep.rowCount(); i++) {
      String run = sweep.stringColumn("run").get(i);
      JsonObject[] r = runs.get(run);
      double acc = r[1].get("best_val_accuracy").getAsDouble();
      assertThat(sweep.numberColumn("best_val_accuracy").getDouble(i)).isCloseTo(acc, org.assertj.core.data.Offset.offset(1e-6));
      assertThat(sweep.stringColumn("tap").get(i)).isEqualTo(r[0].getAsJsonObject("hyperparameters").get("tap").getAsString());
      assertThat(acc).isLessThanOrEqualTo(previous);
      previous = acc;
    }
  }

  @Test
  void aHeadOnAConcatenationPredictsWhatItsRunRecorded() throws IOException {
    String run = runs().entrySet().stream()
        .filter(e -> e.getValue()[0].getAsJsonObject("hyperparameters").get("tap").getAsString().contains("+"))
        .map(Map.Entry::getKey).findFirst().orElseThrow();
    Path out = dir.resolve("out/predict.csv");
    int code = quietly(() -> Headstart.execute("predict", dir.resolve("images/val").toString(),
        "--run", dir.resolve("runs").resolve(run).toString(), "--out", out.toString()));
    assertThat(code).isZero();
    Map<String, String> recorded = new HashMap<>();
    List<String> lines = Files.readAllLines(dir.resolve("runs").resolve(run).resolve("predictions.csv"));
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",");
      recorded.put(f[2] + "/" + Path.of(f[0]).getFileName(), f[4]);
    }
    List<String> predicted = Files.readAllLines(out);
    assertThat(predicted).hasSize(25); // the 24 val images and the header
    for (String line : predicted.subList(1, predicted.size())) {
      String[] f = line.split(",", -1);
      Path path = Path.of(f[0]);
      assertThat(f[1]).as(line).isEqualTo(recorded.get(path.getParent().getFileName() + "/" + path.getFileName()));
    }
  }

  @Test
  void theReportGivesTheBestHeadOfEachTapAndNamesTheBestDepth() throws IOException {
    Map<String, Double> bestOfTap = new HashMap<>();
    Map<String, JsonObject[]> runs = runs();
    for (JsonObject[] r : runs.values()) {
      bestOfTap.merge(r[0].getAsJsonObject("hyperparameters").get("tap").getAsString(),
          r[1].get("best_val_accuracy").getAsDouble(), Math::max);
    }
    Table taps = Table.read().csv(CsvReadOptions.builder(dir.resolve("reports/taps.csv").toFile()).build());
    assertThat(taps.rowCount()).isEqualTo(4);
    for (int i = 0; i < taps.rowCount(); i++) {
      String tap = taps.stringColumn("tap").get(i);
      assertThat(taps.numberColumn("best_val_accuracy").getDouble(i)).as(tap)
          .isCloseTo(bestOfTap.get(tap), org.assertj.core.data.Offset.offset(1e-6));
      assertThat(taps.numberColumn("input_dim").getDouble(i)).isEqualTo(DIMS.get(tap).doubleValue());
      // the best run's held-out test accuracy, as its metrics.json records it
      JsonObject[] best = runs.get(taps.stringColumn("best_run").get(i));
      assertThat(best[1].get("best_val_accuracy").getAsDouble()).isEqualTo(bestOfTap.get(tap));
      assertThat(taps.numberColumn("test_accuracy").getDouble(i))
          .isCloseTo(best[1].getAsJsonObject("test").get("accuracy").getAsDouble(), org.assertj.core.data.Offset.offset(1e-6));
      // depth from the backbone's tap list: features.0 shallowest; a concatenation has none
      int depth = switch (tap) {
        case "features.0" -> 1;
        case "features.1" -> 2;
        case "features.2" -> 3;
        default -> 0;
      };
      assertThat(taps.numberColumn("depth").getDouble(i)).as(tap).isEqualTo(depth);
    }
    // the summary names each head's tap
    Table summary = Table.read().csv(CsvReadOptions.builder(dir.resolve("reports/summary.csv").toFile()).build());
    assertThat(summary.columnNames().indexOf("tap")).isEqualTo(summary.columnNames().indexOf("head") + 1);
    for (int i = 0; i < summary.rowCount(); i++) {
      assertThat(summary.stringColumn("tap").get(i)).isEqualTo(
          runs.get(summary.stringColumn("run").get(i))[0].getAsJsonObject("hyperparameters").get("tap").getAsString());
    }
    double top = bestOfTap.values().stream().mapToDouble(Double::doubleValue).max().orElseThrow();
    assertThat(bestOfTap.get(taps.stringColumn("tap").get(0))).isEqualTo(top);
    String html = Files.readString(dir.resolve("reports/index.html"));
    assertThat(html).contains("Accuracy by tap").contains("Best validation accuracy by tap");
    String runsTable = html.substring(html.indexOf("<table id=\"summary\""), html.indexOf("</table>", html.indexOf("<table id=\"summary\"")));
    assertThat(runsTable).contains("<th>tap</th>").contains(">features.1+features.2<");
    String verdict = html.substring(html.indexOf("id=\"verdict\""), html.indexOf("</section>", html.indexOf("id=\"verdict\"")));
    assertThat(verdict).contains("Features by depth");
    if (!taps.stringColumn("tap").get(0).equals("features.2")) assertThat(verdict).contains("held-out test split");
    double deepest = bestOfTap.get("features.2");
    if (top - deepest > 0.02) {
      assertThat(verdict).contains("The best depth here is " + taps.stringColumn("tap").get(0))
          .contains("data unlike the pretraining data");
    } else {
      assertThat(verdict).contains("The last tap (features.2)").contains("similar to the pretraining data");
    }
  }
}
