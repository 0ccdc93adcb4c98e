package dev.headstart.engine;

import dev.headstart.config.DeviceSetting;
import dev.headstart.core.UserException;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the forward passes run: the CPU, or these GPUs (one predictor each), from backbone.device,
 * the libtorch in use and the GPUs the driver shows. Decided before any work, so that a GPU asked
 * for but unusable stops the command with what to do.
 *
 * @param gpus CUDA indices, in the order given; empty for the CPU
 * @param note why the plan is what it is, when that is not obvious (auto falling back to the CPU)
 */
public record DevicePlan(List<Integer> gpus, String note) {
  public DevicePlan {
    gpus = List.copyOf(gpus);
  }

  public boolean onGpu() {
    return !gpus.isEmpty();
  }

  /** The first device only: for work that runs on one device (finetune, predict). */
  public DevicePlan first() {
    return gpus.size() <= 1 ? this : new DevicePlan(gpus.subList(0, 1), note);
  }

  /** "cpu", "gpu:0" or "gpu:0,1". */
  public String describe() {
    if (gpus.isEmpty()) return "cpu";
    return "gpu:" + String.join(",", gpus.stream().map(String::valueOf).toList());
  }

  /** The plan for this process: the installed libtorch and the GPUs the driver shows. */
  public static DevicePlan current(String key, DeviceSetting setting) {
    return plan(key, setting, LibtorchSwitch.installed(), Gpus.list(), Gpus.whyNone());
  }

  /**
   * @param key the setting's name, for messages ("backbone.device", "--device")
   * @param libtorch the installed libtorch; null for the bundled CPU one
   * @param seen the GPUs the driver shows
   * @param whyNone why there are none, when there are none
   */
  public static DevicePlan plan(String key, DeviceSetting setting, LibtorchFolder libtorch, List<Gpus.Gpu> seen,
      String whyNone) {
    boolean cudaLibtorch = libtorch != null && libtorch.isCuda();
    switch (setting.kind()) {
      case CPU:
        return new DevicePlan(List.of(), null);
      case AUTO:
        if (!cudaLibtorch) {
          return new DevicePlan(List.of(), seen.isEmpty() ? null : seen.size() + " GPU(s) seen, but libtorch is "
              + (libtorch == null ? "the bundled CPU build" : "CPU-only (" + libtorch.dir() + ")")
              + "; " + LibtorchSwitch.VARIABLE + " names a CUDA one (README: On a GPU)");
        }
        if (seen.isEmpty()) {
          return new DevicePlan(List.of(), "CUDA libtorch, but " + whyNone + ": running on the CPU");
        }
        return new DevicePlan(indices(seen), null);
      default:
        break;
    }
    String asked = key + "=" + setting;
    if (libtorch == null) {
      throw new UserException(asked + " asks for a GPU, but libtorch is the CPU build of the pytorch-native-cpu jar; "
          + "set " + LibtorchSwitch.VARIABLE + " to a CUDA libtorch " + EngineVersions.LIBTORCH + " folder (such as "
          + "the torch/lib of " + LibtorchSwitch.PIP_HINT + ") or " + LibtorchSwitch.VARIABLE + "=python, "
          + "or set " + key + " to auto or cpu");
    }
    if (!libtorch.isCuda()) {
      String where = libtorch.origin().contains(libtorch.dir().toString()) ? libtorch.origin()
          : libtorch.origin() + " (" + libtorch.dir() + ")";
      throw new UserException(asked + " asks for a GPU, but " + where + " holds libtorch " + libtorch.version() + ", a CPU-only build; it must be libtorch "
          + EngineVersions.LIBTORCH + "+" + LibtorchFolder.CUDA_FLAVOR + " (" + LibtorchSwitch.PIP_HINT
          + "), or set " + key + " to auto or cpu");
    }
    if (seen.isEmpty()) {
      throw new UserException(asked + " asks for a GPU, but " + whyNone + "; run on a machine with an NVIDIA GPU "
          + "and driver, or set " + key + " to auto or cpu");
    }
    if (setting.gpus().isEmpty()) return new DevicePlan(indices(seen), null);
    List<Integer> known = indices(seen);
    for (int id : setting.gpus()) {
      if (!known.contains(id)) {
        throw new UserException(asked + " names GPU " + id + ", but this process sees " + seen.size()
            + " GPU(s): " + String.join(", ", seen.stream().map(Gpus.Gpu::describe).toList())
            + " (CUDA_VISIBLE_DEVICES renumbers them from 0)");
      }
    }
    return new DevicePlan(setting.gpus(), null);
  }

  private static List<Integer> indices(List<Gpus.Gpu> seen) {
    List<Integer> ids = new ArrayList<>();
    for (Gpus.Gpu g : seen) ids.add(g.index());
    return ids;
  }
}
