#!/usr/bin/python3
"""Inference variants of an exported backbone (issue 7's profile): the same weights as
tools/export_backbone.py exports (same model and seed), frozen the same way, but run
  <name>-cl.pt         fp32 with channels-last weights and input (oneDNN's preferred CPU layout)
  <name>-bf16.pt       bfloat16 and channels-last (input cast inside the module, features
                       returned as float32): what `extract.precision: bf16` runs
  <name>-bf16-nocl.pt  bfloat16 in the default layout
Each file gets a copy of the model card, so headstart can also load it as a backbone of its own.
Random-init (or --weights as export_backbone.py takes them) only.
  /usr/bin/python3 bench/export_variants.py --model resnet18 --card bench/out/resnet18/resnet18.json
"""
import argparse
import copy
import json
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import export_backbone as eb  # noqa: E402


class Variant(nn.Module):
    def __init__(self, m: nn.Module, bf16: bool, channels_last: bool):
        super().__init__()
        self.m = m
        self.bf16 = bf16
        self.channels_last = channels_last

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        if self.bf16:
            x = x.to(torch.bfloat16)
        y = self.m(x)
        return y.float()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="resnet18")
    p.add_argument("--card", required=True, help="the model card of the plain export (for its preprocessing)")
    p.add_argument("--out", help="folder of the variants (default: the card's folder)")
    p.add_argument("--weights", default=None, help="as tools/export_backbone.py --weights")
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    out = a.out or os.path.dirname(os.path.abspath(a.card))
    os.makedirs(out, exist_ok=True)
    with open(a.card) as f:
        card = json.load(f)
    for suffix, bf16, cl in (("cl", False, True), ("bf16", True, True), ("bf16-nocl", True, False)):
        mod = eb.build(a.model, weights=a.weights, seed=a.seed)[0]
        mod = copy.deepcopy(mod).eval()
        if cl:
            mod = mod.to(memory_format=torch.channels_last)
        if bf16:
            mod = mod.to(torch.bfloat16)
        frozen = eb.script_inference(Variant(mod, bf16, cl), channels_last=False)  # Variant sets the layout itself
        stem = "%s-%s" % (card["name"], suffix)
        frozen.save(os.path.join(out, stem + ".pt"))
        c = dict(card, name=stem, inference_file=stem + ".pt")
        with open(os.path.join(out, stem + ".json"), "w") as f:
            json.dump(c, f, indent=2)
        print(json.dumps({"variant": stem, "file": os.path.join(out, stem + ".pt")}))


if __name__ == "__main__":
    main()
