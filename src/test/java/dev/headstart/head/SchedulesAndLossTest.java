package dev.headstart.head;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.tracker.Tracker;
import dev.headstart.config.RecordBinder;
import dev.headstart.config.TrainConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SchedulesAndLossTest {
  private static TrainConfig config(Map<String, Object> values) {
    return RecordBinder.bind("train", new java.util.LinkedHashMap<>(values), TrainConfig.DEFAULTS);
  }

  @Test
  void stepLrDropsByGammaEveryStepSizeEpochsCountedInOptimizerUpdates() {
    Tracker t = Schedules.of(config(Map.of("lr", 0.1, "step_size", 2, "gamma", 0.5, "epochs", 6)), 3);
    float[] expected = {0.1f, 0.1f, 0.05f, 0.05f, 0.025f, 0.025f};
    for (int update = 1; update <= 18; update++) {
      int epoch = (update - 1) / 3;
      assertThat(t.getNewValue(update)).as("update %d", update).isCloseTo(expected[epoch], offset(1e-7f));
    }
    // a single drop (8 epochs, step 7) is a StepLR too
    Tracker one = Schedules.of(config(Map.of("lr", 0.1, "step_size", 7, "gamma", 0.1, "epochs", 8)), 2);
    assertThat(one.getNewValue(14)).isCloseTo(0.1f, offset(1e-7f));
    assertThat(one.getNewValue(15)).isCloseTo(0.01f, offset(1e-8f));
  }

  @Test
  void cosineAnnealsFromLrToZeroOverAllSteps() {
    Tracker t = Schedules.of(config(Map.of("lr", 0.2, "scheduler", "cosine", "epochs", 4)), 5);
    assertThat(t.getNewValue(0)).isCloseTo(0.2f, offset(1e-6f));
    assertThat(t.getNewValue(10)).isCloseTo(0.1f, offset(1e-6f));
    assertThat(t.getNewValue(20)).isCloseTo(0f, offset(1e-6f));
    Tracker none = Schedules.of(config(Map.of("lr", 0.2, "scheduler", "none")), 5);
    assertThat(none.getNewValue(1000)).isEqualTo(0.2f);
  }

  @Test
  void labelSmoothingMixesTheTrueClassLossWithTheMeanOverClasses() {
    try (NDManager m = NDManager.newBaseManager()) {
      float[] logits = {2f, 0f, -1f, 0.5f, 0.5f, 3f};
      long[] labels = {0, 2};
      double nll = 0;
      double uniform = 0;
      for (int r = 0; r < 2; r++) {
        double z = 0;
        for (int k = 0; k < 3; k++) z += Math.exp(logits[r * 3 + k]);
        for (int k = 0; k < 3; k++) {
          double logp = logits[r * 3 + k] - Math.log(z);
          if (k == labels[r]) nll -= logp / 2;
          uniform -= logp / 6;
        }
      }
      NDList x = new NDList(m.create(logits, new Shape(2, 3)));
      NDList y = new NDList(m.create(labels));
      assertThat(new SmoothedCrossEntropyLoss(0).evaluate(y, x).getFloat()).isCloseTo((float) nll, offset(1e-5f));
      assertThat(new SmoothedCrossEntropyLoss(0.2f).evaluate(y, x).getFloat())
          .isCloseTo((float) (0.8 * nll + 0.2 * uniform), offset(1e-5f));
    }
  }
}
