package dev.headstart.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstart.config.DeviceSetting;
import dev.headstart.core.UserException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Where backbone.device puts the backbone, for every combination of libtorch and GPUs. */
class DevicePlanTest {
  private static final LibtorchFolder CUDA =
      new LibtorchFolder(Path.of("/opt/torch/lib"), "2.7.1+cu128", "12.8", "HEADSTART_LIBTORCH=/opt/torch/lib");
  private static final LibtorchFolder CPU_ONLY =
      new LibtorchFolder(Path.of("/opt/cpu-torch/lib"), "2.7.1+cpu", null, "HEADSTART_LIBTORCH=/opt/cpu-torch/lib");
  private static final List<Gpus.Gpu> TWO = List.of(new Gpus.Gpu(0, "NVIDIA H100", 80L << 30),
      new Gpus.Gpu(1, "NVIDIA H100", 80L << 30));

  private static DevicePlan plan(String setting, LibtorchFolder lib, List<Gpus.Gpu> gpus) {
    return DevicePlan.plan("backbone.device", DeviceSetting.parse("backbone.device", setting), lib, gpus,
        gpus.isEmpty() ? "no NVIDIA driver (libcuda.so.1 not found)" : "");
  }

  @Test
  void autoTakesEveryGpuOnlyWithACudaLibtorch() {
    assertThat(plan("auto", CUDA, TWO).gpus()).containsExactly(0, 1);
    DevicePlan bundled = plan("auto", null, TWO);
    assertThat(bundled.onGpu()).isFalse();
    assertThat(bundled.note()).contains("2 GPU(s) seen").contains("HEADSTART_LIBTORCH");
    assertThat(plan("auto", CPU_ONLY, TWO).note()).contains("/opt/cpu-torch/lib");
    DevicePlan noGpu = plan("auto", CUDA, List.of());
    assertThat(noGpu.onGpu()).isFalse();
    assertThat(noGpu.note()).contains("no NVIDIA driver");
    assertThat(plan("auto", null, List.of()).note()).isNull();
    assertThat(plan("cpu", CUDA, TWO).describe()).isEqualTo("cpu");
  }

  @Test
  void gpuMeansEveryGpuAndAListMeansThoseInItsOrder() {
    assertThat(plan("gpu", CUDA, TWO).describe()).isEqualTo("gpu:0,1");
    assertThat(plan("gpu:1", CUDA, TWO).gpus()).containsExactly(1);
    assertThat(plan("gpu:1,0", CUDA, TWO).gpus()).containsExactly(1, 0);
    assertThat(plan("gpu:1,0", CUDA, TWO).first().gpus()).containsExactly(1);
    assertThat(plan("gpu", CUDA, TWO.subList(0, 1)).gpus()).containsExactly(0);
  }

  @Test
  void aGpuAskedForButUnusableSaysWhatToDo() {
    assertThatThrownBy(() -> plan("gpu", null, TWO)).isInstanceOf(UserException.class)
        .hasMessageContaining("backbone.device=gpu").hasMessageContaining("pytorch-native-cpu jar")
        .hasMessageContaining("HEADSTART_LIBTORCH");
    assertThatThrownBy(() -> plan("gpu:0", CPU_ONLY, TWO))
        .hasMessageContaining("/opt/cpu-torch/lib").hasMessageContaining("CPU-only")
        .hasMessageContaining("2.7.1+cu128");
    assertThatThrownBy(() -> plan("gpu", CUDA, List.of())).hasMessageContaining("no NVIDIA driver");
    assertThatThrownBy(() -> plan("gpu:0,2", CUDA, TWO))
        .hasMessageContaining("names GPU 2").hasMessageContaining("sees 2 GPU(s)")
        .hasMessageContaining("cuda:1 NVIDIA H100 (80 GiB)");
  }
}
