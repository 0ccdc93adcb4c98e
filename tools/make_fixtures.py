#!/usr/bin/python3
"""Make the Java test fixtures under src/test/resources/fixtures/ (deterministic).

  preprocess/  4 source images + the torchvision eval-transform output of each
               (Resize(73) -> CenterCrop(64) -> ToTensor -> Normalize(ImageNet)),
               raw little-endian float32 CHW, plus photo_224.f32 (Resize(256) ->
               CenterCrop(224), JPEG only), photo.rgb8 (the JPEG as PIL decodes it,
               raw uint8 HWC RGB), and expected.json describing all of it.
  extract/tiny.webp  a lossless 12x8 WebP in four flat quadrants (ImageDecoderTest).
  jpeg/        JPEGs in the layouts cameras and the web write (4:2:0, 4:2:2, 4:4:4 with odd sizes,
               progressive, gray) and Pillow's decode of each (raw uint8 HWC RGB, .rgb8), plus
               a 512x384 JPEG and Pillow's draft-mode (DCT-scaled) decodes of it at 1/2, 1/4 and
               1/8, with jpeg.json describing them (JpegDecodeTest: the native decoder must give
               exactly these pixels).
  backbones/   tiny_cnn (.pt, -trainable.pt, .json), tiny_cnn_spatial (output
               [N,32,4,4]) exported through tools/export_backbone.py, and
               features_reference.json: tiny_cnn.pt features of 3 lossless
               preprocess images at Resize(36)/CenterCrop(32).
               tiny_cnn_taps (--taps features.0,features.1,features.2, the same
               weights) and taps_reference.json: for the same 3 inputs, each
               block's output as eager PyTorch computes it (forward hooks on the
               unwrapped TinyCNN, float64), averaged over h,w.

Run from the repository root:  /usr/bin/python3 tools/make_fixtures.py [--only jpeg]
"""
import copy
import json
import os
import sys

import numpy as np
import torch
import torchvision.transforms as T
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export_backbone as eb  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "src", "test", "resources", "fixtures")
MEAN, STD = eb.IMAGENET_MEAN, eb.IMAGENET_STD


# ------------------------------------------------------------------ images
def make_images(d):
    rng = np.random.default_rng(20240601)
    out = []

    # 1. JPEG 300x200 RGB: smooth gradients + a disc + noise ("photo-like")
    h, w = 200, 300
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    r = 255 * (x / (w - 1))
    g = 255 * (y / (h - 1))
    b = 128 + 100 * np.sin(x / 17.0) * np.cos(y / 23.0)
    disc = ((x - 190) ** 2 + (y - 90) ** 2) < 45 ** 2
    r[disc], g[disc], b[disc] = 230, 200, 40
    img = np.stack([r, g, b], -1) + rng.normal(0, 12, (h, w, 3))
    img = np.clip(img, 0, 255).astype(np.uint8)
    Image.fromarray(img, "RGB").save(os.path.join(d, "photo.jpg"), quality=90, subsampling=0)
    out.append(("photo.jpg", "RGB JPEG 300x200, quality 90, 4:4:4"))

    # 2. PNG RGBA 150x220 with varying alpha (alpha must be DROPPED, not composited)
    h, w = 220, 150
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    rgba = np.stack([
        (x * 255 / (w - 1)),
        255 - (y * 255 / (h - 1)),
        127 + 127 * np.sin((x + y) / 11.0),
        np.where((x // 25 + y // 25) % 2 == 0, 255, 40 + y * 0.5),
    ], -1) + np.concatenate([rng.normal(0, 6, (h, w, 3)), np.zeros((h, w, 1))], -1)
    Image.fromarray(np.clip(rgba, 0, 255).astype(np.uint8), "RGBA").save(os.path.join(d, "rgba.png"))
    out.append(("rgba.png", "RGBA PNG 150x220 with varying alpha; PIL convert('RGB') drops alpha"))

    # 3. grayscale PNG 97x61
    h, w = 61, 97
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    gray = 128 + 90 * np.sin(x / 7.0) * np.sin(y / 5.0) + rng.normal(0, 10, (h, w))
    Image.fromarray(np.clip(gray, 0, 255).astype(np.uint8), "L").save(os.path.join(d, "gray.png"))
    out.append(("gray.png", "8-bit grayscale PNG 97x61; RGB = gray replicated"))

    # 4. palette GIF 120x80 (16 colours)
    h, w = 80, 120
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    rgb = np.stack([255 * (x // 15 % 2), 255 * (y / (h - 1)), 80 + 40 * (x // 30)], -1)
    rgb = np.clip(rgb + rng.normal(0, 20, (h, w, 3)), 0, 255).astype(np.uint8)
    pal = Image.fromarray(rgb, "RGB").quantize(colors=16, method=Image.Quantize.MEDIANCUT,
                                                dither=Image.Dither.NONE)
    pal.save(os.path.join(d, "palette.gif"))
    out.append(("palette.gif", "palette (P mode) GIF 120x80, 16 colours"))
    return out


def resize_geometry(size, resize, crop):
    """What torchvision 0.14 Resize(int)/CenterCrop(int) do to a (w, h) image."""
    w, h = size
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = resize, int(resize * long / short)
    nw, nh = (new_short, new_long) if w <= h else (new_long, new_short)
    top = int(round((nh - crop) / 2.0))
    left = int(round((nw - crop) / 2.0))
    return [nw, nh], [left, top]


def transform(resize, crop):
    return T.Compose([T.Resize(resize, interpolation=T.InterpolationMode.BILINEAR), T.CenterCrop(crop),
                      T.ToTensor(), T.Normalize(MEAN, STD)])


def write_f32(path, t):
    a = np.ascontiguousarray(t.numpy().astype("<f4"))
    with open(path, "wb") as f:
        f.write(a.tobytes())


def make_preprocess():
    d = os.path.join(FIX, "preprocess")
    os.makedirs(d, exist_ok=True)
    images = make_images(d)
    files = []
    for fname, desc in images:
        src = Image.open(os.path.join(d, fname))
        mode = src.mode
        rgb = src.convert("RGB")
        t = transform(73, 64)(rgb)
        tname = os.path.splitext(fname)[0] + ".f32"
        write_f32(os.path.join(d, tname), t)
        resized, offset = resize_geometry(rgb.size, 73, 64)
        files.append({"image": fname, "tensor": tname, "description": desc, "mode": mode,
                      "width": rgb.size[0], "height": rgb.size[1],
                      "resized_size": resized, "crop_offset": offset,
                      "tensor_sha256_prefix": __import__("hashlib").sha256(open(os.path.join(d, tname), "rb").read()).hexdigest()[:16],
                      "mean_value": float(t.mean())})
    # the JPEG at the standard 256/224 and its decoded pixels
    rgb = Image.open(os.path.join(d, "photo.jpg")).convert("RGB")
    t224 = transform(256, 224)(rgb)
    write_f32(os.path.join(d, "photo_224.f32"), t224)
    with open(os.path.join(d, "photo.rgb8"), "wb") as f:
        f.write(np.asarray(rgb, dtype=np.uint8).tobytes())
    resized, offset = resize_geometry(rgb.size, 256, 224)
    expected = {
        "description": "torchvision %s eval transform: Resize(resize) (shorter side, bilinear, PIL resample "
                       "which is always antialiased) -> CenterCrop(crop) -> ToTensor -> Normalize(mean, std); "
                       "source converted with PIL .convert('RGB') first (alpha dropped, not composited; "
                       "grayscale replicated; palette expanded). Tensors are raw little-endian float32, "
                       "CHW, no header. resized_size is [w, h] after Resize (long side = "
                       "int(resize * long / short), truncated); crop_offset is [left, top] = "
                       "int(round((resized - crop) / 2.0)) with Python 3 round = half-to-EVEN (22.5 -> 22; "
                       "Java Math.round would give 23), exactly what torchvision's center_crop does." % __import__("torchvision").__version__,
        "made_by": "tools/make_fixtures.py",
        "pil_version": Image.__version__,
        "dtype": "float32", "byte_order": "little", "layout": "CHW",
        "shape": [3, 64, 64], "resize": 73, "crop": 64, "interpolation": "bilinear",
        "mean": MEAN, "std": STD,
        "files": files,
        "extra": [{
            "image": "photo.jpg", "tensor": "photo_224.f32", "shape": [3, 224, 224], "resize": 256,
            "crop": 224, "resized_size": resized, "crop_offset": offset, "mean_value": float(t224.mean()),
        }],
        "decoded": [{
            "image": "photo.jpg", "pixels": "photo.rgb8", "shape": [rgb.size[1], rgb.size[0], 3],
            "layout": "HWC", "dtype": "uint8",
            "note": "the JPEG as PIL/libjpeg decodes it; another decoder may differ by a few levels, "
                    "so compare JPEG tensors with a looser tolerance or feed these pixels",
        }],
    }
    with open(os.path.join(d, "expected.json"), "w") as f:
        json.dump(expected, f, indent=2)
        f.write("\n")
    print(f"preprocess: {len(files)} images -> {d}")


def make_backbones():
    d = os.path.join(FIX, "backbones")
    os.makedirs(d, exist_ok=True)
    # a tiny CNN with non-trivial batch-norm statistics, so that conv+bn folding
    # and eval-mode batch-norm are really exercised
    torch.manual_seed(7)
    m = eb.TinyCNN()
    g = torch.Generator().manual_seed(7)
    for mod in m.modules():
        if isinstance(mod, torch.nn.BatchNorm2d):
            n = mod.num_features
            mod.weight.data = 0.5 + torch.rand(n, generator=g)
            mod.bias.data = 0.2 * torch.randn(n, generator=g)
            mod.running_mean.data = 0.3 * torch.randn(n, generator=g)
            mod.running_var.data = 0.5 + torch.rand(n, generator=g)
    state = os.path.join(d, ".tiny_cnn_state.pth")
    torch.save(m.state_dict(), state)
    desc = "random (seeded; tools/make_fixtures.py)"
    eb.export("tiny_cnn", d, "tiny_cnn", weights=state, weights_desc=desc)
    eb.export("tiny_cnn", d, "tiny_cnn_spatial", weights=state, output="spatial", weights_desc=desc)
    eb.export("tiny_cnn", d, "tiny_cnn_taps", weights=state, weights_desc=desc,
              taps="features.0,features.1,features.2")
    os.remove(state)

    # reference features: lossless images only (JPEG decoders differ)
    model = torch.jit.load(os.path.join(d, "tiny_cnn.pt"))
    spatial = torch.jit.load(os.path.join(d, "tiny_cnn_spatial.pt"))
    pre = os.path.join(FIX, "preprocess")
    entries = []
    for fname in ["rgba.png", "gray.png", "palette.gif"]:
        x = transform(36, 32)(Image.open(os.path.join(pre, fname)).convert("RGB"))
        iname = "input32_" + os.path.splitext(fname)[0] + ".f32"
        write_f32(os.path.join(d, iname), x)
        with torch.no_grad():
            f = model(x.unsqueeze(0))[0]
            s = spatial(x.unsqueeze(0))[0]
        assert torch.allclose(s.mean(dim=(1, 2)), f, atol=1e-6)
        entries.append({"image": "../preprocess/" + fname, "input": iname,
                        "features": [float(v) for v in f]})
    ref = {
        "backbone": "tiny_cnn.pt", "model_card": "tiny_cnn.json",
        "preprocess": {"resize": 36, "crop": 32, "interpolation": "bilinear", "mean": MEAN, "std": STD},
        "feature_dim": 32, "tolerance": 1e-5,
        "note": "features = tiny_cnn.pt(input) for the preprocessed image; the input tensors "
                "(raw little-endian float32 CHW [3,32,32]) are given too so the model can be "
                "checked apart from preprocessing. tiny_cnn_spatial.pt gives [N,32,4,4] with the "
                "same weights; its global average pool equals these features.",
        "images": entries,
    }
    with open(os.path.join(d, "features_reference.json"), "w") as f:
        json.dump(ref, f, indent=2)
        f.write("\n")
    make_taps_reference(d, m, entries)
    print(f"backbones: -> {d}")


def make_taps_reference(d, m, entries):
    """taps_reference.json: every block's pooled output for the reference inputs, from the eager
    TinyCNN itself (forward hooks, float64): an oracle independent of the exporter's TapNet."""
    model = copy.deepcopy(m).double().eval()
    caught = {}
    names = ["features.0", "features.1", "features.2"]
    for n in names:
        model.get_submodule(n).register_forward_hook(
            lambda mod, inp, out, n=n: caught.__setitem__(n, out.mean(dim=(2, 3))[0]))
    images = []
    for e in entries:
        x = np.fromfile(os.path.join(d, e["input"]), dtype="<f4").reshape(1, 3, 32, 32)
        with torch.no_grad():
            model(torch.from_numpy(x).double())
        images.append({"input": e["input"], "taps": {n: [float(v) for v in caught[n]] for n in names}})
    ref = {
        "backbone": "tiny_cnn_taps.pt", "model_card": "tiny_cnn_taps.json", "tolerance": 1e-5,
        "taps": names,
        "note": "for each input (raw little-endian float32 CHW [3,32,32], see features_reference.json), the "
                "output of each block of the eager TinyCNN (same weights as tiny_cnn.pt), float64, averaged "
                "over h and w; features.2 is also tiny_cnn.pt's output",
        "images": images,
    }
    with open(os.path.join(d, "taps_reference.json"), "w") as f:
        json.dump(ref, f, indent=2)
        f.write("\n")


def make_webp():
    """extract/tiny.webp: a lossless 12x8 WebP in four flat quadrants (R 200 left, 10 right; G 30;
    B 90 top, 250 bottom), for ImageDecoderTest.decodesWebp."""
    a = np.zeros((8, 12, 3), dtype=np.uint8)
    a[:, :6, 0], a[:, 6:, 0] = 200, 10
    a[:, :, 1] = 30
    a[:4, :, 2], a[4:, :, 2] = 90, 250
    d = os.path.join(ROOT, "src", "test", "resources", "extract")
    os.makedirs(d, exist_ok=True)
    Image.fromarray(a, "RGB").save(os.path.join(d, "tiny.webp"), lossless=True)


def photo_like(w, h, seed):
    """Smooth gradients, a disc, stripes and sensor-like noise: JPEG content with edges and texture."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    r = 255 * (x / (w - 1))
    g = 255 * (y / (h - 1))
    b = 128 + 100 * np.sin(x / 17.0) * np.cos(y / 23.0)
    disc = ((x - 0.6 * w) ** 2 + (y - 0.45 * h) ** 2) < (0.2 * min(w, h)) ** 2
    r[disc], g[disc], b[disc] = 230, 200, 40
    stripes = (x // 7 % 2 == 0) & (y > 0.7 * h)
    r[stripes], g[stripes], b[stripes] = 20, 20, 20
    img = np.stack([r, g, b], -1) + rng.normal(0, 10, (h, w, 3))
    return np.clip(img, 0, 255).astype(np.uint8)


def make_jpeg():
    d = os.path.join(FIX, "jpeg")
    os.makedirs(d, exist_ok=True)
    files = []

    def add(name, desc, save):
        path = os.path.join(d, name)
        save(path)
        decoded = Image.open(path).convert("RGB")
        raw = os.path.splitext(name)[0] + ".rgb8"
        with open(os.path.join(d, raw), "wb") as f:
            f.write(np.asarray(decoded, dtype=np.uint8).tobytes())
        files.append({"image": name, "pixels": raw, "width": decoded.size[0], "height": decoded.size[1],
                      "description": desc})

    rgb = Image.fromarray(photo_like(97, 61, 1), "RGB")
    add("s420.jpg", "97x61 4:2:0 quality 85 (odd sizes: the upsampler's edges)",
        lambda p: rgb.save(p, quality=85, subsampling=2))
    add("s422.jpg", "97x61 4:2:2 quality 90", lambda p: rgb.save(p, quality=90, subsampling=1))
    add("s444.jpg", "97x61 4:4:4 quality 95", lambda p: rgb.save(p, quality=95, subsampling=0))
    add("progressive.jpg", "97x61 4:2:0 progressive, optimized", lambda p: rgb.save(
        p, quality=80, progressive=True, optimize=True))
    add("gray.jpg", "97x61 grayscale (one component)", lambda p: rgb.convert("L").save(p, quality=90))

    big = Image.fromarray(photo_like(512, 384, 2), "RGB")
    big.save(os.path.join(d, "big.jpg"), quality=88)  # 4:2:0, Pillow's default
    drafts = []
    for target in (128, 64, 48):
        im = Image.open(os.path.join(d, "big.jpg"))
        im.draft("RGB", (target, target))  # Pillow: scale = largest of 8/4/2/1 <= min(w // t, h // t)
        im = im.convert("RGB")
        raw = "big_draft%d.rgb8" % target
        with open(os.path.join(d, raw), "wb") as f:
            f.write(np.asarray(im, dtype=np.uint8).tobytes())
        drafts.append({"target": target, "pixels": raw, "width": im.size[0], "height": im.size[1],
                       "scale": 512 // im.size[0]})
    with open(os.path.join(d, "jpeg.json"), "w") as f:
        json.dump({"made_by": "tools/make_fixtures.py", "pil_version": Image.__version__,
                   "libjpeg": __import__("PIL.features").features.version("jpg"),
                   "layout": "HWC", "dtype": "uint8",
                   "files": files,
                   "draft": {"image": "big.jpg", "width": 512, "height": 384,
                             "note": "Image.draft('RGB', (t, t)) then convert('RGB'): libjpeg's scaled IDCT",
                             "decodes": drafts}}, f, indent=2)
        f.write("\n")
    print(f"jpeg: {len(files)} images + {len(drafts)} draft decodes -> {d}")


if __name__ == "__main__":
    if sys.argv[1:] == ["--only", "jpeg"]:
        make_jpeg()
        sys.exit(0)
    eb.ensure_hash_seed()
    torch.set_num_threads(2)
    make_preprocess()
    make_backbones()
    make_webp()
    make_jpeg()
