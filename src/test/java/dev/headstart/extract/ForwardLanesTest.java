package dev.headstart.extract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * Batches on several lanes come back in order, each with the features of its own images (a
 * buffer is never refilled while its batch computes), and a batch too big for the GPU is split.
 * The fake forward pass returns each image's first value and its lane, after a random delay.
 */
class ForwardLanesTest {
  private static final int SIZE = 2; // 3 x 2 x 2 = 12 floats per image
  private static final int FLOATS = 12;

  private final Set<String> threads = ConcurrentHashMap.newKeySet();
  private final List<String> log = Collections.synchronizedList(new ArrayList<>());

  private float[][] fake(int lane, ImageBatch b, Random delay) {
    threads.add(Thread.currentThread().getName());
    try {
      Thread.sleep(delay.nextInt(4));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    float[][] out = new float[b.count()][];
    for (int i = 0; i < b.count(); i++) {
      // every float of an image holds its id: a mixed-up buffer shows as a wrong or uneven row
      float id = b.data()[i * FLOATS];
      for (int k = 1; k < FLOATS; k++) {
        if (b.data()[i * FLOATS + k] != id) throw new AssertionError("image " + id + " was overwritten");
      }
      out[i] = new float[] {id, lane};
    }
    return out;
  }

  /** Submits batches of images numbered 0..n-1 and returns the ids in the order they came back. */
  private List<Float> runAll(ForwardLanes<Integer> lanes, int images, int batch) throws IOException {
    List<Float> got = new ArrayList<>();
    List<Integer> batchesSeen = new ArrayList<>();
    ForwardLanes.Done<Integer> done = (tag, f, nanos) -> {
      batchesSeen.add(tag);
      for (float[] row : f) got.add(row[0]);
    };
    int tag = 0;
    int slot = 0;
    for (int id = 0; id < images; id++) {
      java.util.Arrays.fill(lanes.buffer(), slot * FLOATS, (slot + 1) * FLOATS, id);
      if (++slot == batch) {
        lanes.submit(tag++, slot, SIZE, done);
        slot = 0;
      }
    }
    if (slot > 0) lanes.submit(tag++, slot, SIZE, done);
    lanes.drain(done);
    List<Integer> expected = new ArrayList<>();
    for (int t = 0; t < tag; t++) expected.add(t);
    assertThat(batchesSeen).isEqualTo(expected);
    return got;
  }

  private static List<Float> ids(int n) {
    List<Float> l = new ArrayList<>();
    for (int i = 0; i < n; i++) l.add((float) i);
    return l;
  }

  @Test
  void severalLanesReturnEveryBatchInOrderWithItsOwnImages() throws IOException {
    Random delay = new Random(7);
    Set<Float> lanesUsed = ConcurrentHashMap.newKeySet();
    try (ForwardLanes<Integer> lanes = new ForwardLanes<>(4, 8 * FLOATS, (lane, b) -> {
      lanesUsed.add((float) lane);
      return fake(lane, b, delay);
    }, log::add)) {
      assertThat(runAll(lanes, 203, 8)).isEqualTo(ids(203));
    }
    assertThat(lanesUsed).containsExactlyInAnyOrder(0f, 1f, 2f, 3f);
    assertThat(threads).allMatch(t -> t.startsWith("headstart-forward-"));
    assertThat(log).isEmpty();
  }

  @Test
  void oneLaneRunsOnTheCallersThread() throws IOException {
    Random delay = new Random(1);
    try (ForwardLanes<Integer> lanes = new ForwardLanes<>(1, 8 * FLOATS, (lane, b) -> fake(lane, b, delay), log::add)) {
      assertThat(runAll(lanes, 20, 8)).isEqualTo(ids(20));
    }
    assertThat(threads).containsExactly(Thread.currentThread().getName());
  }

  @Test
  void aBatchThatRunsOutOfGpuMemoryIsSplitAndLaterOnesAreCut() throws IOException {
    Random delay = new Random(3);
    List<Integer> passSizes = Collections.synchronizedList(new ArrayList<>());
    try (ForwardLanes<Integer> lanes = new ForwardLanes<>(2, 16 * FLOATS, (lane, b) -> {
      passSizes.add(b.count());
      if (b.count() > 5) {
        throw new IllegalStateException("forward pass failed",
            new RuntimeException("CUDA out of memory. Tried to allocate 2.00 GiB"));
      }
      return fake(lane, b, delay);
    }, log::add)) {
      assertThat(runAll(lanes, 100, 16)).isEqualTo(ids(100));
    }
    assertThat(passSizes.stream().filter(n -> n <= 5)).allMatch(n -> n <= 4);
    // after the first failures every pass is cut to the size that fitted: no more failed passes of 8+
    assertThat(passSizes.subList(passSizes.size() - 10, passSizes.size())).allMatch(n -> n <= 4);
    assertThat(log).isNotEmpty().allMatch(l -> l.contains("ran out of GPU memory"));
  }

  @Test
  void otherErrorsArePassedOnNotRetried() {
    try (ForwardLanes<Integer> lanes = new ForwardLanes<>(2, 8 * FLOATS, (lane, b) -> {
      throw new IllegalStateException("forward pass of backbone x failed: shape mismatch");
    }, log::add)) {
      assertThatThrownBy(() -> runAll(lanes, 40, 8)).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("shape mismatch");
    }
    assertThat(log).isEmpty();
  }

  @Test
  void outOfMemoryIsFoundInTheCauseChain() {
    assertThat(ForwardLanes.outOfMemory(new IllegalStateException("a",
        new RuntimeException("b", new RuntimeException("CUDA out of memory."))))).isTrue();
    assertThat(ForwardLanes.outOfMemory(new IllegalStateException("a", new RuntimeException("b")))).isFalse();
  }
}
