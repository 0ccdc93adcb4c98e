package dev.headstart.head;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HeadFactoryTest {
  @TempDir Path dir;

  private static float[] outputs(SequentialBlock head, NDManager m, float[] x, int d) {
    NDArray in = m.create(x, new Shape(x.length / d, d));
    NDList out = head.forward(new ParameterStore(m, false), new NDList(in), false);
    return out.singletonOrThrow().toFloatArray();
  }

  @Test
  void linearAndMlpMapNByDToNByClasses() {
    try (NDManager m = NDManager.newBaseManager()) {
      float[] x = new float[3 * 6];
      for (int i = 0; i < x.length; i++) x[i] = i * 0.1f;
      for (HeadSpec spec : List.of(HeadSpec.linear(6, 4),
          new HeadSpec("mlp", 6, 4, List.of(16, 8), 0.3, true))) {
        SequentialBlock head = HeadFactory.create(spec, m, 1);
        NDArray in = m.create(x, new Shape(3, 6));
        NDArray out = head.forward(new ParameterStore(m, false), new NDList(in), false).singletonOrThrow();
        assertThat(out.getShape()).isEqualTo(new Shape(3, 4));
      }
      assertThat(HeadFactory.create(HeadSpec.linear(6, 4), m, 1).getParameters().size()).isEqualTo(2);
      assertThat(HeadFactory.create(new HeadSpec("mlp", 6, 4, List.of(16, 8), 0.3, true), m, 1)
          .getParameters().size()).isEqualTo(2 + 2 * 3);
    }
  }

  @Test
  void sameSeedSameWeightsOtherSeedOtherWeights() {
    try (NDManager m = NDManager.newBaseManager()) {
      HeadSpec spec = HeadSpec.linear(5, 3);
      float[] a = HeadFactory.create(spec, m, 42).getParameters().get(0).getValue().getArray().toFloatArray();
      float[] b = HeadFactory.create(spec, m, 42).getParameters().get(0).getValue().getArray().toFloatArray();
      float[] c = HeadFactory.create(spec, m, 43).getParameters().get(0).getValue().getArray().toFloatArray();
      assertThat(b).containsExactly(a);
      assertThat(c).isNotEqualTo(a);
    }
  }

  @Test
  void savedHeadReloadsWithItsStandardizationAndGivesTheSameLogits() throws Exception {
    HeadSpec spec = new HeadSpec("mlp", 4, 3, List.of(8), 0.5, true);
    float[] x = {1, 2, 3, 4, -1, 0, 5, 2};
    Path file = dir.resolve("weights/head.params");
    float[] before;
    try (NDManager m = NDManager.newBaseManager()) {
      SequentialBlock head = HeadFactory.create(spec, m, 7);
      HeadFactory.standardization(head).orElseThrow()
          .set(new float[] {1, 1, 1, 1}, new float[] {2, 2, 0, 4});
      before = outputs(head, m, x, 4);
      HeadIO.save(head, file);
    }
    try (NDManager m = NDManager.newBaseManager()) {
      SequentialBlock again = HeadIO.load(spec, file, m);
      assertThat(outputs(again, m, x, 4)).containsExactly(before);
      // the reloaded standardization is the fitted one, not the (0, 1) it starts from
      SequentialBlock fresh = HeadFactory.create(spec, m, 7);
      assertThat(outputs(fresh, m, x, 4)).isNotEqualTo(before);
    }
  }

  @Test
  void specRebuildsFromRecordedHyperparameters() {
    Map<String, Object> hp = Map.of("head", "mlp", "hidden", List.of(256.0, 64.0), "dropout", 0.2,
        "standardize", true, "lr", 0.01);
    HeadSpec spec = HeadSpec.fromHyperparameters(hp, 512, 5);
    assertThat(spec).isEqualTo(new HeadSpec("mlp", 512, 5, List.of(256, 64), 0.2, true));
    assertThat(HeadSpec.fromHyperparameters(Map.of("head", "linear", "hidden", List.of(3.0)), 8, 2))
        .isEqualTo(HeadSpec.linear(8, 2));
    assertThatThrownBy(() -> new HeadSpec("cnn", 8, 2, List.of(), 0, false))
        .hasMessageContaining("linear or mlp");
  }
}
