#!/usr/bin/python3
"""TorchScript modules for bench MatmulRate: a large square matrix product in fp32 and bf16.

DJL cannot cast a tensor to bfloat16 (a native abort), so the bf16 product runs inside a tiny
TorchScript module: float32 in, cast to bfloat16 once, REPS chained products, float32 out. The fp32
module does the same without the cast, so both precisions are measured the same way.
  /usr/bin/python3 bench/export_matmul.py --out bench/out/matmul
writes matmul_fp32.pt and matmul_bf16.pt, and matmul.json: {"products_per_call": REPS}, the number
of products one call of either module does. MatmulRate counts 2 n^3 FLOPs per product and takes that
number as its 4th argument; bench/compare.sh reads it from matmul.json, so the two cannot disagree.
"""
import argparse
import json
import os

import torch
import torch.nn as nn

REPS = 4


class Product(nn.Module):
    def __init__(self, bf16: bool):
        super().__init__()
        self.bf16 = bf16
        self.reps = REPS

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        # a chain x = x @ b: every product depends on the one before, so no pass can share or
        # drop one (a sum of identical products a @ b was partly eliminated: 565 GFLOP/s "fp32"
        # on 2 cores, above the AVX-512 peak). b is scaled by 1/sqrt(n) once so x stays O(1).
        b = b / (b.size(0) ** 0.5)
        if self.bf16:
            a = a.to(torch.bfloat16)
            b = b.to(torch.bfloat16)
        x = a
        for _ in range(self.reps):
            x = x @ b
        return x.float()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    x = torch.randn(64, 64)
    for name, bf16 in (("fp32", False), ("bf16", True)):
        m = torch.jit.script(Product(bf16).eval())
        e = x
        for _ in range(REPS):
            e = e @ (x / 8.0)
        got = m(x, x)
        assert ((got - e).abs().mean() / e.abs().mean()).item() < (0.05 if bf16 else 1e-5)
        m.save(os.path.join(a.out, "matmul_%s.pt" % name))
        print(os.path.join(a.out, "matmul_%s.pt" % name))
    # written last: compare.sh re-exports when matmul.json is missing or older than this script
    with open(os.path.join(a.out, "matmul.json"), "w") as f:
        json.dump({"products_per_call": REPS}, f)
    print(os.path.join(a.out, "matmul.json"))


if __name__ == "__main__":
    main()
