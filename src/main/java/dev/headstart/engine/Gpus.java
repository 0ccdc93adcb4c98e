package dev.headstart.engine;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.util.ArrayList;
import java.util.List;

/**
 * The GPUs the CUDA driver shows this process (CUDA_VISIBLE_DEVICES applies), asked through the
 * driver library (libcuda.so.1, installed with the NVIDIA driver) rather than through libtorch:
 * known before libtorch loads, whichever libtorch that is, and without DJL's lookup of libcudart
 * by name. Counting GPUs creates no CUDA context, so it costs no GPU memory.
 */
public final class Gpus {
  /** One GPU: its CUDA index in this process, name and memory. */
  public record Gpu(int index, String name, long totalBytes) {
    public String describe() {
      return "cuda:" + index + " " + name + " (" + Math.round(totalBytes / (1024.0 * 1024 * 1024)) + " GiB)";
    }
  }

  private interface CudaDriver extends Library {
    int cuInit(int flags);

    int cuDeviceGetCount(int[] count);

    int cuDeviceGet(int[] device, int ordinal);

    int cuDeviceGetName(byte[] name, int len, int device);

    int cuDeviceTotalMem_v2(long[] bytes, int device);
  }

  private static volatile List<Gpu> seen;
  private static volatile String why = "";

  private Gpus() {}

  /** The GPUs seen (empty without a driver or a GPU); read once. */
  public static List<Gpu> list() {
    List<Gpu> s = seen;
    if (s == null) {
      s = read();
      seen = s;
    }
    return s;
  }

  /** Why none were seen ("no NVIDIA driver (libcuda.so.1)"), empty when some were. */
  public static String whyNone() {
    list();
    return why;
  }

  private static List<Gpu> read() {
    CudaDriver cu;
    try {
      cu = Native.load("libcuda.so.1", CudaDriver.class);
    } catch (UnsatisfiedLinkError | RuntimeException e) {
      why = "no NVIDIA driver (libcuda.so.1 not found)";
      return List.of();
    }
    int rc = cu.cuInit(0);
    if (rc != 0) {
      why = "the NVIDIA driver reports no usable GPU (cuInit error " + rc + ")";
      return List.of();
    }
    int[] count = new int[1];
    if (cu.cuDeviceGetCount(count) != 0 || count[0] == 0) {
      why = "the NVIDIA driver shows no GPU to this process (CUDA_VISIBLE_DEVICES?)";
      return List.of();
    }
    List<Gpu> gpus = new ArrayList<>();
    for (int i = 0; i < count[0]; i++) {
      int[] dev = new int[1];
      if (cu.cuDeviceGet(dev, i) != 0) continue;
      byte[] name = new byte[256];
      String n = cu.cuDeviceGetName(name, name.length, dev[0]) == 0 ? Native.toString(name) : "GPU " + i;
      long[] mem = new long[1];
      long total = cu.cuDeviceTotalMem_v2(mem, dev[0]) == 0 ? mem[0] : 0;
      gpus.add(new Gpu(i, n, total));
    }
    why = "";
    return List.copyOf(gpus);
  }
}
