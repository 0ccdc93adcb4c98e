#!/usr/bin/python3
"""Re-export an existing headstart backbone from its own weights with today's
tools/export_backbone.py (channels-last inference file, and the bf16 file), so that the
benchmark compares layouts and precisions of the SAME weights. The weights come from the
trainable TorchScript file (its state dict loads into the eager torchvision model); the card's
preprocessing and weights description are kept. Checks the new inference file against the old
one on a random batch (max |diff| <= 1e-4 x max |feature|).
  /usr/bin/python3 bench/reexport.py --card examples/fashion5/backbone/fashion_squeezenet.json --out bench/out/fashion
"""
import argparse
import json
import os
import sys
import tempfile

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import export_backbone as eb  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--card", required=True)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    eb.ensure_hash_seed()
    torch.set_num_threads(min(2, torch.get_num_threads()))
    with open(a.card) as f:
        card = json.load(f)
    folder = os.path.dirname(os.path.abspath(a.card))
    arch = card["architecture"]
    if "/" in arch:
        raise SystemExit("error: only --cut fc backbones are supported here")
    sd = torch.jit.load(os.path.join(folder, card["trainable_file"])).state_dict()
    # squeezenet/mobilenet exports wrap `features` as MapPool.body
    sd = {("features." + k[5:] if k.startswith("body.") else k): v for k, v in sd.items()}
    with tempfile.TemporaryDirectory() as tmp:
        state = os.path.join(tmp, "weights.pth")
        torch.save(sd, state)
        new = eb.export(arch, a.out, card["name"], weights=state, input_size=card["input_size"],
                        resize=card["resize"], output=card.get("output", "pooled"), mean=card["mean"],
                        std=card["std"], weights_desc=card["weights"], bf16=True, quiet=True)
    x = torch.randn(4, 3, card["input_size"], card["input_size"], generator=torch.Generator().manual_seed(7))
    with torch.no_grad():
        old = torch.jit.load(os.path.join(folder, card["inference_file"]))(x)
        cur = torch.jit.load(os.path.join(a.out, new["inference_file"]))(x)
        bf = torch.jit.load(os.path.join(a.out, new["bf16_file"]))(x)
    diff = (old - cur).abs().max().item()
    scale = max(1.0, old.abs().max().item())
    rel_bf16 = ((bf - old).abs().mean() / old.abs().mean()).item()
    print(json.dumps({"what": "reexport", "name": card["name"], "max_abs_diff_vs_old": diff,
                      "bf16_rel_l1_vs_old": rel_bf16, "out": a.out}))
    if diff > 1e-4 * scale:
        raise SystemExit(f"error: the re-export differs from {card['inference_file']} by {diff}")


if __name__ == "__main__":
    main()
