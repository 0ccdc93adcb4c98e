#!/usr/bin/python3
"""A deterministic ImageFolder of 6-megapixel photo-like JPEGs (3000x2000, landscape and portrait),
the size users' cameras and phones write, for bench/decode.sh.

Content: smooth lighting gradients, soft texture (sums of sinusoids), several filled shapes and mild
sensor-like noise, saved at quality 90 with 4:2:0 chroma (what cameras write; files of about the
size of real photos). The class is not a colour: it is which shape dominates (ellipse or
rectangle) and the orientation of a fine stripe texture inside it (horizontal or vertical), so
fine detail matters and reduced-size decoding has something to lose.

  /usr/bin/python3 bench/photos.py --out bench/out/photos6mp [--train 24 --val 12 --classes 4]

With --from DIR it makes a photo-sized copy of an ImageFolder instead, for the accuracy effect of
reduced-size decoding with a backbone that was trained on such images: every image upscaled to
--size px (bicubic), with mild sensor-like noise, saved as a 4:2:0 JPEG at quality 90:

  /usr/bin/python3 bench/photos.py --from examples/fashion5/images --size 1000 --out bench/out/fashion1mp
"""
import argparse
import json
import os

import numpy as np
from PIL import Image, ImageDraw


def photo(rng, cls, w, h):
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = rng.uniform(60, 200, 3).astype(np.float32)
    gx, gy = rng.uniform(-60, 60, 2)
    img = base + (xx / w * gx)[..., None] + (yy / h * gy)[..., None]
    f1, f2 = rng.uniform(80, 400, 2)
    img += (18 * np.sin(xx / f1 + rng.uniform(0, 6)) * np.cos(yy / f2))[..., None]
    img = np.clip(img + rng.normal(0, 6, (h, w, 3)), 0, 255).astype(np.uint8)
    im = Image.fromarray(img)
    dr = ImageDraw.Draw(im)
    # distractors: a few small shapes of either kind
    for _ in range(4):
        cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), min(w, h) * rng.uniform(.03, .08)
        col = tuple(int(v) for v in rng.uniform(0, 255, 3))
        (dr.ellipse if rng.random() < .5 else dr.rectangle)([cx - r, cy - r, cx + r, cy + r], fill=col)
    # the class: the big shape's kind and its stripes' orientation (period 8-14 px at full size)
    cx, cy, r = w * rng.uniform(.35, .65), h * rng.uniform(.35, .65), min(w, h) * rng.uniform(.2, .3)
    mask = Image.new("L", (w, h), 0)
    md = ImageDraw.Draw(mask)
    (md.ellipse if cls % 2 == 0 else md.rectangle)([cx - r, cy - r, cx + r, cy + r], fill=255)
    period = rng.uniform(8, 14)
    coord = yy if cls // 2 == 0 else xx
    stripes = (np.sin(coord * 2 * np.pi / period) > 0)[..., None]
    c1 = rng.uniform(0, 255, 3)
    c2 = np.clip(c1 + rng.choice([-1, 1]) * 90, 0, 255)
    tex = np.where(stripes, c1, c2).astype(np.uint8)
    im.paste(Image.fromarray(tex), (0, 0), mask)
    return im


def upscaled_copy(src, out, size, seed):
    rng = np.random.default_rng(seed)
    n = 0
    for d, _, files in sorted(os.walk(src)):
        for f in sorted(files):
            im = Image.open(os.path.join(d, f)).convert("RGB").resize((size, size), Image.BICUBIC)
            a = np.asarray(im, dtype=np.float32) + rng.normal(0, 4, (size, size, 3))
            dst = os.path.join(out, os.path.relpath(d, src))
            os.makedirs(dst, exist_ok=True)
            Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)).save(
                os.path.join(dst, os.path.splitext(f)[0] + ".jpg"), quality=90, subsampling=2)
            n += 1
    print(json.dumps({"images": n, "out": out, "from": src, "size": size}))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True)
    p.add_argument("--classes", type=int, default=4)
    p.add_argument("--train", type=int, default=24)
    p.add_argument("--val", type=int, default=12)
    p.add_argument("--seed", type=int, default=6)
    p.add_argument("--from", dest="src", help="an ImageFolder to copy at photo size instead")
    p.add_argument("--size", type=int, default=1000)
    a = p.parse_args()
    if a.src:
        upscaled_copy(a.src, a.out, a.size, a.seed)
        return
    rng = np.random.default_rng(a.seed)
    n = 0
    size = 0
    for split, per_class in (("train", a.train), ("val", a.val)):
        for c in range(a.classes):
            d = os.path.join(a.out, split, "class_%d" % c)
            os.makedirs(d, exist_ok=True)
            for i in range(per_class):
                w, h = (3000, 2000) if rng.random() < .7 else (2000, 3000)
                f = os.path.join(d, "%04d.jpg" % i)
                photo(rng, c, w, h).save(f, quality=90, subsampling=2)
                n += 1
                size += os.path.getsize(f)
    print(json.dumps({"images": n, "out": a.out, "megapixels": 6.0, "mean_file_mb": size / n / 1e6}))


if __name__ == "__main__":
    main()
