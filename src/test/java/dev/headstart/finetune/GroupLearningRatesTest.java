package dev.headstart.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.headstart.config.FinetuneConfig;
import dev.headstart.config.RecordBinder;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GroupLearningRatesTest {
  static FinetuneConfig config(String scheduler, double lr, double backboneLr, int epochs, int stepSize) {
    return RecordBinder.bind("finetune", Map.of("hidden", List.of(), "dropout", 0.0, "lr", lr,
        "backbone_lr", backboneLr, "batch_size", 16, "epochs", epochs, "scheduler", scheduler,
        "step_size", stepSize, "gamma", 0.5), FinetuneConfig.DEFAULTS);
  }

  @Test
  void stepScheduleDropsByGammaEveryStepSizeEpochs() {
    // 10 steps per epoch, drop every 2 epochs: updates 1-20 at lr, 21-40 at lr/2, 41- at lr/4
    GroupLearningRates r = GroupLearningRates.of(config("step", 0.1, 0, 10, 2), 10, Set.of());
    assertThat(r.getNewValue("head", 1)).isEqualTo(0.1f);
    assertThat(r.getNewValue("head", 20)).isEqualTo(0.1f);
    assertThat(r.getNewValue("head", 21)).isCloseTo(0.05f, within(1e-7f));
    assertThat(r.getNewValue("head", 41)).isCloseTo(0.025f, within(1e-7f));
  }

  @Test
  void backboneParametersGetTheirOwnRateUnderTheSameSchedule() {
    GroupLearningRates r = GroupLearningRates.of(config("step", 0.01, 0.001, 10, 1), 5, Set.of("bb"));
    assertThat(r.getNewValue("bb", 1)).isCloseTo(0.001f, within(1e-9f));
    assertThat(r.getNewValue("head", 1)).isCloseTo(0.01f, within(1e-9f));
    assertThat(r.getNewValue("bb", 6)).isCloseTo(0.0005f, within(1e-9f));
    assertThat(GroupLearningRates.of(config("none", 0.01, 0, 10, 1), 5, Set.of("bb"))
        .getNewValue("bb", 100)).isEqualTo(0.01f);
  }

  @Test
  void cosineScheduleFallsToZeroOverAllEpochs() {
    GroupLearningRates r = GroupLearningRates.of(config("cosine", 0.1, 0, 4, 1), 10, Set.of());
    assertThat(r.getNewValue("h", 0)).isCloseTo(0.1f, within(1e-6f));
    assertThat(r.getNewValue("h", 20)).isCloseTo(0.05f, within(1e-3f));
    assertThat(r.getNewValue("h", 40)).isCloseTo(0f, within(1e-6f));
  }
}
