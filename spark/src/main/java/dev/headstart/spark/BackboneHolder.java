package dev.headstart.spark;

import ai.djl.Device;
import dev.headstart.config.BackboneConfig;
import dev.headstart.core.Reporter;
import dev.headstart.engine.EngineGuard;
import dev.headstart.engine.Workload;
import dev.headstart.extract.Backbone;
import dev.headstart.extract.BackboneLoader;
import dev.headstart.extract.BackboneSource;
import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumSet;

/**
 * The backbone of this executor JVM: loaded once, by the first task that needs it, and checked
 * against its model card's known answer there (an executor on another kind of CPU gets the same
 * check as the driver); every task thread then opens a predictor of its own on it.
 */
final class BackboneHolder {
  private static Backbone backbone;
  private static String key;

  private BackboneHolder() {}

  static synchronized Backbone get(TaskSettings s) throws IOException {
    String k = s.backboneUri() + "|" + s.backboneSha() + "|" + s.precision() + "|" + s.device();
    if (backbone != null && k.equals(key)) return backbone;
    if (backbone != null) backbone.close();
    // before libtorch loads in this JVM: the oneDNN cap this machine's engine check chose
    EngineGuard.prepare(EnumSet.of("bf16".equals(s.precision()) ? Workload.BF16_INFERENCE : Workload.FP32_INFERENCE));
    BackboneSource source = BackboneLoader.locate(new BackboneConfig(s.backboneUri(), s.card(), s.device()),
        Path.of(s.baseDir()));
    Device device = BackboneLoader.device(s.device());
    backbone = BackboneLoader.load(source, device, s.precision(), s.backboneSha(), Reporter.silent());
    key = k;
    return backbone;
  }
}
