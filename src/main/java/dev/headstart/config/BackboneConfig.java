package dev.headstart.config;

/**
 * The pretrained backbone: a local TorchScript file with its model card beside it
 * (name.pt + name.json), or a DJL model-zoo URL such as djl://ai.djl.pytorch/resnet18_embedding.
 *
 * @param uri the TorchScript file (relative to pipeline.yaml) or a djl:// URL
 * @param card the model card JSON; empty means the .json beside the .pt file
 * @param device auto (every GPU this process sees, when libtorch is a CUDA build; else the CPU), cpu,
 *     gpu (every GPU seen) or gpu:0,1 (those CUDA indices); see {@link DeviceSetting}
 */
public record BackboneConfig(String uri, String card, String device) {
  public static final BackboneConfig DEFAULTS =
      new BackboneConfig("examples/fashion5/backbone/fashion_squeezenet.pt", "", "auto");

  public BackboneConfig {
    DeviceSetting.parse("backbone.device", device);
    if (uri == null || uri.isBlank()) {
      throw new ConfigException("'backbone.uri' is empty; give a TorchScript file or a djl:// URL");
    }
  }

  /** backbone.device, parsed. */
  public DeviceSetting deviceSetting() {
    return DeviceSetting.parse("backbone.device", device);
  }

  public boolean isModelZoo() {
    return uri.startsWith("djl://");
  }
}
