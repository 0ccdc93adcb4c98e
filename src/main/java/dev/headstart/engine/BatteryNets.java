package dev.headstart.engine;

import com.google.gson.Gson;
import com.google.gson.annotations.SerializedName;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * battery/battery.json in the jar: the frozen nets tools/make_engine_battery.py exported and the
 * float64 eager PyTorch outputs each gives for its hash32-v1 input.
 */
public record BatteryNets(int version, @SerializedName("torch_version") String torchVersion,
    @SerializedName("conv_kit") String convKit, List<Net> nets) {

  /** One frozen net and its reference output. */
  public record Net(String name, String file, String precision, String layout, String input, long seed,
      int[] shape, @SerializedName("max_abs") double maxAbs, List<List<Double>> outputs) {

    double[] flatOutputs() {
      int n = 0;
      for (List<Double> row : outputs) n += row.size();
      double[] out = new double[n];
      int i = 0;
      for (List<Double> row : outputs) for (Double v : row) out[i++] = v;
      return out;
    }
  }

  private static volatile BatteryNets loaded;

  static BatteryNets load() throws IOException {
    BatteryNets b = loaded;
    if (b != null) return b;
    try (InputStream in = BatteryNets.class.getResourceAsStream("battery/battery.json")) {
      if (in == null) return new BatteryNets(0, null, null, List.of());
      b = new Gson().fromJson(new InputStreamReader(in, StandardCharsets.UTF_8), BatteryNets.class);
    }
    loaded = b;
    return b;
  }
}
