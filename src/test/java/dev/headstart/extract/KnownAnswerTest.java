package dev.headstart.extract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.headstart.core.UserException;
import dev.headstart.config.BackboneConfig;
import dev.headstart.engine.EngineGuard;
import dev.headstart.engine.ProbeInput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The known-answer check on the path the product uses: a backbone whose outputs disagree with the
 * float64 eager PyTorch outputs in its card is never used, in a library call or from the command
 * line.
 */
class KnownAnswerTest {
  static final Path BACKBONES = BackboneLoaderTest.BACKBONES;
  /** A frozen net with tiny_cnn's input and output shapes but other weights (the engine battery's). */
  static final Path OTHER_NET = Path.of("src/main/resources/dev/headstart/engine/battery/tiny_cnn-fp32-contiguous.pt");

  @TempDir Path dir;

  @Test
  void theFixtureCardsKnownAnswerPassesAndIsRecorded() {
    ModelCard.Probe probe;
    try (Backbone b = BackboneLoader.load(new BackboneConfig("tiny_cnn.pt", "", "cpu"), BACKBONES)) {
      probe = b.card().probe();
      assertThat(probe).isNotNull();
      assertThat(ProbeInput.sum(ProbeInput.generate(probe.shape(), probe.seed()))).isEqualTo(probe.inputSum());
      ProbeResult r = b.probe();
      assertThat(r.passed()).isTrue();
      assertThat(r.relativeDiff()).isLessThan(1e-5);
      assertThat(r.isa()).isEqualTo(EngineGuard.applied().isa().envValue);
      Map<String, Object> d = b.describe();
      assertThat(d.get("file_role")).isEqualTo("inference");
      @SuppressWarnings("unchecked")
      Map<String, Object> platform = (Map<String, Object>) d.get("platform");
      assertThat(platform).containsKeys("cpu_model", "cpu_isa_flags", "onednn_max_cpu_isa", "libtorch", "djl");
      assertThat(platform.get("libtorch")).isEqualTo("2.7.1");
      assertThat(((ModelCard) d.get("card")).probe().outputs()).isNull(); // provenance keeps no long arrays
    }
  }

  @Test
  void aFrozenFileThatDisagreesGivesWayToItsUnfrozenTwin() throws Exception {
    Files.copy(BACKBONES.resolve("tiny_cnn-trainable.pt"), dir.resolve("tiny_cnn-trainable.pt"));
    Files.copy(OTHER_NET, dir.resolve("other.pt"));
    writeCard(card -> card.addProperty("inference_file", "other.pt"));
    try (Backbone b = BackboneLoader.load(new BackboneConfig("tiny_cnn.json", "", "cpu"), dir)) {
      assertThat(b.describe().get("file_role")).isEqualTo("trainable");
      assertThat(b.probe().passed()).isTrue();
      assertThat((String) b.describe().get("fallback")).contains("disagrees with its known answer")
          .contains("using the unfrozen file tiny_cnn-trainable.pt");
    }
  }

  @Test
  void aBackboneThatDisagreesEverywhereIsRefusedNamingTheDifference() throws Exception {
    copyTinyCnn();
    writeCard(card -> perturb(card, 0.5));
    assertThatThrownBy(() -> BackboneLoader.load(new BackboneConfig("tiny_cnn.pt", "", "cpu"), dir))
        .isInstanceOf(UserException.class)
        .hasMessageContaining("backbone tiny_cnn.pt (inference file) disagrees with its known answer")
        .hasMessageContaining("% of the largest feature")
        .hasMessageContaining("the unfrozen file tiny_cnn-trainable.pt too")
        .hasMessageContaining("headstart doctor");
  }

  @Test
  void aProbeMadeWithAnUnknownInputIsRefusedNotGuessed() throws Exception {
    copyTinyCnn();
    writeCard(card -> card.getAsJsonObject("probe").addProperty("input", "hash64-v9"));
    assertThatThrownBy(() -> BackboneLoader.load(new BackboneConfig("tiny_cnn.pt", "", "cpu"), dir))
        .isInstanceOf(UserException.class)
        .hasMessageContaining("input 'hash64-v9', which this headstart does not know")
        .hasMessageContaining("--add-probe");
  }

  @Test
  void theCommandLineTriesEverySaferCapInAFreshJvmThenStopsWithExit2AndWritesNothing() throws Exception {
    copyTinyCnn();
    writeCard(card -> perturb(card, 0.5));
    Path images = dir.resolve("images");
    for (String split : List.of("train", "val")) {
      for (String cls : List.of("a", "b")) {
        TestImages.write(images.resolve(split + "/" + cls + "/x.png"), TestImages.rgb(32, 32, cls.hashCode()), "png");
      }
    }
    Files.writeString(dir.resolve("pipeline.yaml"), String.join("\n", "data:", "  root: images",
        "backbone:", "  uri: tiny_cnn.pt", "  device: cpu", "extract:", "  out: features", ""));
    List<String> cmd = new ArrayList<>(List.of(dev.headstart.engine.ChildJvm.javaExecutable(), "-Xmx1g",
        "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"), "dev.headstart.cli.Headstart",
        "extract", "--config", dir.resolve("pipeline.yaml").toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().remove(EngineGuard.ISA_VARIABLE);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isEqualTo(2);
    assertThat(out).contains("running the command again with oneDNN capped at SSE41")
        .contains("error: backbone tiny_cnn.pt (inference file) disagrees with its known answer under oneDNN SSE41")
        .contains("the unfrozen file tiny_cnn-trainable.pt too");
    if (Files.exists(dir.resolve("features"))) {
      try (var files = Files.walk(dir.resolve("features"))) {
        assertThat(files.filter(f -> f.toString().endsWith(".parquet") || f.endsWith("manifest.json")).toList())
            .isEmpty();
      }
    }
  }

  @Test
  void aCardWithoutAKnownAnswerIsCheckedAgainstItsUnfrozenTwinOrNamedAsUnchecked() throws Exception {
    copyTinyCnn();
    writeCard(card -> card.remove("probe"));
    java.io.ByteArrayOutputStream said = new java.io.ByteArrayOutputStream();
    dev.headstart.core.Reporter reporter = dev.headstart.core.Reporter.of(new java.io.PrintStream(said, true));
    BackboneSource source = BackboneLoader.locate(new BackboneConfig("tiny_cnn.pt", "", "cpu"), dir);
    try (Backbone b = BackboneLoader.load(source, ai.djl.Device.cpu(), "fp32", null, reporter)) {
      assertThat(b.probe().passed()).isTrue();
      assertThat(b.probe().reference()).isEqualTo("unfrozen twin tiny_cnn-trainable.pt on this machine");
    }
    // the twin answers for the frozen file: another net in its place is caught
    Files.copy(OTHER_NET, dir.resolve("tiny_cnn.pt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertThatThrownBy(() -> BackboneLoader.load(BackboneLoader.locate(new BackboneConfig("tiny_cnn.pt", "", "cpu"), dir),
        ai.djl.Device.cpu(), "fp32", null, reporter))
        .isInstanceOf(UserException.class).hasMessageContaining("disagrees with its known answer");
    // no twin either: used, and said once
    Files.delete(dir.resolve("tiny_cnn-trainable.pt"));
    Files.copy(BACKBONES.resolve("tiny_cnn.pt"), dir.resolve("tiny_cnn.pt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    try (Backbone b = BackboneLoader.load(BackboneLoader.locate(new BackboneConfig("tiny_cnn.pt", "", "cpu"), dir),
        ai.djl.Device.cpu(), "fp32", null, reporter)) {
      assertThat(b.probe()).isNull();
    }
    assertThat(said.toString()).contains("warning: backbone tiny_cnn.pt has no known answer in its model card")
        .contains("--add-probe");
  }

  private void copyTinyCnn() throws IOException {
    for (String f : List.of("tiny_cnn.pt", "tiny_cnn-trainable.pt")) Files.copy(BACKBONES.resolve(f), dir.resolve(f));
  }

  private interface CardEdit {
    void apply(JsonObject card);
  }

  private void writeCard(CardEdit edit) throws IOException {
    JsonObject card = JsonParser.parseString(Files.readString(BACKBONES.resolve("tiny_cnn.json"))).getAsJsonObject();
    edit.apply(card);
    Files.writeString(dir.resolve("tiny_cnn.json"), card.toString());
  }

  private static void perturb(JsonObject card, double by) {
    JsonArray rows = card.getAsJsonObject("probe").getAsJsonArray("outputs");
    JsonArray first = rows.get(0).getAsJsonArray();
    first.set(3, new com.google.gson.JsonPrimitive(first.get(3).getAsDouble() + by));
  }
}
