package dev.headstart.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** backbone.device's forms and the errors for everything else. */
class DeviceSettingTest {
  @TempDir Path dir;

  @Test
  void theFormsParse() {
    assertThat(DeviceSetting.parse("k", "auto").kind()).isEqualTo(DeviceSetting.Kind.AUTO);
    assertThat(DeviceSetting.parse("k", "CPU").kind()).isEqualTo(DeviceSetting.Kind.CPU);
    DeviceSetting all = DeviceSetting.parse("k", "gpu");
    assertThat(all.kind()).isEqualTo(DeviceSetting.Kind.GPU);
    assertThat(all.gpus()).isEmpty();
    DeviceSetting some = DeviceSetting.parse("k", "gpu:2, 0");
    assertThat(some.gpus()).containsExactly(2, 0);
    assertThat(some.toString()).isEqualTo("gpu:2,0");
  }

  @Test
  void anythingElseIsAnErrorNamingTheKey() {
    assertThatThrownBy(() -> DeviceSetting.parse("backbone.device", "gpux"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("'backbone.device'")
        .hasMessageContaining("gpu:N,M");
    assertThatThrownBy(() -> DeviceSetting.parse("backbone.device", "gpu:"))
        .hasMessageContaining("gpu:0,1");
    assertThatThrownBy(() -> DeviceSetting.parse("backbone.device", "gpu:a"))
        .hasMessageContaining("gpu:0,1");
    assertThatThrownBy(() -> DeviceSetting.parse("backbone.device", "gpu:-1"))
        .hasMessageContaining("gpu:0,1");
    assertThatThrownBy(() -> DeviceSetting.parse("backbone.device", "gpu:1,1"))
        .hasMessageContaining("names GPU 1 twice");
    assertThatThrownBy(() -> DeviceSetting.parse("backbone.device", "cuda"))
        .hasMessageContaining("'cuda'");
  }

  @Test
  void pipelineYamlAcceptsGpuListsAndRefusesTypos() {
    Path yaml = dir.resolve("pipeline.yaml");
    assertThat(PipelineConfigLoader.load(yaml, Map.of("backbone.device", "gpu:0,1")).backbone().deviceSetting().gpus())
        .containsExactly(0, 1);
    assertThatThrownBy(() -> PipelineConfigLoader.load(yaml, Map.of("backbone.device", "gup")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("backbone.device")
        .hasMessageContaining("gpu");
    assertThat(PipelineConfigLoader.load(yaml, Map.of()).extract().batchSize()).isZero();
    assertThatThrownBy(() -> PipelineConfigLoader.load(yaml, Map.of("extract.batch_size", "-8")))
        .hasMessageContaining("extract.batch_size");
  }
}
