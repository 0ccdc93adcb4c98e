package dev.headstart.finetune;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ParameterBlocksTest {
  @Test
  void sequentialStagesAreBlocks() {
    ParameterBlocks b = ParameterBlocks.of(List.of("features.0.0.weight", "features.0.1.weight",
        "features.0.1.bias", "features.1.0.weight", "features.1.1.weight", "features.2.0.weight",
        "features.2.1.bias"));
    assertThat(b.names()).containsExactly("features.0", "features.1", "features.2");
    assertThat(b.lastBlocksParameters(1)).containsExactly("features.2.0.weight", "features.2.1.bias");
    assertThat(b.lastBlocksParameters(9)).hasSize(7);
    assertThat(b.lastBlocksParameters(0)).isEmpty();
  }

  @Test
  void resnetLayersAreBlocks() {
    ParameterBlocks b = ParameterBlocks.of(List.of("conv1.weight", "bn1.weight", "bn1.bias",
        "layer1.0.conv1.weight", "layer1.1.bn2.bias", "layer4.0.downsample.0.weight",
        "layer4.1.bn2.bias"));
    assertThat(b.names()).containsExactly("conv1", "bn1", "layer1", "layer4");
    assertThat(b.lastBlocksParameters(1))
        .containsExactly("layer4.0.downsample.0.weight", "layer4.1.bn2.bias");
  }

  @Test
  void vggAndWrappedInceptionNames() {
    assertThat(ParameterBlocks.of(List.of("features.0.weight", "features.0.bias", "features.28.weight"))
        .names()).containsExactly("features.0", "features.28");
    assertThat(ParameterBlocks.of(List.of("m.Conv2d_1a_3x3.conv.weight", "m.Mixed_6e.branch1x1.conv.weight",
        "m.AuxLogits.conv0.conv.weight", "m.Mixed_7c.branch_pool.bn.bias")).names())
        .containsExactly("m.Conv2d_1a_3x3", "m.Mixed_6e", "m.AuxLogits", "m.Mixed_7c");
  }
}
