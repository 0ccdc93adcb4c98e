#!/usr/bin/python3
"""Export a torchvision classifier as a headstart backbone.

Writes three files into --out:

  <name>.pt            TorchScript for inference: eval mode, scripted, frozen
                       (parameters become constants, conv+bn folded, dropout
                       removed), weights and input in channels-last memory
                       format (oneDNN's preferred CPU layout: ~1.4x faster
                       forward for ResNet-18 on AVX-512; --no-channels-last
                       for the default layout). Maps a normalized float batch
                       [N,3,H,W] to features [N,D] (or [N,C,h,w] with
                       --output spatial), contiguous in the default layout.
  <name>-bf16.pt       (--bf16) the same, bfloat16 inside (weights and
                       activations), float32 in and out.
  <name>-trainable.pt  TorchScript NOT frozen: scripted (not traced), so the
                       module keeps its parameters and its `training` flag:
                       module.train()/eval() switch batch-norm and dropout
                       exactly as in eager PyTorch. Saved in eval mode.
                       inception_v3 in training mode returns a tuple
                       (features[N,2048], aux_features[N,768]).
  <name>.json          the model card (keys read by the Java side), including
                       "probe": a known-answer test (see below).

Taps (--taps layer2,layer3,layer4): features from several depths in one forward
pass. The files' forward then returns a LIST of [N,C] tensors, each the global
average pool of one named module's output (names from the torchvision module
tree; --list-taps prints them). The deepest tap comes FIRST (it is the default
features, what finetune and a reader of one output use), then the others from
shallow to deep; the card's "taps" lists them in that order with their dims,
and the probe holds every tap's known answer ("probe"."taps"). Modules after
the deepest tap are not part of the export. inception_v3's trainable file still
returns (features, aux) in training mode when the taps reach Mixed_6e.

Examples:
  /usr/bin/python3 tools/export_backbone.py --model resnet18 --out backbones/
  /usr/bin/python3 tools/export_backbone.py --model vgg16 --cut conv --out b/
  /usr/bin/python3 tools/export_backbone.py --model resnet50 \
        --weights IMAGENET1K_V2 --out b/          # needs network (or cache)
  /usr/bin/python3 tools/export_backbone.py --model mobilenet_v3_small \
        --weights my_state_dict.pth --input-size 64 --resize 64 --out b/
  /usr/bin/python3 tools/export_backbone.py --model resnet18 \
        --taps layer2,layer3,layer4 --name resnet18_taps --out b/
  /usr/bin/python3 tools/export_backbone.py --model vgg16 --list-taps

Probe (card key "probe"): on some CPUs libtorch's oneDNN computes frozen
convolution graphs wrongly, so every card carries a known answer that the Java
side checks whenever it loads one of the card's files:

  "probe": {"input": "hash32-v1", "seed": 1, "shape": [2, 3, S, S],
            "input_sum": <float64 sum of the input, exact>,
            "reference": "float64 eager PyTorch <version>, unfrozen weights",
            "stride": k, "max_abs": <max |v| over the full [N,D] reference>,
            "outputs": [[D/k values], [D/k values]]}

The input is generated, not stored (probe_input(): hash32-v1, the same in Java).
The reference is the UNFROZEN module run eagerly in float64 (a path oneDNN never
takes); spatial outputs [N,C,h,w] are averaged over h,w to [N,C] as headstart
does; row n of "outputs" is reference[n][::k], k = ceil(D/4096). The same probe
serves the inference, -bf16 and -trainable (eval mode) files.

  --add-probe CARD.json   adds (or recomputes) the probe of an existing card
                          from its trainable_file (float64, eval mode) and
                          rewrites the card atomically; .pt files are untouched:
  /usr/bin/python3 tools/export_backbone.py --add-probe backbones/resnet18.json

Why not torch.jit.optimize_for_inference: in PyTorch 1.13 on CPU it rewrites
convolutions to MKLDNN ops whose constants cannot be serialized (the saved
file fails to load) and that would only run on CPU. torch.jit.freeze already
folds conv+bn, conv+add/mul and removes dropout; we run those frozen-graph
passes (the device-portable part of optimize_for_inference) explicitly.
"""
import argparse
import copy
import hashlib
import json
import math
import os
import sys
from typing import Dict, List, Optional, Tuple, Union

import torch
import torch.nn as nn
import torchvision

IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]

MODELS = [
    "resnet18", "resnet34", "resnet50",
    "alexnet", "vgg11_bn", "vgg16",
    "squeezenet1_0", "squeezenet1_1",
    "densenet121", "mobilenet_v3_small", "inception_v3",
    "tiny_cnn",  # small custom CNN for fast tests (input 32, features 32)
]


# ---------------------------------------------------------------- wrappers
class MapPool(nn.Module):
    """body(x) -> feature map; pooled: global average pool + flatten."""

    def __init__(self, body: nn.Module, pool: bool):
        super().__init__()
        self.body = body
        self.pool = pool

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.body(x)
        if self.pool:
            x = torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1)
        return x


class ConvFlatten(nn.Module):
    """alexnet/vgg --cut conv --output pooled: features -> avgpool -> flatten
    (25088 for vgg at 224, 9216 for alexnet), as in the recipes' tables."""

    def __init__(self, features: nn.Module, avgpool: nn.Module):
        super().__init__()
        self.features = features
        self.avgpool = avgpool

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.flatten(self.avgpool(self.features(x)), 1)


class InceptionFeatures(nn.Module):
    """inception_v3 with fc and AuxLogits.fc replaced by Identity.

    eval mode: features [N,2048]; training mode: (features, aux[N,768])."""

    def __init__(self, m: nn.Module):
        super().__init__()
        self.m = m

    def forward(self, x: torch.Tensor) -> Union[torch.Tensor, Tuple[torch.Tensor, torch.Tensor]]:
        x = self.m._transform_input(x)
        feats, aux = self.m._forward(x)
        if self.training and aux is not None:
            return feats, aux
        return feats


class InceptionEval(nn.Module):
    """inference-only inception_v3: always features [N,2048]."""

    def __init__(self, m: nn.Module):
        super().__init__()
        self.m = m

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.m._transform_input(x)
        feats, _ = self.m._forward(x)
        return feats


class TinyCNN(nn.Module):
    """3 conv+bn+relu+maxpool blocks: [N,3,32,32] -> map [N,32,4,4] -> GAP [N,32]."""

    def __init__(self, num_classes: int = 10):
        super().__init__()

        def block(cin, cout):
            return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False),
                                 nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                                 nn.MaxPool2d(2))

        self.features = nn.Sequential(block(3, 16), block(16, 40), block(40, 32))
        self.fc = nn.Linear(32, num_classes)

    def forward(self, x):
        x = torch.flatten(nn.functional.adaptive_avg_pool2d(self.features(x), 1), 1)
        return self.fc(x)


# ---------------------------------------------------------------- taps
class TapNet(nn.Module):
    """Runs `segments` in order; after each, the global average pool of its output is one
    tap's features. Returns them as a list, reordered by `order` (the deepest tap first)."""

    def __init__(self, prep: nn.Module, segments: nn.ModuleList, order: List[int]):
        super().__init__()
        self.prep = prep
        self.segments = segments
        self.order = order

    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        x = self.prep(x)
        outs: List[torch.Tensor] = []
        for seg in self.segments:
            x = seg(x)
            outs.append(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))
        return [outs[i] for i in self.order]


class InceptionPrep(nn.Module):
    """inception_v3's input transform (torchvision's _transform_input; a no-op unless its
    ImageNet weights asked for it), the first step of its forward pass."""

    def __init__(self, transform_input: bool):
        super().__init__()
        self.transform_input = transform_input

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.transform_input:
            x_ch0 = torch.unsqueeze(x[:, 0], 1) * (0.229 / 0.5) + (0.485 - 0.5) / 0.5
            x_ch1 = torch.unsqueeze(x[:, 1], 1) * (0.224 / 0.5) + (0.456 - 0.5) / 0.5
            x_ch2 = torch.unsqueeze(x[:, 2], 1) * (0.225 / 0.5) + (0.406 - 0.5) / 0.5
            x = torch.cat((x_ch0, x_ch1, x_ch2), 1)
        return x


class InceptionTapsTrainable(nn.Module):
    """The trainable file of inception_v3 with taps: in eval mode the taps' list, as TapNet; in
    training mode, when the taps reach Mixed_6e (whose output the auxiliary branch reads), the
    tuple (deepest tap, auxiliary features [N,768]) that the one-output export returns, so that
    finetune trains the same two heads; the deepest tap gets the dropout torchvision applies
    before its classifier when it is Mixed_7c."""

    def __init__(self, prep: nn.Module, segments: nn.ModuleList, is_tap: List[bool], order: List[int],
                 aux_at: int, aux: nn.Module, dropout: nn.Module, final_dropout: bool):
        super().__init__()
        self.prep = prep
        self.segments = segments
        self.is_tap = is_tap
        self.order = order
        self.aux_at = aux_at
        self.aux = aux
        self.dropout = dropout
        self.final_dropout = final_dropout

    def forward(self, x: torch.Tensor) -> Union[List[torch.Tensor], Tuple[torch.Tensor, torch.Tensor]]:
        x = self.prep(x)
        outs: List[torch.Tensor] = []
        aux = x
        for i, seg in enumerate(self.segments):
            x = seg(x)
            if self.is_tap[i]:
                outs.append(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))
            if i == self.aux_at and self.training:
                aux = self.aux(x)
        ordered = [outs[j] for j in self.order]
        if self.training and self.aux_at >= 0:
            first = self.dropout(ordered[0]) if self.final_dropout else ordered[0]
            return first, aux
        return ordered


def tap_points(name: str, m: nn.Module) -> List[Tuple[str, nn.Module]]:
    """The modules a tap may name, in forward order, as (dotted name in the torchvision module
    tree, module). Running them one after the other is the model's own forward pass up to its
    global pool: resnet's and inception's children, the children of `features` elsewhere."""
    if name.startswith("resnet"):
        return [(n, c) for n, c in m.named_children() if n not in ("avgpool", "fc")]
    if name == "inception_v3":
        # AuxLogits is a side branch (training only); the rest of the children run in order
        return [(n, c) for n, c in m.named_children() if n not in ("AuxLogits", "avgpool", "dropout", "fc")]
    return [("features." + n, c) for n, c in m.features.named_children()]


def parse_taps(name: str, m: nn.Module, spec: str) -> List[str]:
    """The requested taps in forward order; an unknown name lists the valid ones."""
    points = [n for n, _ in tap_points(name, m)]
    wanted = [t.strip() for t in spec.split(",") if t.strip()]
    if not wanted:
        raise SystemExit("error: --taps is empty; give module names such as " + ",".join(points[-3:]))
    for t in wanted:
        if t not in points:
            raise SystemExit(f"error: --taps: {name} has no module '{t}'; valid taps (shallow to deep): "
                             + ", ".join(points))
    if len(set(wanted)) != len(wanted):
        raise SystemExit(f"error: --taps names a module twice: {spec}")
    return sorted(wanted, key=points.index)


def build_taps(name: str, m: nn.Module, taps: List[str]) -> Tuple[TapNet, List[str]]:
    """A TapNet over m's modules up to the deepest tap; returns it and the taps in output order
    (deepest first, then the others shallow to deep)."""
    points = tap_points(name, m)
    segments, current = [], []
    for n, c in points:
        current.append(c)
        if n in taps:
            segments.append(nn.Sequential(*current))
            current = []
        if len(segments) == len(taps):
            break
    order = [len(taps) - 1] + list(range(len(taps) - 1))
    return TapNet(nn.Identity(), nn.ModuleList(segments), order), [taps[i] for i in order]


def build_inception_taps(m: nn.Module, taps: List[str]) -> Tuple[nn.Module, nn.Module, List[str]]:
    """inception_v3's (inference, trainable) modules with taps, sharing their parameters: the
    segments end at each tap and, for the auxiliary branch, at Mixed_6e."""
    points = tap_points("inception_v3", m)
    names = [n for n, _ in points]
    deepest = max(names.index(t) for t in taps)
    aux_point = names.index("Mixed_6e")
    reaches_aux = deepest >= aux_point
    segments, current, is_tap = [], [], []
    aux_at = -1
    for k, (n, c) in enumerate(points[: deepest + 1]):
        current.append(c)
        if n in taps or (reaches_aux and k == aux_point):
            segments.append(nn.Sequential(*current))
            is_tap.append(n in taps)
            if k == aux_point and reaches_aux:
                aux_at = len(segments) - 1
            current = []
    order = [len(taps) - 1] + list(range(len(taps) - 1))
    prep = InceptionPrep(bool(m.transform_input))
    mods = nn.ModuleList(segments)
    # inference: only the tap segments' outputs, pooled (a Mixed_6e boundary that is no tap is merged)
    inf_segments, cur = [], []
    for seg, tap in zip(segments, is_tap):
        cur.append(seg)
        if tap:
            inf_segments.append(nn.Sequential(*cur))
            cur = []
    inference = TapNet(prep, nn.ModuleList(inf_segments), order)
    trainable = InceptionTapsTrainable(prep, mods, is_tap, order, aux_at,
                                       m.AuxLogits if reaches_aux else nn.Identity(), m.dropout,
                                       names[deepest] == "Mixed_7c")
    return inference, trainable, [taps[i] for i in order]


def list_taps(name: str) -> List[str]:
    m = _construct(name)
    _remove_head(name, m, "fc")
    return [n for n, _ in tap_points(name, m)]


# ---------------------------------------------------------------- building
def _construct(name: str) -> nn.Module:
    if name == "tiny_cnn":
        return TinyCNN()
    if name == "inception_v3":
        # init_weights=True: torchvision's own (truncated-normal) init, as the
        # class does when no weights are given.
        return torchvision.models.inception_v3(weights=None, aux_logits=True, init_weights=True)
    return getattr(torchvision.models, name)(weights=None)


def _remove_head(name: str, m: nn.Module, cut: str) -> List[str]:
    """Replace the classifier in place; return state-dict prefixes of removed layers."""
    if name.startswith("resnet") or name == "tiny_cnn":
        m.fc = nn.Identity()
        return ["fc."]
    if name == "inception_v3":
        m.fc = nn.Identity()
        m.AuxLogits.fc = nn.Identity()
        return ["fc.", "AuxLogits.fc."]
    if name == "alexnet" or name.startswith("vgg"):
        m.classifier[6] = nn.Identity()
        return ["classifier.6."]
    if name.startswith("squeezenet"):
        m.classifier = nn.Identity()
        return ["classifier."]
    if name in ("densenet121", "mobilenet_v3_small"):
        m.classifier = nn.Identity()
        return ["classifier."]
    raise ValueError(name)


def _clean_state_dict(obj) -> Dict[str, torch.Tensor]:
    if isinstance(obj, nn.Module):
        obj = obj.state_dict()
    for key in ("state_dict", "model_state_dict", "model"):
        if isinstance(obj, dict) and key in obj and isinstance(obj[key], dict):
            obj = obj[key]
    if not isinstance(obj, dict):
        raise SystemExit("error: --weights file does not hold a state dict")
    return {(k[7:] if k.startswith("module.") else k): v for k, v in obj.items()}


def _scripted_state_dict(name: str, path: str) -> Optional[Dict[str, torch.Tensor]]:
    """The weights of a TorchScript file this script wrote (a <name>-trainable.pt, e.g. to export
    it again with --taps), renamed to the torchvision model's keys; None for a plain state dict.
    Only the unfrozen file has parameters: a frozen <name>.pt holds constants."""
    try:
        m = torch.jit.load(path, map_location="cpu")
    except Exception:  # not TorchScript: a pickled state dict
        return None
    sd = m.state_dict()
    if not sd:
        raise SystemExit(f"error: {path} is a frozen TorchScript file without parameters; pass its "
                         "-trainable.pt twin (or a state dict) as --weights")
    out = {}
    for k, v in sd.items():
        if k.startswith("body.") and not name.startswith("resnet"):  # MapPool(m.features)
            k = "features." + k[len("body."):]
        elif k.startswith("m."):  # ChannelsLast/inception wrappers
            k = k[len("m."):]
        out[k] = v
    return out


def _sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load_weights(name: str, m: nn.Module, weights: Optional[str], removed: List[str]) -> str:
    """Load weights into m (head already removed). Returns the card's 'weights' string."""
    if not weights or weights == "random":
        return "random"
    if os.path.isfile(weights) or weights.endswith((".pth", ".pt", ".bin", ".ckpt")):
        if not os.path.isfile(weights):
            raise SystemExit(f"error: weights file not found: {weights}")
        sd = _scripted_state_dict(name, weights)
        if sd is None:
            sd = _clean_state_dict(torch.load(weights, map_location="cpu"))
        desc = f"file:{os.path.basename(weights)} sha256:{_sha256(weights)[:16]}"
    else:
        if name == "tiny_cnn":
            raise SystemExit("error: tiny_cnn has no torchvision weights; pass a .pth file")
        try:
            enum = torchvision.models.get_model_weights(name)
            w = enum[weights] if weights in enum.__members__ else torchvision.models.get_weight(weights)
        except (KeyError, ValueError, AttributeError):
            choices = ", ".join(torchvision.models.get_model_weights(name).__members__)
            raise SystemExit(f"error: unknown weights '{weights}' for {name}; torchvision knows: "
                             f"{choices}; or pass a local state-dict .pth file")
        try:
            sd = w.get_state_dict(progress=False)
        except Exception as e:  # URLError, socket errors, HTTP errors
            raise SystemExit(
                f"error: could not download torchvision weights {type(w).__name__}.{w.name} from {w.url}\n"
                f"  ({type(e).__name__}: {e})\n"
                f"  This machine is probably offline. On a connected machine run\n"
                f"    python3 -c \"import torch; torch.hub.load_state_dict_from_url('{w.url}')\"\n"
                f"  and copy the file from ~/.cache/torch/hub/checkpoints/ here, then pass\n"
                f"  --weights <that file>.pth (or put it into this machine's torch hub cache).")
        desc = f"torchvision:{type(w).__name__}.{w.name}"
        if name == "inception_v3":
            m.transform_input = True  # what torchvision does for its ImageNet weights
    sd = {k: v for k, v in sd.items() if not any(k.startswith(p) for p in removed)}
    missing, unexpected = m.load_state_dict(sd, strict=False)
    if missing or unexpected:
        raise SystemExit(f"error: weights do not match {name}: missing {missing[:8]}"
                         f"{'...' if len(missing) > 8 else ''}, unexpected {unexpected[:8]}"
                         f"{'...' if len(unexpected) > 8 else ''}")
    return desc


def build(name: str, weights: Optional[str] = None, cut: str = "fc", output: str = "pooled",
          seed: int = 0, taps: Optional[str] = None) -> Tuple[nn.Module, nn.Module, str, Optional[List[str]]]:
    """Returns (inference module, trainable module, weights description, taps in output order
    or None).

    The two modules share parameters; callers deep-copy before scripting."""
    if name not in MODELS:
        raise SystemExit(f"error: unknown model {name}; choose from {', '.join(MODELS)}")
    if cut == "conv" and not (name == "alexnet" or name.startswith("vgg")):
        raise SystemExit("error: --cut conv applies to alexnet and vgg (other models are cut at the pool already)")
    torch.manual_seed(seed)
    m = _construct(name)
    removed = _remove_head(name, m, cut)
    desc = load_weights(name, m, weights, removed)

    if taps:
        if output == "spatial":
            raise SystemExit("error: --taps gives pooled features; drop --output spatial")
        if cut == "conv":
            raise SystemExit("error: --taps replaces --cut: name the conv modules to tap instead")
        if name == "inception_v3":
            inference, trainable, ordered = build_inception_taps(m, parse_taps(name, m, taps))
            return inference, trainable, desc, ordered
        tapnet, ordered = build_taps(name, m, parse_taps(name, m, taps))
        return tapnet, tapnet, desc, ordered
    if name == "inception_v3":
        if output == "spatial":
            raise SystemExit("error: --output spatial is not supported for inception_v3")
        return InceptionEval(m), InceptionFeatures(m), desc, None
    if output == "pooled":
        if cut == "conv":
            mod = ConvFlatten(m.features, m.avgpool)
        elif name.startswith("squeezenet"):
            mod = MapPool(m.features, pool=True)
        else:
            mod = m  # the torchvision model itself, classifier -> Identity
    else:
        if name.startswith("resnet"):
            body = nn.Sequential(m.conv1, m.bn1, m.relu, m.maxpool, m.layer1, m.layer2, m.layer3, m.layer4)
        elif name == "alexnet" or name.startswith("vgg"):
            if cut != "conv":
                raise SystemExit("error: --output spatial for alexnet/vgg needs --cut conv")
            body = nn.Sequential(m.features, m.avgpool)
        elif name == "densenet121":
            body = nn.Sequential(m.features, nn.ReLU(inplace=False))
        else:  # squeezenet, mobilenet_v3_small, tiny_cnn
            body = m.features
        mod = MapPool(body, pool=False)
    return mod, mod, desc, None


def _portable_inference_passes(frozen: torch.jit.ScriptModule) -> None:
    g = frozen.graph
    torch._C._jit_pass_remove_dropout(frozen._c)
    torch._C._jit_pass_fold_frozen_conv_bn(g)
    torch._C._jit_pass_fold_frozen_conv_add_or_sub(g)
    torch._C._jit_pass_fold_frozen_conv_mul_or_div(g)


class ChannelsLast(nn.Module):
    """Runs the wrapped model in channels-last memory format: the input is made channels-last
    here, inside the TorchScript file, because callers (DJL) hand over default-layout tensors;
    the output comes back contiguous in the default layout, so readers see plain [N,C,h,w]."""

    def __init__(self, m: nn.Module):
        super().__init__()
        self.m = m

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.m(x.contiguous(memory_format=torch.channels_last))
        return y.contiguous()


class ChannelsLastTaps(nn.Module):
    """ChannelsLast for a TapNet: a list of pooled [N,C] features out, each contiguous."""

    def __init__(self, m: nn.Module):
        super().__init__()
        self.m = m

    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        ys = self.m(x.contiguous(memory_format=torch.channels_last))
        return [y.contiguous() for y in ys]


def script_inference(mod: nn.Module, channels_last: bool = True) -> torch.jit.ScriptModule:
    mod = copy.deepcopy(mod).eval()
    if channels_last:
        wrap = ChannelsLastTaps if isinstance(mod, TapNet) else ChannelsLast
        mod = wrap(mod.to(memory_format=torch.channels_last)).eval()
    frozen = torch.jit.freeze(torch.jit.script(mod))
    _portable_inference_passes(frozen)
    kinds = {n.kind() for n in frozen.graph.nodes()}
    # batch_norm nodes left are the ones not directly after a conv (densenet's
    # pre-activation norm); they run in eval mode with constant statistics.
    assert not any("mkldnn" in k.lower() for k in kinds)
    return frozen


def script_trainable(mod: nn.Module) -> torch.jit.ScriptModule:
    s = torch.jit.script(copy.deepcopy(mod))
    s.eval()  # saved in eval mode; callers switch with train()/eval()
    return s


class Bfloat16Compute(nn.Module):
    """float32 in, float32 out, bfloat16 inside: the reduced-precision path for CPUs with
    AVX-512 BF16 / AMX. The cast lives in the TorchScript file because DJL's PyTorch engine
    cannot hold bfloat16 tensors itself. Channels-last as well: oneDNN's bf16 convolutions
    gain little in the default layout."""

    def __init__(self, m: nn.Module, channels_last: bool = True):
        super().__init__()
        self.m = m
        self.channels_last = channels_last

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        y = self.m(x.to(torch.bfloat16))
        return y.float().contiguous()


class Bfloat16ComputeTaps(nn.Module):
    """Bfloat16Compute for a TapNet: every tap's features back in float32."""

    def __init__(self, m: nn.Module, channels_last: bool = True):
        super().__init__()
        self.m = m
        self.channels_last = channels_last

    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        ys = self.m(x.to(torch.bfloat16))
        return [y.float().contiguous() for y in ys]


def script_bf16(mod: nn.Module, channels_last: bool = True) -> torch.jit.ScriptModule:
    wrap = Bfloat16ComputeTaps if isinstance(mod, TapNet) else Bfloat16Compute
    m = copy.deepcopy(mod).eval().to(torch.bfloat16)
    if channels_last:
        m = m.to(memory_format=torch.channels_last)
    frozen = torch.jit.freeze(torch.jit.script(wrap(m, channels_last)).eval())
    _portable_inference_passes(frozen)
    return frozen


def ensure_hash_seed():
    """TorchScript writes some class constants in set order, which depends on
    Python's string hash seed; re-exec with PYTHONHASHSEED=0 so exports are
    byte-for-byte reproducible."""
    if os.environ.get("PYTHONHASHSEED") != "0":
        env = dict(os.environ, PYTHONHASHSEED="0")
        os.execve(sys.executable, [sys.executable] + sys.argv, env)


def default_resize(input_size: int) -> int:
    return int(round(input_size * 256 / 224))


def export(model: str, out: str, name: Optional[str] = None, weights: Optional[str] = None,
           input_size: Optional[int] = None, resize: Optional[int] = None, cut: str = "fc",
           output: str = "pooled", mean=None, std=None, weights_desc: Optional[str] = None,
           seed: int = 0, module: Optional[nn.Module] = None, verify_batch: int = 2,
           quiet: bool = False, bf16: bool = False, channels_last: bool = True,
           taps: Optional[str] = None) -> dict:
    """Export and verify. `module` (optional) replaces the built (inference == trainable)
    module, e.g. for a model prepared in Python (make_fixtures uses build()). `taps`: comma-
    separated module names whose pooled outputs the files return (see the module docstring)."""
    torch.manual_seed(seed)
    if input_size is None:
        input_size = 299 if model == "inception_v3" else (32 if model == "tiny_cnn" else 224)
    if resize is None:
        resize = 36 if (model == "tiny_cnn" and input_size == 32) else default_resize(input_size)
    name = name or (model if cut == "fc" else f"{model}_conv") + ("_spatial" if output == "spatial" else "")
    tap_names = None
    if module is None:
        inf_mod, train_mod, desc, tap_names = build(model, weights, cut, output, seed, taps)
    else:
        inf_mod = train_mod = module
        desc = "random"
    if weights_desc:
        desc = weights_desc
    os.makedirs(out, exist_ok=True)
    inf_file, train_file = f"{name}.pt", f"{name}-trainable.pt"

    frozen = script_inference(inf_mod, channels_last)
    trainable = script_trainable(train_mod)
    _save_atomic(frozen, os.path.join(out, inf_file))
    _save_atomic(trainable, os.path.join(out, train_file))

    # ---- verify on freshly loaded copies (train-mode forward changes BN buffers)
    g = torch.Generator().manual_seed(1234)
    x = torch.randn(verify_batch, 3, input_size, input_size, generator=g)
    lf = torch.jit.load(os.path.join(out, inf_file))
    lt = torch.jit.load(os.path.join(out, train_file))
    with torch.no_grad():
        eager = as_list(copy.deepcopy(inf_mod).eval()(x))
        a_all = as_list(lf(x))
        lt.eval()
        b_all = as_list(lt(x))
    assert len(a_all) == len(b_all) == len(eager) == (len(tap_names) if tap_names else 1)
    a = a_all[0]
    diff = max((u - v).abs().max().item() for u, v in zip(a_all, b_all))
    diff_eager = max((u - v).abs().max().item() for u, v in zip(a_all, eager))
    scale = max(1.0, max(u.abs().max().item() for u in a_all))
    if not quiet:
        print(f"[{name}] features {tuple(a.shape)}; max |frozen - trainable(eval)| = {diff:.3g}; "
              f"max |frozen - eager| = {diff_eager:.3g} (max |feature| {a.abs().max().item():.3g})")
    if diff > 1e-4 * scale or diff_eager > 1e-4 * scale:
        raise SystemExit(f"error: frozen and trainable exports differ by {diff} (eager {diff_eager})")
    lt.train()
    y = lt(x)
    aux_dim = None
    if isinstance(y, list):
        y = torch.cat(y, 1)  # every tap gets gradients
        a = torch.cat(a_all, 1)
    elif isinstance(y, tuple):
        aux_dim = int(y[1].shape[1])
        y = y[0]
    assert y.shape == a.shape, (y.shape, a.shape)
    y.sum().backward()  # gradients flow into the trainable parameters
    n_grad = sum(1 for p in lt.parameters() if p.grad is not None)
    n_params = sum(p.numel() for p in lt.parameters())
    if not quiet:
        print(f"[{name}] trainable: {n_params} parameters, {n_grad} tensors got gradients in train mode"
              + (f"; aux features {aux_dim}" if aux_dim else ""))

    bf16_file = None
    if bf16:
        if model == "inception_v3":
            raise SystemExit("error: --bf16 is not supported for inception_v3")
        bf16_file = f"{name}-bf16.pt"
        _save_atomic(script_bf16(inf_mod, channels_last), os.path.join(out, bf16_file))
        with torch.no_grad():
            c = torch.cat(as_list(torch.jit.load(os.path.join(out, bf16_file))(x)), 1)
        rel = ((c - a).abs().mean() / a.abs().mean().clamp_min(1e-12)).item()
        if not quiet:
            print(f"[{name}] bf16: mean |bf16 - fp32| / mean |fp32| = {rel:.3g}")

    card = {
        "name": name,
        "architecture": model + ("" if cut == "fc" else f"/cut={cut}"),
        "input_size": int(input_size),
        "resize": int(resize),
        "interpolation": "bilinear",
        "mean": [float(v) for v in (mean or IMAGENET_MEAN)],
        "std": [float(v) for v in (std or IMAGENET_STD)],
        "feature_dim": int(a_all[0].shape[1]),
        "output": output,
        "inference_file": inf_file,
        "trainable_file": train_file,
        "aux_feature_dim": aux_dim,
        "bf16_file": bf16_file,
        "memory_format": "channels_last" if channels_last else "contiguous",
        "weights": desc,
        "torch_version": torch.__version__,
        "exported_by": "tools/export_backbone.py",
    }
    if tap_names:
        # output order: the default (deepest) tap first, then the others shallow to deep
        card["taps"] = [{"name": t, "dim": int(v.shape[1])} for t, v in zip(tap_names, a_all)]
    # ---- known-answer probe: float64 eager reference of the unfrozen module
    px = probe_input([PROBE_BATCH, 3, input_size, input_size], PROBE_SEED)
    refs = reference_outputs(inf_mod, px)
    ref = refs[0]
    card["probe"] = make_probe(px, PROBE_SEED, ref,
                               f"float64 eager PyTorch {torch.__version__}, unfrozen weights")
    if tap_names:
        card["probe"]["taps"] = tap_probes(tap_names, refs)
    if not quiet:
        _print_probe_diffs(name, out, card, ref)
    write_json_atomic(os.path.join(out, f"{name}.json"), card)
    if not quiet:
        print(f"[{name}] wrote {out}/{inf_file}, {train_file}, {name}.json")
    return card


# ---------------------------------------------------------------- probe
PROBE_INPUT = "hash32-v1"
PROBE_SEED = 1
PROBE_BATCH = 2
PROBE_MAX_VALUES = 4096  # per row; longer feature vectors are strided
_M32 = 0xFFFFFFFF


def hash32_value(i: int, seed: int) -> float:
    """hash32-v1, one element (plain Python ints; the definition probe_input vectorises)."""
    x = (i + seed * 0x9E3779B9) & _M32
    x ^= x >> 16
    x = (x * 0x7FEB352D) & _M32
    x ^= x >> 15
    x = (x * 0x846CA68B) & _M32
    x ^= x >> 16
    return (x >> 8) / 2.0 ** 24 * 4 - 2


def _mul32(x: torch.Tensor, c: int) -> torch.Tensor:
    """(x * c) mod 2^32 for int64 x in [0, 2^32) without int64 overflow:
    x*c = x*c_lo + (x*c_hi) * 2^16, and only the low 16 bits of x*c_hi matter."""
    lo = (x * (c & 0xFFFF)) & _M32               # < 2^48
    hi = ((x * (c >> 16)) & 0xFFFF) << 16        # < 2^48 before the mask
    return (lo + hi) & _M32


def probe_input(shape, seed: int) -> torch.Tensor:
    """hash32-v1: deterministic float32 tensor of `shape` (row-major flat index i), values
    (x >> 8) / 2^24 * 4 - 2 in [-2, 2), each a multiple of 2^-22 (exact in float32; any float64
    sum of them is exact). Bit-identical to the Java implementation."""
    n = 1
    for d in shape:
        n *= int(d)
    x = torch.arange(n, dtype=torch.int64)
    x = (x + ((seed * 0x9E3779B9) & _M32)) & _M32
    x = x ^ (x >> 16)
    x = _mul32(x, 0x7FEB352D)
    x = x ^ (x >> 15)
    x = _mul32(x, 0x846CA68B)
    x = x ^ (x >> 16)
    v = (x >> 8).to(torch.float64) / 2.0 ** 24 * 4 - 2
    return v.to(torch.float32).reshape([int(d) for d in shape])


def pool_output(y) -> torch.Tensor:
    """[N,C,h,w] -> [N,C] by the mean over h,w (what headstart does with spatial outputs)."""
    if isinstance(y, (tuple, list)):
        y = y[0]
    return y.mean(dim=(2, 3)) if y.dim() == 4 else y


def f32(v: float) -> float:
    """v rounded to float32, as the shortest decimal that reads back to that float32."""
    import numpy as np
    return float(str(np.float32(v)))


def reference_output(mod: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """float64 eager forward of an unfrozen copy of `mod` in eval mode, pooled to [N,D]."""
    return reference_outputs(mod, x)[0]


def as_list(y) -> List[torch.Tensor]:
    """A module's output as a list of tensors: a tapped module's list, else [the output]
    (inception's training tuple is not an output list: its first element is the features)."""
    if isinstance(y, list):
        return y
    return [y[0] if isinstance(y, tuple) else y]


def reference_outputs(mod: nn.Module, x: torch.Tensor) -> List[torch.Tensor]:
    """float64 eager forward of an unfrozen copy of `mod` in eval mode, each output pooled to
    [N,D]: one per tap for a tapped module (in its output order), else one."""
    m = copy.deepcopy(mod).double().eval()
    with torch.no_grad():
        return [pool_output(y) for y in as_list(m(x.double()))]


def tap_probes(tap_names: List[str], refs: List[torch.Tensor]) -> List[dict]:
    """Every tap's known answer, in output order (the first repeats the probe's own outputs)."""
    out = []
    for t, r in zip(tap_names, refs):
        d = int(r.shape[1])
        k = -(-d // PROBE_MAX_VALUES)
        out.append({"name": t, "stride": k, "max_abs": f32(r.abs().max().item()),
                    "outputs": [[f32(v) for v in row[::k].tolist()] for row in r]})
    return out


def make_probe(x: torch.Tensor, seed: int, ref: torch.Tensor, reference: str) -> dict:
    d = int(ref.shape[1])
    k = -(-d // PROBE_MAX_VALUES)
    return {
        "input": PROBE_INPUT,
        "seed": int(seed),
        "shape": [int(v) for v in x.shape],
        "input_sum": float(x.double().sum().item()),
        "reference": reference,
        "stride": k,
        "max_abs": f32(ref.abs().max().item()),
        "outputs": [[f32(v) for v in row[::k].tolist()] for row in ref],
    }


def probe_diff(path: str, probe: dict, ref: torch.Tensor) -> float:
    """max |file(x) - reference| / max_abs for a TorchScript file run in float32 (eval mode)."""
    m = torch.jit.load(path)
    m.eval()
    x = probe_input(probe["shape"], probe["seed"])
    with torch.no_grad():
        y = pool_output(as_list(m(x))[0]).double()
    return ((y - ref).abs().max() / max(probe["max_abs"], 1e-30)).item()


def _print_probe_diffs(name: str, out: str, card: dict, ref: torch.Tensor) -> None:
    parts = []
    for key, label in (("inference_file", "frozen"), ("bf16_file", "bf16"), ("trainable_file", "trainable(eval)")):
        f = card.get(key)
        if f and os.path.isfile(os.path.join(out, f)):
            parts.append(f"{label} {probe_diff(os.path.join(out, f), card['probe'], ref):.3g}")
    print(f"[{name}] probe (PyTorch {torch.__version__}) max |file - float64 reference| / max_abs: "
          + "; ".join(parts) + f" (max_abs {card['probe']['max_abs']:.4g}, informational)")


def dumps_rows_inline(obj, inline_keys=("shape", "outputs")) -> str:
    """json.dumps(obj, indent=2), except that under the keys in inline_keys each list of numbers
    (shape, and every row of outputs) stays on one line."""
    rows: List[list] = []

    def sub(o, key=None):
        if isinstance(o, dict):
            return {k: sub(v, k) for k, v in o.items()}
        if isinstance(o, list):
            if key in inline_keys and o and all(isinstance(v, list) for v in o):
                return [sub(v, key) for v in o]
            if key in inline_keys:
                rows.append(o)
                return f"@@inline-{len(rows) - 1}@@"
            return [sub(v) for v in o]
        return o

    text = json.dumps(sub(obj), indent=2)
    for i, r in enumerate(rows):
        text = text.replace(f'"@@inline-{i}@@"', json.dumps(r), 1)
    return text


def write_json_atomic(path: str, obj) -> None:
    d, base = os.path.split(path)
    tmp = os.path.join(d, f".{base}.tmp")
    with open(tmp, "w") as f:
        f.write(dumps_rows_inline(obj))
        f.write("\n")
    os.replace(tmp, path)


def add_probe(card_path: str, seed: int = PROBE_SEED) -> dict:
    """Compute the probe of an existing card from its trainable_file and rewrite the card
    (every other key and the key order kept; the probe replaces an old one in place)."""
    with open(card_path) as f:
        card = json.load(f)
    out = os.path.dirname(card_path) or "."
    s = int(card["input_size"])
    x = probe_input([PROBE_BATCH, 3, s, s], seed)
    m = torch.jit.load(os.path.join(out, card["trainable_file"]))
    try:
        m = m.double()
        m.eval()
        with torch.no_grad(), torch.jit.optimized_execution(False):
            refs = [pool_output(y).double() for y in as_list(m(x.double()))]
        reference = (f"float64 eager PyTorch {torch.__version__}, unfrozen weights "
                     f"({card['trainable_file']}, TorchScript interpreter without graph optimization)")
    except Exception as e:  # a scripted module that cannot run in float64
        m = torch.jit.load(os.path.join(out, card["trainable_file"]))
        m.eval()
        with torch.no_grad(), torch.jit.optimized_execution(False):
            refs = [pool_output(y).double() for y in as_list(m(x))]
        reference = (f"float32 PyTorch {torch.__version__}, unfrozen weights ({card['trainable_file']}; "
                     f"float64 failed: {type(e).__name__})")
        print(f"warning: {card_path}: {card['trainable_file']} does not run in float64 "
              f"({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}); float32 reference")
    ref = refs[0]
    if int(ref.shape[1]) != int(card["feature_dim"]):
        raise SystemExit(f"error: {card_path}: reference has {ref.shape[1]} features, card says "
                         f"{card['feature_dim']}")
    card["probe"] = make_probe(x, seed, ref, reference)
    if card.get("taps"):
        card["probe"]["taps"] = tap_probes([t["name"] for t in card["taps"]], refs)
    write_json_atomic(card_path, card)
    _print_probe_diffs(card["name"], out, card, ref)
    return card


def _save_atomic(mod, path):
    tmp = path + ".tmp"
    mod.save(tmp)
    os.replace(tmp, path)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", choices=MODELS, help="required unless --add-probe")
    p.add_argument("--taps", metavar="NAME,NAME,...",
                   help="also return the globally pooled outputs of these modules (names from the "
                   "torchvision module tree, e.g. layer2,layer3,layer4 for resnet; --list-taps "
                   "prints a model's), all in one forward pass; the deepest is the default features")
    p.add_argument("--list-taps", action="store_true",
                   help="print the module names --taps accepts for --model (shallow to deep) and exit")
    p.add_argument("--add-probe", metavar="CARD.json", nargs="+",
                   help="add (or recompute) the known-answer probe of existing model cards from their "
                   "trainable_file, rewriting only the .json; no other option is used")
    p.add_argument("--weights", help="torchvision weights enum name (e.g. IMAGENET1K_V1; needs network) "
                   "or a local state-dict .pth file; random init when absent")
    p.add_argument("--weights-desc", help="text for the card's 'weights' field (default: derived)")
    p.add_argument("--input-size", type=int, help="default 224 (299 for inception_v3, 32 for tiny_cnn)")
    p.add_argument("--resize", type=int, help="shorter-side resize before center crop; "
                   "default round(input_size*256/224)")
    p.add_argument("--cut", choices=["fc", "conv"], default="fc",
                   help="alexnet/vgg: fc = 4096 features after the first two FC layers; "
                   "conv = pooled conv features (avgpool output flattened: 25088 for vgg)")
    p.add_argument("--output", choices=["pooled", "spatial"], default="pooled",
                   help="spatial: [N,C,h,w] feature map (headstart pools it)")
    p.add_argument("--mean", type=float, nargs=3)
    p.add_argument("--std", type=float, nargs=3)
    p.add_argument("--seed", type=int, default=0, help="seed for random init")
    p.add_argument("--out", help="output directory (required unless --add-probe)")
    p.add_argument("--name", help="file base name (default: the model name)")
    p.add_argument("--bf16", action="store_true",
                   help="also write <name>-bf16.pt: frozen, bfloat16 inside, float32 in and out "
                   "(extract.precision: bf16, on CPUs with AVX-512 BF16 or AMX)")
    p.add_argument("--no-channels-last", dest="channels_last", action="store_false",
                   help="run the inference exports in the default (contiguous) memory format "
                   "instead of channels-last")
    a = p.parse_args(argv)
    if a.add_probe:
        torch.set_num_threads(min(2, torch.get_num_threads()))
        for c in a.add_probe:
            add_probe(c)
            print(f"wrote the probe into {c}")
        return
    if a.list_taps:
        if not a.model:
            p.error("--list-taps needs --model")
        print("\n".join(list_taps(a.model)))
        return
    if not a.model or not a.out:
        p.error("--model and --out are required (or --add-probe CARD.json)")
    ensure_hash_seed()
    torch.set_num_threads(min(2, torch.get_num_threads()))
    card = export(a.model, a.out, a.name, a.weights, a.input_size, a.resize, a.cut, a.output,
                  a.mean, a.std, a.weights_desc, a.seed, bf16=a.bf16, channels_last=a.channels_last,
                  taps=a.taps)
    print(dumps_rows_inline(card))


if __name__ == "__main__":
    main()
