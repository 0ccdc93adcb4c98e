package dev.headstart.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With the bundled libtorch (a CPU build, on any machine) a GPU asked for stops every command
 * that would run a backbone with exit 2 and what to do, before anything runs.
 */
class GpuAskedForTest {
  @TempDir Path dir;

  private String run(int expectedCode, String... args) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream before = System.err;
    try {
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      assertThat(Headstart.execute(args)).as(String.join(" ", args)).isEqualTo(expectedCode);
    } finally {
      System.setErr(before);
    }
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void everyBackboneCommandRefusesAGpuTheCpuLibtorchCannotGive() throws java.io.IOException {
    String yaml = dir.resolve("pipeline.yaml").toString();
    for (List<String> cmd : List.of(List.of("extract", "--device", "gpu"),
        List.of("finetune", "--set", "backbone.device=gpu:0"),
        List.of("run", "--set", "backbone.device=gpu:0,1"))) {
      String[] args = new java.util.ArrayList<>(cmd) {{ add("--config"); add(yaml); }}.toArray(new String[0]);
      assertThat(run(2, args)).as(cmd.toString()).contains("asks for a GPU")
          .contains("pytorch-native-cpu jar").contains("HEADSTART_LIBTORCH");
    }
    java.nio.file.Files.write(dir.resolve("a.jpg"), new byte[] {1, 2, 3});
    assertThat(run(2, "predict", dir.resolve("a.jpg").toString(), "--run", dir.resolve("runs/x").toString(), "--device", "gpu"))
        .contains("--device=gpu asks for a GPU");
    assertThat(run(2, "extract", "--config", yaml, "--device", "gpu:x")).contains("'backbone.device'")
        .contains("gpu:0,1");
  }
}
