package dev.headstart.extract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.engine.Engine;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.headstart.core.UserException;
import dev.headstart.config.BackboneConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading the committed TorchScript fixtures (made by tools/make_fixtures.py) through DJL. */
class BackboneLoaderTest {
  static final Path BACKBONES = Path.of("src/test/resources/fixtures/backbones").toAbsolutePath();

  static BackboneConfig config(String uri) {
    return new BackboneConfig(uri, "", "cpu");
  }

  @Test
  void localTorchScriptGivesTheReferenceFeatures() throws Exception {
    JsonObject ref = JsonParser.parseString(Files.readString(BACKBONES.resolve("features_reference.json")))
        .getAsJsonObject();
    double tol = ref.get("tolerance").getAsDouble();
    for (String file : new String[] {"tiny_cnn.pt", "tiny_cnn_spatial.pt"}) {
      try (Backbone b = BackboneLoader.load(config(file), BACKBONES)) {
        assertThat(b.featureDim()).isEqualTo(32);
        assertThat(b.card().inputSize()).isEqualTo(32);
        assertThat(b.device()).isEqualTo(Device.cpu());
        assertThat(b.sha256()).hasSize(64);
        int n = ref.getAsJsonArray("images").size();
        float[] batch = new float[n * 3 * 32 * 32];
        int i = 0;
        for (JsonElement e : ref.getAsJsonArray("images")) {
          float[] x = PreprocessorTest.readF32(BACKBONES.resolve(e.getAsJsonObject().get("input").getAsString()));
          System.arraycopy(x, 0, batch, i++ * x.length, x.length);
        }
        float[][] out = b.forward(new ImageBatch(batch, n, 32));
        assertThat(out).hasNumberOfRows(n);
        double worst = 0;
        i = 0;
        for (JsonElement e : ref.getAsJsonArray("images")) {
          var expected = e.getAsJsonObject().getAsJsonArray("features");
          for (int k = 0; k < 32; k++) {
            worst = Math.max(worst, Math.abs(out[i][k] - expected.get(k).getAsFloat()));
          }
          i++;
        }
        System.out.printf("%s: max |DJL - PyTorch| = %.2e over %d images%n", file, worst, n);
        assertThat(worst).isLessThan(tol);
      }
    }
  }

  /**
   * DJL searches a model folder's whole tree for a repository's metadata.json: a backbone kept
   * beside another DJL repository (or a dataset, or a feature store being written) must still
   * load its own file, without reading the rest.
   */
  @Test
  void aBackboneLoadsItsOwnFileWhateverLiesBesideIt(@TempDir Path dir) throws Exception {
    for (String f : List.of("tiny_cnn.pt", "tiny_cnn.json", "tiny_cnn-trainable.pt")) {
      Files.copy(BACKBONES.resolve(f), dir.resolve(f));
    }
    Path other = Files.createDirectories(dir.resolve("other_models/resnet"));
    Files.writeString(other.resolve("metadata.json"),
        "{\"metadataVersion\": \"0.2\", \"groupId\": \"x\", \"artifactId\": \"resnet\", \"artifacts\": []}");
    try (Backbone b = BackboneLoader.load(config("tiny_cnn.pt"), dir)) {
      assertThat(b.featureDim()).isEqualTo(32);
      assertThat(b.probe().passed()).isTrue();
    }
    try (var model = BackboneLoader.loadTorchScript(dir.resolve("tiny_cnn-trainable.pt"), Device.cpu(), false)) {
      assertThat(model.getBlock().getParameters().isEmpty()).isFalse();
    }
  }

  @Test
  void theCardLocatesTheTrainableFileForFinetune() {
    BackboneSource src = BackboneLoader.locate(config("tiny_cnn.pt"), BACKBONES);
    assertThat(src.trainableFile()).isEqualTo(BACKBONES.resolve("tiny_cnn-trainable.pt"));
    try (var model = BackboneLoader.loadTorchScript(src.trainableFile(), Device.cpu(), true)) {
      assertThat(model.getBlock().getParameters().isEmpty()).isFalse();
    }
    // the card itself can be the uri
    BackboneSource viaCard = BackboneLoader.locate(config("tiny_cnn.json"), BACKBONES);
    assertThat(viaCard.inferenceFile()).isEqualTo(BACKBONES.resolve("tiny_cnn.pt"));
  }

  @Test
  void missingFilesAreNamed(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> BackboneLoader.locate(config("nothing.pt"), dir))
        .isInstanceOf(UserException.class)
        .hasMessageContaining(dir.resolve("nothing.pt").toString())
        .hasMessageContaining("tools/export_backbone.py");
    Files.copy(BACKBONES.resolve("tiny_cnn.pt"), dir.resolve("lonely.pt"));
    assertThatThrownBy(() -> BackboneLoader.locate(config("lonely.pt"), dir))
        .isInstanceOf(UserException.class)
        .hasMessageContaining("model card " + dir.resolve("lonely.json"));
    Files.writeString(dir.resolve("broken.pt"), "not torchscript");
    Files.copy(BACKBONES.resolve("tiny_cnn.json"), dir.resolve("broken.json"));
    assertThatThrownBy(() -> BackboneLoader.load(config("broken.pt"), dir))
        .isInstanceOf(UserException.class)
        .hasMessageContaining("broken.pt").hasMessageContaining("TorchScript");
  }

  @Test
  void aCardThatDisagreesWithTheModelIsRefused(@TempDir Path dir) throws Exception {
    Files.copy(BACKBONES.resolve("tiny_cnn.pt"), dir.resolve("m.pt"));
    Files.writeString(dir.resolve("m.json"),
        Files.readString(BACKBONES.resolve("tiny_cnn.json")).replace("\"feature_dim\": 32", "\"feature_dim\": 64"));
    assertThatThrownBy(() -> BackboneLoader.load(config("m.pt"), dir))
        .isInstanceOf(UserException.class).hasMessageContaining("feature_dim 64").hasMessageContaining("32");
  }

  @Test
  void modelZooUrlOfflineSaysWhatToDo(@TempDir Path dir) {
    String url = "djl://ai.djl.pytorch/resnet18_embedding";
    BackboneSource src = BackboneLoader.locate(config(url), dir);
    assertThat(src.isModelZoo()).isTrue();
    assertThat(src.card().inputSize()).isEqualTo(224);
    assertThat(src.card().resize()).isEqualTo(256);
    assertThat(src.card().mean()).isEqualTo(ModelCard.IMAGENET_MEAN);
    assertThatThrownBy(() -> BackboneLoader.load(config(url), dir))
        .isInstanceOf(UserException.class)
        .hasMessageContaining(url)
        .hasMessageContaining("tools/export_backbone.py");
  }

  @Test
  void gpuWithoutAGpuIsAClearError() {
    org.junit.jupiter.api.Assumptions.assumeTrue(Engine.getEngine("PyTorch").getGpuCount() == 0,
        "only meaningful on a machine without a GPU");
    assertThat(BackboneLoader.device("auto")).isEqualTo(Device.cpu());
    assertThatThrownBy(() -> BackboneLoader.device("gpu"))
        .isInstanceOf(UserException.class).hasMessageContaining("backbone.device");
  }

  @Test
  void bf16RunsTheBfloat16ExportBesideTheBackbone(@TempDir Path dir) throws Exception {
    for (String f : new String[] {"tiny_cnn.pt", "tiny_cnn.json"}) Files.copy(BACKBONES.resolve(f), dir.resolve(f));
    BackboneSource src = BackboneLoader.locate(config("tiny_cnn.pt"), dir);
    assertThatThrownBy(() -> BackboneLoader.load(src, Device.cpu(), "bf16"))
        .isInstanceOf(UserException.class)
        .hasMessageContaining(dir.resolve("tiny_cnn-bf16.pt").toString())
        .hasMessageContaining("tools/export_backbone.py --bf16");
    // made by bench/export_variants.py from the fixture's weights
    Files.copy(Path.of("src/test/resources/extract/tiny_cnn-bf16.pt"), dir.resolve("tiny_cnn-bf16.pt"));
    JsonObject ref = JsonParser.parseString(Files.readString(BACKBONES.resolve("features_reference.json")))
        .getAsJsonObject();
    JsonObject first = ref.getAsJsonArray("images").get(0).getAsJsonObject();
    float[] x = PreprocessorTest.readF32(BACKBONES.resolve(first.get("input").getAsString()));
    try (Backbone fp32 = BackboneLoader.load(src, Device.cpu(), "fp32");
        Backbone bf16 = BackboneLoader.load(src, Device.cpu(), "bf16")) {
      float[] a = fp32.forward(new ImageBatch(x, 1, 32))[0];
      float[] b = bf16.forward(new ImageBatch(x, 1, 32))[0];
      double worst = 0;
      for (int k = 0; k < a.length; k++) worst = Math.max(worst, Math.abs(a[k] - b[k]));
      System.out.printf("bf16 vs fp32 features: max |diff| = %.4f%n", worst);
      assertThat(worst).isGreaterThan(0).isLessThan(0.03);
      assertThat(bf16.sha256()).isNotEqualTo(fp32.sha256());
      assertThat(bf16.describe().get("precision")).isEqualTo("bf16");
    }
  }
}
