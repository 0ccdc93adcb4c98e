package dev.headstart.extract;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** extract.batch_size 0 (auto): the CPU's batch, or what GPU memory and the heap allow. */
class BatchSizingTest {
  private static final long GIB = 1L << 30;
  private static final int AT_224 = 3 * 224 * 224;
  private static final long HEAP = 8 * GIB;

  private static int auto(List<Long> gpus, int lanes, int floats, String precision, long heap) {
    return BatchSizing.of(0, gpus, lanes, floats, precision, heap).batchSize();
  }

  @Test
  void aConfiguredBatchIsKeptAndTheCpuGetsTheUsualOne() {
    assertThat(BatchSizing.of(12, List.of(80 * GIB), 2, AT_224, "fp32", HEAP).batchSize()).isEqualTo(12);
    assertThat(auto(List.of(), 1, AT_224, "fp32", HEAP)).isEqualTo(BatchSizing.CPU_BATCH);
  }

  @Test
  void theBatchFitsTheGpuWithEveryLaneHoldingOne() {
    for (long mem : List.of(4 * GIB, 8 * GIB, 16 * GIB, 24 * GIB)) {
      int b = auto(List.of(mem), 2, AT_224, "fp32", HEAP);
      long perImage = (long) AT_224 * 4 * BatchSizing.ACTIVATION_FACTOR;
      assertThat(2L * b * perImage).as("%d GiB", mem / GIB).isLessThanOrEqualTo((long) (mem * BatchSizing.GPU_SHARE));
      assertThat(b % BatchSizing.MIN_GPU_BATCH).isZero();
    }
    assertThat(auto(List.of(8 * GIB), 2, AT_224, "fp32", HEAP))
        .isLessThan(auto(List.of(16 * GIB), 2, AT_224, "fp32", HEAP));
    // half-width activations: at least as many images
    assertThat(auto(List.of(8 * GIB), 2, AT_224, "bf16", HEAP))
        .isGreaterThan(auto(List.of(8 * GIB), 2, AT_224, "fp32", HEAP));
  }

  @Test
  void theSmallestGpuDecidesAndLargeOnesAreCapped() {
    assertThat(auto(List.of(80 * GIB, 8 * GIB), 2, AT_224, "fp32", HEAP))
        .isEqualTo(auto(List.of(8 * GIB), 2, AT_224, "fp32", HEAP));
    assertThat(auto(List.of(141 * GIB), 2, AT_224, "fp32", HEAP)).isEqualTo(BatchSizing.MAX_GPU_BATCH);
    // a tiny GPU still gets the smallest batch; the pipeline halves it if even that does not fit
    assertThat(auto(List.of(GIB / 4), 2, AT_224, "fp32", HEAP)).isEqualTo(BatchSizing.MIN_GPU_BATCH);
  }

  @Test
  void theHeapBoundsTheInputBuffers() {
    long heap = GIB;
    int b = auto(List.of(141 * GIB, 141 * GIB), 2, AT_224, "fp32", heap);
    int buffers = 2 * 2 + 1;
    assertThat((long) buffers * b * AT_224 * 4).isLessThanOrEqualTo(heap / 4);
    assertThat(b).isLessThan(BatchSizing.MAX_GPU_BATCH);
    assertThat(BatchSizing.of(0, List.of(141 * GIB, 141 * GIB), 2, AT_224, "fp32", heap).why())
        .contains("auto on 2 GPU(s)").contains("the heap");
  }
}
