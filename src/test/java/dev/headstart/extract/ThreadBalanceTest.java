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

  private static final long MS = 1_000_000L;

  /** Feeds batches of 32 with the given per-image costs (decoders' time summed over them). */
  private ThreadBalance feed(ThreadBalance b, int batches, double forwardMs, double decodeMs) {
    long decodeNanos = 0;
    long decoded = 0;
    for (int i = 0; i < batches; i++) {
      decoded += 32;
      decodeNanos += (long) (32 * decodeMs * MS);
      b.afterBatch((long) (32 * forwardMs * MS), 32, decodeNanos, decoded);
    }
    return b;
  }

  @Test
  void aForwardBoundBackboneGetsEveryCoreAfterTheMeasuredBatches() {
    // ResNet-18 at 224 px on this machine: ~25 ms forward on 1 thread, ~10 ms to decode
    ThreadBalance b = new ThreadBalance(2, 1, 1, false, set::add, decoders::add, log::add);
    feed(b, 1, 25, 10);
    assertThat(set).isEmpty(); // the first batch is skipped, the second measured
    feed(b, 1, 25, 10);
    assertThat(set).containsExactly(2);
    assertThat(b.threads()).isEqualTo(2);
    assertThat(log).singleElement().asString().contains("libtorch now uses 2 threads");
    feed(b, 20, 25, 10);
    assertThat(set).containsExactly(2); // decided once
  }

  @Test
  void aBalancedSmallBackboneKeepsTheSplit() {
    // the bundled example: forward and decoding cost about the same per image
    ThreadBalance b = feed(new ThreadBalance(2, 1, 1, false, set::add, decoders::add, log::add), 10, 1.0, 1.1);
    assertThat(set).isEmpty();
    assertThat(b.threads()).isEqualTo(1);
    assertThat(b.decision()).contains("kept 1 decoder(s) + 1 libtorch thread(s)");
  }

  @Test
  void decodeBoundWorkGetsADecoderPerCore() {
    // a fast forward pass (bf16, or a small backbone) behind slow decoding: 2 ms vs 10 ms
    ThreadBalance b = feed(new ThreadBalance(4, 1, 3, false, set::add, decoders::add, log::add), 3, 2, 10);
    assertThat(set).isEmpty();
    assertThat(decoders).containsExactly(4);
    assertThat(b.decoders()).isEqualTo(4);
    assertThat(b.decision()).contains("now 4 decoders");
  }

  @Test
  void onAGpuOnlyDecodersCountAndChoicesMadeByHandStay() {
    // the GPU's forward pass is cheap for the CPU: a decoder per core
    feed(new ThreadBalance(16, 5, 11, true, set::add, decoders::add, log::add), 3, 0.5, 8);
    assertThat(set).isEmpty();
    assertThat(decoders).containsExactly(16);
    // --threads given: the decoders stay; --intra-op-threads given: libtorch's threads stay
    ThreadBalance fixedDecoders = feed(new ThreadBalance(4, 1, 3, false, set::add, null, log::add), 3, 2, 10);
    ThreadBalance fixedTorch = feed(new ThreadBalance(2, 1, 1, false, null, decoders::add, log::add), 3, 25, 10);
    assertThat(set).isEmpty();
    assertThat(decoders).containsExactly(16);
    assertThat(fixedDecoders.decision()).contains("kept");
    assertThat(fixedTorch.decision()).contains("kept");
  }

  @Test
  void aMarginalGainOrFullThreadsChangeNothing() {
    // more decoders would help decoding a little, but the shared cores cap the gain below 25%
    ThreadBalance marginal = feed(new ThreadBalance(2, 1, 1, false, set::add, decoders::add, log::add), 10, 9, 10);
    ThreadBalance full = feed(new ThreadBalance(4, 4, 4, false, set::add, decoders::add, log::add), 10, 25, 1);
    assertThat(set).isEmpty();
    assertThat(decoders).isEmpty();
    assertThat(marginal.decision()).contains("kept");
    assertThat(full.decision()).contains("kept");
  }

  @Test
  void onAGpuEveryCoreDecodesFromTheStartAndLibtorchThreadsStay() {
    ThreadBalance b = new ThreadBalance(16, 5, 11, true, set::add, decoders::add, log::add);
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
    ThreadBalance b = new ThreadBalance(16, 4, 12, true, set::add, null, log::add);
    feed(b, 5, 0.5, 20);
    assertThat(b.decoders()).isEqualTo(4);
    assertThat(set).isEmpty();
    assertThat(b.decision()).contains("kept 4 decoder(s) (extract.threads)");
  }
}
