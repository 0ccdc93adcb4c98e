package dev.headstart.runner;

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
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ./run over the real stages (extract, train, finetune, report) on a generated two-class folder
 * and the tiny_cnn fixture: what reruns after each kind of change, and what a failure keeps.
 */
class RunnerPipelineTest {
  static final Path FIXTURES = Path.of("src/test/resources/fixtures/backbones").toAbsolutePath();

  @TempDir Path dir;
  private String log;

  @BeforeEach
  void project() throws IOException {
    Random rng = new Random(11);
    for (String split : List.of("train", "val")) {
      for (String cls : List.of("dark", "light")) {
        Path folder = Files.createDirectories(dir.resolve("images").resolve(split).resolve(cls));
        for (int i = 0; i < (split.equals("train") ? 10 : 5); i++) {
          BufferedImage img = new BufferedImage(36, 36, BufferedImage.TYPE_INT_RGB);
          int level = cls.equals("dark") ? 60 : 190;
          for (int y = 0; y < 36; y++) {
            for (int x = 0; x < 36; x++) {
              int v = Math.max(0, Math.min(255, level + (int) (rng.nextGaussian() * 20)));
              img.setRGB(x, y, (v << 16) | (v << 8) | v);
            }
          }
          ImageIO.write(img, "png", folder.resolve(i + ".png").toFile());
        }
      }
    }
    Path bb = Files.createDirectories(dir.resolve("bb"));
    for (String f : List.of("tiny_cnn.pt", "tiny_cnn-trainable.pt", "tiny_cnn.json")) {
      Files.copy(FIXTURES.resolve(f), bb.resolve(f));
    }
    Files.writeString(dir.resolve("pipeline.yaml"), String.join("\n",
        "data:", "  root: images",
        "backbone:", "  uri: bb/tiny_cnn.pt",
        "extract:", "  out: work/features", "  batch_size: 8",
        "train:", "  runs: runs", "  epochs: 3", "  lr: 0.01", "  batch_size: 8",
        "finetune:", "  runs: runs", "  modes: [finetune]", "  epochs: 1", "  batch_size: 8",
        "report:", "  runs: runs", "  out: reports", "  gallery: 4",
        "run:", "  state: work/state", ""));
  }

  private int run(String... extra) {
    List<String> args = new ArrayList<>(List.of("run", "--config", dir.resolve("pipeline.yaml").toString()));
    args.addAll(List.of(extra));
    PrintStream old = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      return Headstart.execute(args.toArray(String[]::new));
    } finally {
      System.setErr(old);
      log = err.toString(StandardCharsets.UTF_8);
    }
  }

  private boolean ran(String stage) {
    return log.lines().anyMatch(l -> l.startsWith(String.format("%-9s run ", stage)));
  }

  private FileTime mtime(String path) throws IOException {
    return Files.getLastModifiedTime(dir.resolve(path));
  }

  private List<String> runFolders() throws IOException {
    try (Stream<Path> s = Files.list(dir.resolve("runs"))) {
      return s.filter(Files::isDirectory).map(p -> p.getFileName().toString())
          .filter(n -> !n.startsWith(".")).sorted().toList();
    }
  }

  @Test
  void skipsWhatIsUpToDateAndRerunsOnlyWhatAChangeTouches() throws IOException {
    assertThat(run()).as(log).isZero();
    assertThat(dir.resolve("work/features/manifest.json")).exists();
    assertThat(dir.resolve("reports/index.html")).exists();
    assertThat(runFolders()).anyMatch(n -> n.startsWith("head-")).anyMatch(n -> n.startsWith("finetune-"));
    FileTime manifest = mtime("work/features/manifest.json");
    FileTime report = mtime("reports/summary.csv");

    // nothing changed: nothing runs
    assertThat(run()).as(log).isZero();
    assertThat(List.of("extract", "train", "finetune", "report")).noneMatch(this::ran);
    assertThat(mtime("work/features/manifest.json")).isEqualTo(manifest);
    assertThat(mtime("reports/summary.csv")).isEqualTo(report);

    // a head hyperparameter: train and report rerun, the features and the finetune run stay
    List<String> before = runFolders();
    assertThat(run("--set", "train.lr=0.05")).as(log).isZero();
    assertThat(ran("train")).as(log).isTrue();
    assertThat(ran("report")).as(log).isTrue();
    assertThat(ran("extract")).as(log).isFalse();
    assertThat(ran("finetune")).as(log).isFalse();
    assertThat(mtime("work/features/manifest.json")).isEqualTo(manifest);
    assertThat(runFolders()).containsAll(before).hasSize(before.size() + 1);
    assertThat(Files.readString(dir.resolve("reports/summary.csv"))).contains("0.05");
  }

  @Test
  void aNewBackboneFileRerunsEverything() throws IOException {
    assertThat(run()).as(log).isZero();
    String fingerprint = manifestFingerprint();

    // the spatial variant of tiny_cnn under the same file names: same config, other weights
    Path bb = dir.resolve("bb");
    Files.copy(FIXTURES.resolve("tiny_cnn_spatial.pt"), bb.resolve("tiny_cnn.pt"), StandardCopyOption.REPLACE_EXISTING);
    Files.copy(FIXTURES.resolve("tiny_cnn_spatial-trainable.pt"), bb.resolve("tiny_cnn-trainable.pt"),
        StandardCopyOption.REPLACE_EXISTING);
    Files.writeString(bb.resolve("tiny_cnn.json"), Files.readString(FIXTURES.resolve("tiny_cnn_spatial.json"))
        .replace("tiny_cnn_spatial", "tiny_cnn"));

    assertThat(run("--dry-run")).isZero();
    assertThat(log).contains("backbone files changed");
    assertThat(run()).as(log).isZero();
    assertThat(List.of("extract", "train", "finetune", "report")).allMatch(this::ran);
    assertThat(manifestFingerprint()).isNotEqualTo(fingerprint);
  }

  @Test
  void aFailingStageStopsTheRunAndKeepsEarlierOutputs() throws IOException {
    assertThat(run()).as(log).isZero();
    FileTime manifest = mtime("work/features/manifest.json");
    List<String> runs = runFolders();

    // the train stage cannot find its features: it fails, report does not run
    int code = run("--set", "train.features=work/elsewhere");
    assertThat(code).as(log).isNotZero();
    assertThat(log).contains("stage 'train' failed");
    assertThat(ran("report")).isFalse();
    assertThat(mtime("work/features/manifest.json")).isEqualTo(manifest);
    assertThat(runFolders()).isEqualTo(runs);
    assertThat(dir.resolve("reports/index.html")).exists();

    // fixed: extract is still up to date, train reruns
    assertThat(run()).as(log).isZero();
    assertThat(ran("extract")).isFalse();
  }

  private String manifestFingerprint() throws IOException {
    JsonObject m = JsonParser.parseString(Files.readString(dir.resolve("work/features/manifest.json")))
        .getAsJsonObject();
    return m.get("fingerprint").getAsString();
  }
}
