package dev.headstart.config;

import java.util.List;

/**
 * The pretrained backbone: a local TorchScript file with its model card beside it
 * (name.pt + name.json), or a DJL model-zoo URL such as djl://ai.djl.pytorch/resnet18_embedding.
 *
 * @param uri the TorchScript file (relative to pipeline.yaml) or a djl:// URL
 * @param card the model card JSON; empty means the .json beside the .pt file
 * @param device auto (GPU when DJL sees one), cpu or gpu
 */
public record BackboneConfig(String uri, String card, String device) {
  public static final BackboneConfig DEFAULTS =
      new BackboneConfig("examples/fashion5/backbone/fashion_squeezenet.pt", "", "auto");

  public BackboneConfig {
    Check.oneOf("backbone.device", device, List.of("auto", "cpu", "gpu"));
    if (uri == null || uri.isBlank()) {
      throw new ConfigException("'backbone.uri' is empty; give a TorchScript file or a djl:// URL");
    }
  }

  public boolean isModelZoo() {
    return uri.startsWith("djl://");
  }
}
