package dev.headstart.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineConfigLoaderTest {
  @TempDir Path dir;

  private PipelineConfig load(String yaml, Map<String, String> overrides) throws Exception {
    Path file = dir.resolve("pipeline.yaml");
    Files.writeString(file, yaml);
    return PipelineConfigLoader.load(file, overrides);
  }

  @Test
  void readsSectionsAndKeepsDefaultsForTheRest() throws Exception {
    PipelineConfig c = load("train:\n  lr: 0.01\n  hidden: [64, 32]\nextract:\n  views: 2\n", Map.of());
    assertThat(c.train().optimization().lr()).isEqualTo(0.01);
    assertThat(c.train().classifier().hidden()).containsExactly(64, 32);
    assertThat(c.train().epochs()).isEqualTo(TrainConfig.DEFAULTS.epochs());
    assertThat(c.extract().views()).isEqualTo(2);
    assertThat(c.baseDir()).isEqualTo(dir.toAbsolutePath());
  }

  @Test
  void overridesWinOverTheFile() throws Exception {
    PipelineConfig c = load("train:\n  lr: 0.01\n",
        Map.of("train.lr", "0.5", "train.sweep.lr", "0.1,0.01", "finetune.modes", "[scratch]"));
    assertThat(c.train().optimization().lr()).isEqualTo(0.5);
    assertThat(c.train().sweep()).containsEntry("lr", List.of("0.1", "0.01"));
    assertThat(c.finetune().modes()).containsExactly("scratch");
  }

  @Test
  void unknownKeyIsNamedWithASuggestion() {
    assertThatThrownBy(() -> load("train:\n  learning_rat: 0.1\n", Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("train.learning_rat");
    assertThatThrownBy(() -> load("train:\n  epoch: 3\n", Map.of()))
        .hasMessageContaining("did you mean 'epochs'");
    assertThatThrownBy(() -> load("trian:\n  lr: 0.1\n", Map.of()))
        .hasMessageContaining("unknown section 'trian'")
        .hasMessageContaining("did you mean 'train'");
  }

  @Test
  void wrongTypesAndRangesNameTheKey() {
    assertThatThrownBy(() -> load("train:\n  epochs: many\n", Map.of()))
        .hasMessageContaining("'train.epochs' must be a number");
    assertThatThrownBy(() -> load("train:\n  lr: -0.1\n", Map.of()))
        .hasMessageContaining("'train.lr' must be greater than 0");
    assertThatThrownBy(() -> load("train:\n  dropout: 1.0\n", Map.of()))
        .hasMessageContaining("'train.dropout'");
    assertThatThrownBy(() -> load("finetune:\n  hidden: [64, 0]\n", Map.of()))
        .hasMessageContaining("'finetune.hidden[1]' must be greater than 0");
    assertThatThrownBy(() -> load("train:\n  head: lineer\n", Map.of()))
        .hasMessageContaining("did you mean 'linear'");
    assertThatThrownBy(() -> load("train: [1, 2]\n", Map.of()))
        .hasMessageContaining("section 'train' must be a mapping");
    assertThatThrownBy(() -> load("train:\n  lr: [\n", Map.of()))
        .hasMessageContaining("not valid YAML");
  }

  @Test
  void sharedSettingsAreWrittenFlatAndEachSectionStatesItsOwnLimits() throws Exception {
    PipelineConfig c = load("train:\n  optimizer: ADAMW\n  scheduler: cosine\n  head: mlp\n"
        + "finetune:\n  optimizer: adamw\n  step_size: 3\n", Map.of("train.momentum", "0.5"));
    assertThat(c.train().optimization().optimizer()).isEqualTo(OptimizerKind.ADAMW);
    assertThat(c.train().optimization().momentum()).isEqualTo(0.5);
    assertThat(c.train().schedule().scheduler()).isEqualTo(SchedulerKind.COSINE);
    assertThat(c.train().classifier().head()).isEqualTo(HeadKind.MLP);
    assertThat(c.finetune().schedule().stepSize()).isEqualTo(3);
    // config.json, fingerprints and run names see the keys flat, choices in lower case, in pipeline.yaml's order
    assertThat(RecordBinder.toMap(c.train()).keySet()).containsSubsequence("name", "head", "hidden", "dropout",
        "standardize", "optimizer", "lr", "momentum", "weight_decay", "batch_size", "epochs", "scheduler",
        "step_size", "gamma", "label_smoothing");
    assertThat(RecordBinder.toMap(c.train())).containsEntry("optimizer", "adamw").containsEntry("head", "mlp");
    assertThatThrownBy(() -> load("finetune:\n  optimizer: adam\n", Map.of()))
        .hasMessageContaining("'finetune.optimizer' must be one of [adamw, sgd], got 'adam'");
    assertThatThrownBy(() -> load("train:\n  optimizer: sdg\n", Map.of()))
        .hasMessageContaining("'train.optimizer' must be one of [sgd, adam, adamw], got 'sdg'")
        .hasMessageContaining("did you mean 'sgd'");
    assertThatThrownBy(() -> load("finetune:\n  batch_size: 0\n", Map.of()))
        .hasMessageContaining("'finetune.batch_size'");
    assertThat(load("train:\n  batch_size: 0\n", Map.of()).train().batchSize()).isZero();
    assertThatThrownBy(() -> load("train:\n  step_siz: 3\n", Map.of()))
        .hasMessageContaining("did you mean 'step_size'");
  }

  @Test
  void badOverrideSyntaxIsExplained() {
    assertThatThrownBy(() -> PipelineConfigLoader.parseAssignment("train.lr"))
        .hasMessageContaining("section.key=value");
    assertThatThrownBy(() -> load("", Map.of("lr", "0.1")))
        .hasMessageContaining("must name a section and a key");
  }

  @Test
  void bundledPipelineYamlLoads() {
    PipelineConfig c = PipelineConfigLoader.load(Path.of("pipeline.yaml"), Map.of());
    assertThat(c.run().stages()).contains("extract", "train", "report");
  }
}
