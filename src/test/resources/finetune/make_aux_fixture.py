"""Makes tiny_aux-trainable.pt (+ tiny_aux.json): a tiny CNN with an Inception-style auxiliary
output, for the finetune tests of the aux loss. Run with Debian's PyTorch:
    cd src/test/resources/finetune && /usr/bin/python3 make_aux_fixture.py
Like inception_v3's trainable export, the scripted module returns (features, aux) in training
mode and features alone in eval mode."""
import json
from typing import Tuple, Union

import torch
import torch.nn as nn


def block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout),
                         nn.ReLU(inplace=True), nn.MaxPool2d(2))


class TinyAux(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(block(3, 8), block(8, 16), block(16, 24))
        self.aux = nn.Sequential(nn.Conv2d(16, 12, 1), nn.ReLU(inplace=True))

    def forward(self, x: torch.Tensor) -> Union[torch.Tensor, Tuple[torch.Tensor, torch.Tensor]]:
        h = self.features[1](self.features[0](x))
        f = torch.flatten(nn.functional.adaptive_avg_pool2d(self.features[2](h), 1), 1)
        if self.training:
            return f, torch.flatten(nn.functional.adaptive_avg_pool2d(self.aux(h), 1), 1)
        return f


torch.manual_seed(11)
s = torch.jit.script(TinyAux())
s.eval()
s.save("tiny_aux-trainable.pt")
card = {"name": "tiny_aux", "architecture": "tiny_aux", "input_size": 32, "resize": 36,
        "interpolation": "bilinear", "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225],
        "feature_dim": 24, "output": "pooled", "inference_file": "tiny_aux-trainable.pt",
        "trainable_file": "tiny_aux-trainable.pt", "aux_feature_dim": 12,
        "weights": "random (seeded; make_aux_fixture.py)", "torch_version": torch.__version__,
        "exported_by": "src/test/resources/finetune/make_aux_fixture.py"}
with open("tiny_aux.json", "w") as f:
    json.dump(card, f, indent=2)
    f.write("\n")
