#!/usr/bin/python3
"""Make the engine battery: small frozen TorchScript nets with known answers.

On some CPUs libtorch 2.7.1's oneDNN computes frozen convolution graphs wrongly
(NaN for tiny_cnn's shapes, SIGFPE in 1x1 convolutions under brgemm). The Java
side runs this battery per machine to decide which oneDNN ISA cap is safe. Each
net has random (seeded) weights and non-trivial batch-norm statistics (so that
conv+bn folding matters) and is exported exactly as tools/export_backbone.py
exports a backbone (torch.jit.freeze + its portable frozen-graph passes; the
functions are imported from there), in up to three variants:

  <net>-fp32-contiguous.pt       float32, default memory format
  <net>-fp32-channels_last.pt    float32, ChannelsLast wrapper (conv nets)
  <net>-bf16-channels_last.pt    Bfloat16Compute wrapper, channels-last (all but
                                 c24_40 and resnet_stem, to stay under 4 MB;
                                 linear: <net>-bf16-contiguous.pt)

  conv-kit.pt                    one convolution with weights as inputs (ConvKit):
                                 the Java side's channels-last and bf16 shapes

Nets (each ends in a global average pool: output [N,C]):
  tiny_cnn     3x (conv3x3 no bias + BN + ReLU + maxpool 2), 16/40/32 ch, input 32
  c24_40       conv3x3 stride 1 and 2 with 24 and 40 channels, input 28
  resnet_stem  7x7/2 stem conv 3->64 + BN + ReLU + maxpool 3/2, basic block (64 ch), input 56
  resnet_down  3x3/2 conv 3->32, downsampling basic block 32->64 stride 2 with 1x1/2
               projection, bottleneck 64->32->128 with 1x1 projection, bottleneck
               128->32->128 (1x1 convs), input 56. (A 64->128 downsampling block
               holds 230k weights, 0.9 MB: over the 600 KB a file may take.)
  densenet     conv3x3 stem 3->32, dense block (2 layers BN-ReLU-1x1-BN-ReLU-3x3, growth 16,
               concat: 32->64), transition (BN-ReLU-1x1 64->40-avgpool 2), BN-ReLU, input 28
  mobile       conv3x3/2 + hardswish, depthwise 3x3 (groups=C) + SE block (adaptive pool,
               1x1 convs, hardsigmoid) + pointwise 1x1, inverted residual with a 5x5/2
               depthwise, maxpool 3/2 ceil_mode, fire module (1x1 squeeze, 1x1 + 3x3
               expand, concat), dilated 3x3 (dilation 2), input 32
  linear       Linear 512->256, ReLU, Linear 256->10 on [N,512] (frozen too)

battery.json (beside the files):

  {"version": 1, "torch_version": "...", "nets": [
    {"name": "tiny_cnn-fp32-contiguous", "file": "tiny_cnn-fp32-contiguous.pt",
     "precision": "fp32"|"bf16", "layout": "contiguous"|"channels_last",
     "input": "hash32-v1", "seed": 7, "shape": [2,3,32,32],
     "input_sum": <exact float64 sum of the input>, "max_abs": <max |outputs|>,
     "outputs": [[C values], [C values]]}, ...]}

The input is export_backbone.probe_input(shape, seed) (hash32-v1, generated in
Java too); outputs = the float64 eager forward of the unfrozen float32 module
(also for the bf16 variants), full (no stride), rounded to float32. After
writing, every file is reloaded and max |file - reference| / max_abs printed
(fp32 ~1e-6, bf16 ~1e-2); the script fails if fp32 > 1e-4 or bf16 > 0.1.
Byte-reproducible (re-execs with PYTHONHASHSEED=0).

  /usr/bin/python3 tools/make_engine_battery.py     # ~10 s
  /usr/bin/python3 tools/make_engine_battery.py --out /tmp/battery
"""
import argparse
from typing import Optional
import os
import sys

import torch
import torch.nn as nn
from torchvision.models.densenet import _DenseBlock, _Transition
from torchvision.models.resnet import BasicBlock, Bottleneck
from torchvision.models.squeezenet import Fire
from torchvision.ops.misc import SqueezeExcitation

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export_backbone as eb  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "src", "main", "resources", "dev", "headstart", "engine", "battery")
INPUT_SEED = 7
BATCH = 2
FP32_LIMIT, BF16_LIMIT = 1e-4, 0.1


class Pooled(nn.Module):
    def __init__(self, body: nn.Module):
        super().__init__()
        self.body = body

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.flatten(nn.functional.adaptive_avg_pool2d(self.body(x), 1), 1)


def cbr(cin, cout, k=3, stride=1, padding=None, dilation=1, groups=1, act=None):
    """conv (no bias) + BN + activation (ReLU unless given)."""
    if padding is None:
        padding = dilation * (k - 1) // 2
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, padding, dilation=dilation, groups=groups, bias=False),
                         nn.BatchNorm2d(cout), act if act is not None else nn.ReLU(inplace=True))


def proj(cin, cout, stride):
    return nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))


def tiny_cnn():
    return Pooled(eb.TinyCNN().features)


def c24_40():
    return Pooled(nn.Sequential(cbr(3, 24), cbr(24, 24, stride=2), cbr(24, 40), cbr(40, 40, stride=2)))


def resnet_stem():
    return Pooled(nn.Sequential(
        nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(inplace=True),
        nn.MaxPool2d(3, 2, 1),
        BasicBlock(64, 64)))


def resnet_down():
    return Pooled(nn.Sequential(
        cbr(3, 32, stride=2),
        BasicBlock(32, 64, stride=2, downsample=proj(32, 64, 2)),
        Bottleneck(64, 32, downsample=proj(64, 128, 1)),   # 1x1 64->32, 3x3, 1x1 32->128
        Bottleneck(128, 32)))                              # 1x1 128->32, 3x3, 1x1 32->128


def densenet():
    return Pooled(nn.Sequential(
        cbr(3, 32),
        _DenseBlock(num_layers=2, num_input_features=32, bn_size=4, growth_rate=16, drop_rate=0),  # 32->64
        _Transition(64, 40),
        nn.BatchNorm2d(40), nn.ReLU(inplace=True)))


class InvertedResidual(nn.Module):
    """1x1 expand + hardswish, 5x5/2 depthwise + hardswish, 1x1 project (mobilenet_v3 style)."""

    def __init__(self, cin, mid, cout):
        super().__init__()
        self.block = nn.Sequential(cbr(cin, mid, 1, act=nn.Hardswish()),
                                   cbr(mid, mid, 5, stride=2, groups=mid, act=nn.Hardswish()),
                                   SqueezeExcitation(mid, 24, scale_activation=nn.Hardsigmoid),
                                   nn.Conv2d(mid, cout, 1, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        return self.block(x)


class DwSeparable(nn.Module):
    """depthwise 3x3 + BN + ReLU, SE block, pointwise 1x1 + BN, residual add."""

    def __init__(self, c):
        super().__init__()
        self.dw = cbr(c, c, 3, groups=c)
        self.se = SqueezeExcitation(c, 8, scale_activation=nn.Hardsigmoid)
        self.pw = nn.Sequential(nn.Conv2d(c, c, 1, bias=False), nn.BatchNorm2d(c))

    def forward(self, x):
        return x + self.pw(self.se(self.dw(x)))


def mobile():
    return Pooled(nn.Sequential(
        cbr(3, 16, stride=2, act=nn.Hardswish()),          # 16x16
        DwSeparable(16),
        InvertedResidual(16, 72, 24),                       # 8x8
        nn.MaxPool2d(3, 2, ceil_mode=True),                 # 4x4
        Fire(24, 16, 32, 32),                               # 64 ch
        cbr(64, 32, 3, dilation=2)))


class LinearStack(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(512, 256)
        self.fc2 = nn.Linear(256, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(torch.relu(self.fc1(x)))


# name, constructor, input shape, variants (precision, layout)
# (bf16 variants only where the folder budget of 4 MB allows: c24_40's and resnet_stem's
# convolution shapes are covered in bf16 by tiny_cnn and resnet_down)
FP32 = [("fp32", "contiguous"), ("fp32", "channels_last")]
CL = FP32 + [("bf16", "channels_last")]
NETS = [
    ("tiny_cnn", tiny_cnn, [BATCH, 3, 32, 32], CL),
    ("c24_40", c24_40, [BATCH, 3, 28, 28], FP32),
    ("resnet_stem", resnet_stem, [BATCH, 3, 56, 56], FP32),
    ("resnet_down", resnet_down, [BATCH, 3, 56, 56], CL),
    ("densenet", densenet, [BATCH, 3, 28, 28], CL),
    ("mobile", mobile, [BATCH, 3, 32, 32], CL),
    ("linear", LinearStack, [BATCH, 512], [("fp32", "contiguous"), ("bf16", "contiguous")]),
]


def randomize_bn(m: nn.Module, g: torch.Generator) -> None:
    for mod in m.modules():
        if isinstance(mod, nn.BatchNorm2d):
            n = mod.num_features
            mod.weight.data = 0.5 + torch.rand(n, generator=g)
            mod.bias.data = 0.2 * torch.randn(n, generator=g)
            mod.running_mean.data = 0.3 * torch.randn(n, generator=g)
            mod.running_var.data = 0.5 + torch.rand(n, generator=g)


class ConvKit(nn.Module):
    """One convolution whose weights are inputs, so the Java side can try any shape
    (ResNet-50's 1x1 bottlenecks at 56 px, DenseNet's transitions) in any layout
    without shipping their weights: forward(x, w, b, cfg) with cfg = int64
    [stride, padding, dilation, groups, channels_last, bf16]; an empty b means no
    bias. float64 inputs give the reference (oneDNN has no float64 kernels)."""

    def forward(self, x: torch.Tensor, w: torch.Tensor, b: torch.Tensor, cfg: torch.Tensor) -> torch.Tensor:
        stride = int(cfg[0])
        pad = int(cfg[1])
        dil = int(cfg[2])
        groups = int(cfg[3])
        bias: Optional[torch.Tensor] = None
        if b.numel() > 0:
            bias = b
        if int(cfg[4]) == 1:
            x = x.contiguous(memory_format=torch.channels_last)
            w = w.contiguous(memory_format=torch.channels_last)
        bf16 = int(cfg[5]) == 1
        if bf16:
            x = x.to(torch.bfloat16)
            w = w.to(torch.bfloat16)
            if bias is not None:
                bias = bias.to(torch.bfloat16)
        y = nn.functional.conv2d(x, w, bias, [stride, stride], [pad, pad], [dil, dil], groups)
        if bf16:
            y = y.float()
        return y.contiguous()


def export_kit(out: str) -> str:
    path = os.path.join(out, "conv-kit.pt")
    eb._save_atomic(torch.jit.script(ConvKit().eval()), path)
    k = torch.jit.load(path)
    x, w = torch.randn(2, 8, 9, 9, dtype=torch.float64), torch.randn(16, 8, 1, 1, dtype=torch.float64)
    b = torch.randn(16, dtype=torch.float64)
    ref = nn.functional.conv2d(x, w, b)
    got = k(x.float(), w.float(), b.float(), torch.tensor([1, 0, 1, 1, 1, 0]))
    assert (got.double() - ref).abs().max().item() < 1e-4, "conv kit disagrees with conv2d"
    return path


def export_variant(m: nn.Module, precision: str, layout: str) -> torch.jit.ScriptModule:
    cl = layout == "channels_last"
    return eb.script_bf16(m, cl) if precision == "bf16" else eb.script_inference(m, cl)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default=OUT, help="output folder (default: %(default)s)")
    a = p.parse_args(argv)
    eb.ensure_hash_seed()
    torch.set_num_threads(min(2, torch.get_num_threads()))
    os.makedirs(a.out, exist_ok=True)

    entries, report, failed = [], [], []
    for k, (net, make, shape, variants) in enumerate(NETS):
        torch.manual_seed(100 + k)
        m = make().eval()
        randomize_bn(m, torch.Generator().manual_seed(200 + k))
        x = eb.probe_input(shape, INPUT_SEED)
        ref = eb.reference_output(m, x)
        probe = eb.make_probe(x, INPUT_SEED, ref, "")
        assert probe["stride"] == 1
        for precision, layout in variants:
            name = f"{net}-{precision}-{layout}"
            path = os.path.join(a.out, name + ".pt")
            eb._save_atomic(export_variant(m, precision, layout), path)
            entries.append({"name": name, "file": name + ".pt", "precision": precision, "layout": layout,
                            "input": probe["input"], "seed": probe["seed"], "shape": probe["shape"],
                            "input_sum": probe["input_sum"], "max_abs": probe["max_abs"],
                            "outputs": probe["outputs"]})
            rel = eb.probe_diff(path, probe, ref)
            limit = BF16_LIMIT if precision == "bf16" else FP32_LIMIT
            report.append((name, os.path.getsize(path), rel, probe["max_abs"]))
            if not rel <= limit:
                failed.append(f"{name}: {rel:.3g} > {limit}")

    kit = export_kit(a.out)
    report.append(("conv-kit", os.path.getsize(kit), 0.0, 0.0))
    battery = {"version": 1, "torch_version": torch.__version__, "conv_kit": "conv-kit.pt", "nets": entries}
    eb.write_json_atomic(os.path.join(a.out, "battery.json"), battery)
    total = sum(os.path.getsize(os.path.join(a.out, f)) for f in os.listdir(a.out))
    print(f"{'file':36} {'bytes':>8}  max|file - float64 ref| / max_abs  (max_abs)   [PyTorch {torch.__version__}]")
    for name, size, rel, mx in report:
        print(f"{name + '.pt':36} {size:8d}  {rel:.3g}  ({mx:.4g})")
    print(f"battery.json {os.path.getsize(os.path.join(a.out, 'battery.json'))} bytes; folder {total} bytes -> {a.out}")
    if failed:
        raise SystemExit("error: this PyTorch computes some battery nets wrongly: " + "; ".join(failed))


if __name__ == "__main__":
    main()
