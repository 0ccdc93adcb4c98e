package dev.headstart.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.headstart.cli.Headstart;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backbone exported with taps returns its default (deepest) tap first, so finetune trains on
 * the same features as with the one-output export of the same weights: tiny_cnn_taps and tiny_cnn
 * (tools/make_fixtures.py) give the same finetune history.
 */
class TappedBackboneFinetuneTest {
  static final Path FIXTURES = Path.of("src/test/resources/fixtures/backbones").toAbsolutePath();

  @TempDir Path dir;

  private Path finetune(String backbone) throws IOException {
    Path yaml = dir.resolve(backbone + ".yaml");
    Files.writeString(yaml, String.join("\n",
        "data:", "  root: images",
        "backbone:", "  uri: " + FIXTURES.resolve(backbone + ".pt"),
        "finetune:", "  runs: runs-" + backbone, "  batch_size: 8", "  threads: 2", ""));
    PrintStream old = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int code;
    try {
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      code = Headstart.execute("finetune", "--config", yaml.toString(), "--modes", "finetune", "--epochs", "3",
          "--lr", "0.01", "--seed", "3");
    } finally {
      System.setErr(old);
    }
    assertThat(code).as(captured.toString(StandardCharsets.UTF_8)).isZero();
    try (Stream<Path> s = Files.list(dir.resolve("runs-" + backbone))) {
      return s.filter(p -> p.getFileName().toString().startsWith("finetune-")).findFirst().orElseThrow();
    }
  }

  @Test
  void finetuneOnATappedBackboneTrainsOnItsDefaultTap() throws IOException {
    TinyImageFolder.create(dir.resolve("images"), 16, 8, 5);
    Path plain = finetune("tiny_cnn");
    Path tapped = finetune("tiny_cnn_taps");
    List<String[]> a = rows(plain);
    List<String[]> b = rows(tapped);
    assertThat(b).hasSameSizeAs(a).hasSize(6); // 3 epochs x train, val
    for (int i = 0; i < a.size(); i++) {
      // epoch, split, loss, accuracy: the same computation in another module layout
      assertThat(b.get(i)[0]).isEqualTo(a.get(i)[0]);
      assertThat(b.get(i)[1]).isEqualTo(a.get(i)[1]);
      assertThat(Double.parseDouble(b.get(i)[2])).isCloseTo(Double.parseDouble(a.get(i)[2]), within(1e-4));
      assertThat(Double.parseDouble(b.get(i)[3])).isCloseTo(Double.parseDouble(a.get(i)[3]), within(1e-9));
    }
  }

  private static List<String[]> rows(Path run) throws IOException {
    List<String> lines = Files.readAllLines(run.resolve("history.csv"));
    return lines.subList(1, lines.size()).stream().map(l -> l.split(",")).toList();
  }
}
