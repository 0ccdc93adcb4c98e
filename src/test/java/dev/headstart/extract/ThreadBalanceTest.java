package dev.headstart.extract;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one-time choice between the decoder/libtorch split and libtorch on every core. */
class ThreadBalanceTest {
  private final List<Integer> set = new ArrayList<>();
  private final List<Integer> decoders = new ArrayList<>();
  private final List<String> log = new ArrayList<>();
  private final List<Boolean> turns = new ArrayList<>();
  /** The fake clock: each fed batch moves it on by {@link #batchWallMs}. */
  private long clock;
  private double batchWallMs = 100;

  private ThreadBalance balance(int cores, int decoders, int threads, boolean gpu,
      java.util.function.IntConsumer setThreads, java.util.function.IntConsumer setDecoders) {
    return new ThreadBalance(cores, decoders, threads, gpu, setThreads, setDecoders, turns::add, () -> clock,
        log::add);
  }

  private static final long MS = 1_000_000L;

  /** Feeds batches of 32 with the given per-image costs (decoders' time summed over them). */
  private ThreadBalance feed(ThreadBalance b, int batches, double forwardMs, double decodeMs) {
    long decodeNanos = 0;
    long decoded = 0;
    for (int i = 0; i < batches; i++) {
      decoded += 32;
      decodeNanos += (long) (32 * decodeMs * MS);
      clock += (long) (batchWallMs * MS);
      b.afterBatch((long) (32 * forwardMs * MS), 32, decodeNanos, decoded);
    }
    return b;
  }

  @Test
  void aForwardBoundBackboneTakesTurnsOnEveryCoreAfterTheMeasuredBatches() {
    // ResNet-18 at 224 px: ~25 ms forward on 1 thread, ~10 ms to decode; the split runs a batch of
    // 32 in 800 ms (the forward pass on its one core), taking turns in 32 x (10 + 25) / 2 = 560 ms
    batchWallMs = 800;
    ThreadBalance b = balance(2, 1, 1, false, set::add, decoders::add);
    feed(b, 1, 25, 10);
    assertThat(set).isEmpty(); // the first batch is skipped, the second measured
    feed(b, 1, 25, 10);
    assertThat(set).containsExactly(2);
    assertThat(decoders).containsExactly(2);
    assertThat(turns).containsExactly(true);
    assertThat(b.threads()).isEqualTo(2);
    assertThat(b.takingTurns()).isTrue();
    assertThat(log).singleElement().asString().contains("take turns on all 2 cores");
    batchWallMs = 560;
    feed(b, 20, 12.5, 10);
    // the clock agreed: decided once, and kept
    assertThat(set).containsExactly(2);
    assertThat(turns).containsExactly(true);
    assertThat(b.decision()).contains("measured 57 images/s taking turns against 40 before -> kept");
  }

  @Test
  void takingTurnsThatComesSlowerGivesTheSplitBack() {
    // predicted to gain, but this forward pass does not scale to the second core: the batches
    // after the switch come slower than before it
    batchWallMs = 800;
    ThreadBalance b = feed(balance(2, 1, 1, false, set::add, decoders::add), 2, 25, 10);
    assertThat(b.takingTurns()).isTrue();
    batchWallMs = 900;
    feed(b, 10, 25, 10);
    assertThat(b.takingTurns()).isFalse();
    assertThat(turns).containsExactly(true, false);
    assertThat(set).containsExactly(2, 1);
    assertThat(decoders).containsExactly(2, 1);
    assertThat(b.threads()).isEqualTo(1);
    assertThat(b.decoders()).isEqualTo(1);
    assertThat(b.decision()).contains("against 40 before -> back to 1 decoder(s) + 1 libtorch thread(s)");
  }

  @Test
  void aBalancedSmallBackboneKeepsTheSplit() {
    // the bundled example: forward and decoding cost about the same per image
    ThreadBalance b = feed(balance(2, 1, 1, false, set::add, decoders::add), 10, 1.0, 1.1);
    assertThat(set).isEmpty();
    assertThat(b.threads()).isEqualTo(1);
    assertThat(b.decision()).contains("kept 1 decoder(s) + 1 libtorch thread(s)");
  }

  @Test
  void decodeBoundWorkGetsADecoderPerCore() {
    // a fast forward pass (bf16, or a small backbone) behind slow decoding: 2 ms vs 10 ms
    ThreadBalance b = feed(balance(4, 1, 3, false, set::add, decoders::add), 3, 2, 10);
    assertThat(set).isEmpty();
    assertThat(decoders).containsExactly(4);
    assertThat(b.decoders()).isEqualTo(4);
    assertThat(b.decision()).contains("now 4 decoders");
  }

  @Test
  void onAGpuOnlyDecodersCountAndChoicesMadeByHandStay() {
    // the GPU's forward pass is cheap for the CPU: a decoder per core
    feed(balance(16, 5, 11, true, set::add, decoders::add), 3, 0.5, 8);
    assertThat(set).isEmpty();
    assertThat(decoders).containsExactly(16);
    // --threads given: the decoders stay; --intra-op-threads given: libtorch's threads stay
    ThreadBalance fixedDecoders = feed(balance(4, 1, 3, false, set::add, null), 3, 2, 10);
    ThreadBalance fixedTorch = feed(balance(2, 1, 1, false, null, decoders::add), 3, 25, 10);
    assertThat(set).isEmpty();
    assertThat(decoders).containsExactly(16);
    assertThat(fixedDecoders.decision()).contains("kept");
    assertThat(fixedTorch.decision()).contains("kept");
  }

  @Test
  void aMarginalGainOrFullThreadsChangeNothing() {
    // more decoders would help decoding a little, but the shared cores cap the gain below 25%
    ThreadBalance marginal = feed(balance(2, 1, 1, false, set::add, decoders::add), 10, 9, 10);
    ThreadBalance full = feed(balance(4, 4, 4, false, set::add, decoders::add), 10, 25, 1);
    assertThat(set).isEmpty();
    assertThat(decoders).isEmpty();
    assertThat(marginal.decision()).contains("kept");
    assertThat(full.decision()).contains("kept");
  }

  @Test
  void onAGpuEveryCoreDecodesFromTheStartAndLibtorchThreadsStay() {
    ThreadBalance b = balance(16, 5, 11, true, set::add, decoders::add);
    assertThat(decoders).containsExactly(16);
    assertThat(b.decoders()).isEqualTo(16);
    assertThat(log).singleElement().asString().contains("forward pass on the GPU").contains("16 decoders");
    // the measured batches change nothing: a GPU forward pass takes no CPU cores from the decoders
    feed(b, 10, 0.5, 20);
    feed(b, 10, 40, 1);
    assertThat(set).isEmpty();
    assertThat(decoders).containsExactly(16);
    assertThat(b.threads()).isEqualTo(11);
  }

  @Test
  void onAGpuDecodersChosenByHandStay() {
    ThreadBalance b = balance(16, 4, 12, true, set::add, null);
    feed(b, 5, 0.5, 20);
    assertThat(b.decoders()).isEqualTo(4);
    assertThat(set).isEmpty();
    assertThat(b.decision()).contains("kept 4 decoder(s) (extract.threads)");
  }
}
