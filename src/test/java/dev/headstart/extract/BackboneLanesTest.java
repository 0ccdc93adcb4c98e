package dev.headstart.extract;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import dev.headstart.config.BackboneConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The GPU path's lanes on the CPU: a real backbone with several predictors, driven through
 * ForwardLanes from several threads, gives each batch exactly the features one lane gives it in
 * order. (On GPUs the lanes are the same code on other devices.)
 */
class BackboneLanesTest {
  @Test
  void severalLanesGiveTheFeaturesOfOneLaneInOrder() throws IOException {
    try (Backbone b = BackboneLoader.load(new BackboneConfig("tiny_cnn.pt", "", "cpu"), BackboneLoaderTest.BACKBONES)) {
      b.addLanes(Device.cpu(), 2);
      assertThat(b.lanes()).isEqualTo(3);
      assertThat(b.devices()).containsExactly(Device.cpu());
      int s = b.card().inputSize();
      int floats = 3 * s * s;
      int images = 45;
      float[] all = new float[images * floats];
      Random rng = new Random(11);
      for (int i = 0; i < all.length; i++) all[i] = (float) rng.nextGaussian();
      float[][] expected = new float[images][];
      for (int i = 0; i < images; i++) {
        float[] one = java.util.Arrays.copyOfRange(all, i * floats, (i + 1) * floats);
        expected[i] = b.forward(new ImageBatch(one, 1, s))[0];
      }
      List<float[]> got = new ArrayList<>();
      ForwardLanes.Done<Integer> done = (tag, f, nanos) -> got.addAll(List.of(f));
      try (ForwardLanes<Integer> lanes = new ForwardLanes<>(b.lanes(), 4 * floats, b::forward, m -> { })) {
        for (int start = 0; start < images; start += 4) {
          int k = Math.min(4, images - start);
          System.arraycopy(all, start * floats, lanes.buffer(), 0, k * floats);
          lanes.submit(start, k, s, done);
        }
        lanes.drain(done);
      }
      assertThat(got).hasSize(images);
      for (int i = 0; i < images; i++) {
        for (int k = 0; k < expected[i].length; k++) {
          assertThat(got.get(i)[k]).as("image %d feature %d", i, k).isCloseTo(expected[i][k],
              org.assertj.core.data.Offset.offset(1e-5f * Math.max(1, Math.abs(expected[i][k]))));
        }
      }
      assertThat(b.describe().get("device")).isEqualTo(Device.cpu().toString());
    }
  }

  @Test
  void aDeviceListLoadsOneModelPerDeviceEachCheckedAgainstItsKnownAnswer() {
    // two CPU "devices" stand in for two GPUs: the same loading path, one model each
    Device two = new Device.MultiDevice(new ArrayList<>(List.of(Device.cpu(), Device.cpu())));
    BackboneSource src = BackboneLoader.locate(new BackboneConfig("tiny_cnn.pt", "", "cpu"), BackboneLoaderTest.BACKBONES);
    try (Backbone b = BackboneLoader.load(src, two, "fp32")) {
      assertThat(b.lanes()).isEqualTo(2);
      assertThat(b.probe()).isNotNull();
      int s = b.card().inputSize();
      float[] x = new float[2 * 3 * s * s];
      Random rng = new Random(5);
      for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextGaussian();
      float[][] first = b.forward(0, new ImageBatch(x, 2, s));
      float[][] second = b.forward(1, new ImageBatch(x, 2, s));
      assertThat(second[0]).containsExactly(first[0]);
      assertThat(second[1]).containsExactly(first[1]);
    }
  }
}
