#!/usr/bin/python3
"""The PyTorch reference that headstart is measured against (Debian's PyTorch 1.13).

It does what the users' recipes do today, with the same TorchScript backbone file and the same
number of threads as headstart:

  images   make a deterministic ImageFolder of photo-like JPEGs of varied sizes
  extract  ImageFolder + DataLoader (workers = cores) + the TorchScript module under no_grad,
           features written with numpy (the "precomputed features" recipe)
  forward  the same module on random batches: the forward pass alone, no decoding
  loop     the tutorial's feature_extract=True training: backbone frozen, a new Linear head,
           every image through the backbone every epoch (train transforms on train), SGD
           lr 1e-3 momentum 0.9, StepLR(7, 0.1), best val accuracy kept
  decode   the data path on one thread: Pillow's decode (optionally in draft mode) and the
           torchvision eval transform, per image (decoding per core, against headstart's)
  sklearn  scikit-learn LogisticRegression on the cached features
  flops    FLOPs per image of a torchvision architecture (conv and linear layers, by hooks)

Every subcommand prints one JSON line of figures on stdout; bench/compare.sh collects them.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn


def threads(n):
    torch.set_num_threads(n)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass


def card_of(model_path):
    base = os.path.splitext(model_path)[0]
    if not os.path.exists(base + ".json") and base.endswith("-bf16"):
        base = base[:-len("-bf16")]  # the bf16 export shares its fp32 file's card
    with open(base + ".json") as f:
        return json.load(f)


def transforms_for(card, train):
    from torchvision import transforms as T
    norm = T.Normalize(card["mean"], card["std"])
    if train:
        return T.Compose([T.RandomResizedCrop(card["input_size"]), T.RandomHorizontalFlip(),
                          T.ToTensor(), norm])
    return T.Compose([T.Resize(card["resize"]), T.CenterCrop(card["input_size"]), T.ToTensor(), norm])


def cmd_images(a):
    """Photo-like JPEGs: smooth class-coloured gradients, a shape, noise; sizes 160..640 px."""
    from PIL import Image, ImageDraw
    rng = np.random.default_rng(a.seed)
    palette = [(200, 60, 40), (40, 160, 70), (50, 80, 200), (210, 190, 40), (150, 60, 170),
               (40, 170, 180), (120, 120, 120), (230, 120, 30), (90, 50, 20), (250, 250, 250)]
    for split, per_class in (("train", a.train), ("val", a.val)):
        for c in range(a.classes):
            d = os.path.join(a.out, split, "class_%02d" % c)
            os.makedirs(d, exist_ok=True)
            for i in range(per_class):
                w, h = int(rng.integers(160, 641)), int(rng.integers(160, 641))
                base = np.array(palette[c % len(palette)], dtype=np.float32)
                yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
                grad = (xx / w * 60 - 30)[..., None] + (yy / h * 40 - 20)[..., None]
                img = np.clip(base + grad + rng.normal(0, 18, (h, w, 3)), 0, 255).astype(np.uint8)
                im = Image.fromarray(img)
                dr = ImageDraw.Draw(im)
                cx, cy, r = w * rng.uniform(.3, .7), h * rng.uniform(.3, .7), min(w, h) * rng.uniform(.1, .3)
                shape_colour = tuple(int(v) for v in palette[(c + 3) % len(palette)])
                if c % 2 == 0:
                    dr.ellipse([cx - r, cy - r, cx + r, cy + r], fill=shape_colour)
                else:
                    dr.rectangle([cx - r, cy - r, cx + r, cy + r], fill=shape_colour)
                im.save(os.path.join(d, "%04d.jpg" % i), quality=90)
    print(json.dumps({"images": a.classes * (a.train + a.val), "out": a.out}))


def draft_loader(size):
    """torchvision's PIL loader with Pillow's draft mode: a JPEG at least twice `size` is decoded at
    1/2, 1/4 or 1/8 scale by libjpeg (the shorter side never below `size`), then converted."""
    from PIL import Image

    def load(path):
        with open(path, "rb") as f:
            img = Image.open(f)
            img.draft("RGB", (size, size))
            return img.convert("RGB")
    return load


def loader(root, split, card, train, batch, workers, shuffle=False, draft=False):
    from torchvision import datasets
    kw = {"loader": draft_loader(card["resize"])} if draft else {}
    ds = datasets.ImageFolder(os.path.join(root, split), transform=transforms_for(card, train), **kw)
    return ds, torch.utils.data.DataLoader(ds, batch_size=batch, shuffle=shuffle, num_workers=workers,
                                           persistent_workers=workers > 0)


def cmd_extract(a):
    threads(a.threads)
    card = card_of(a.model)
    t0 = time.perf_counter()  # from loading the module, as headstart's timing (which loads the backbone)
    module = torch.jit.load(a.model).eval()
    n = 0
    out = {}
    with torch.no_grad():
        for split in ("train", "val"):
            ds, dl = loader(a.images, split, card, False, a.batch, a.workers, draft=a.draft)
            feats, labels = [], []
            for x, y in dl:
                f = module(x)
                if f.dim() == 4:
                    f = f.mean(dim=(2, 3))
                feats.append(f.numpy())
                labels.append(y.numpy())
                n += len(y)
            out[split] = (np.concatenate(feats), np.concatenate(labels))
    os.makedirs(a.out, exist_ok=True)
    for split, (f, y) in out.items():
        np.save(os.path.join(a.out, split + "_features.npy"), f)
        np.save(os.path.join(a.out, split + "_labels.npy"), y)
    s = time.perf_counter() - t0
    print(json.dumps({"what": "reference extract", "model": a.model, "images": n, "seconds": s, "images_per_s": n / s,
                      "threads": a.threads, "workers": a.workers, "batch": a.batch, "draft": a.draft}))


def cmd_decode(a):
    """Per image on one thread: read, Pillow decode (+ convert RGB), the eval transform; best round."""
    import io
    from PIL import Image
    threads(1)
    card = card_of(a.model)
    tf = transforms_for(card, False)
    files = sorted(os.path.join(d, f) for d, _, fs in os.walk(a.images) for f in fs if f.endswith(".jpg"))
    for r in range(a.rounds):
        read = dec = prep = 0.0
        pixels = 0
        for path in files:
            t0 = time.perf_counter()
            with open(path, "rb") as f:
                data = f.read()
            t1 = time.perf_counter()
            img = Image.open(io.BytesIO(data))
            if a.draft:
                img.draft("RGB", (card["resize"], card["resize"]))
            img = img.convert("RGB")
            t2 = time.perf_counter()
            tf(img)
            t3 = time.perf_counter()
            read += t1 - t0
            dec += t2 - t1
            prep += t3 - t2
            pixels += img.size[0] * img.size[1]
        n = len(files)
        print(json.dumps({"what": "reference data path, one thread", "draft": a.draft, "round": r, "images": n,
                          "mean_megapixels": pixels / 1e6 / n, "ms_read": read * 1e3 / n, "ms_decode": dec * 1e3 / n,
                          "ms_resize_crop_normalize": prep * 1e3 / n, "images_per_s": n / (read + dec + prep)}))


def cmd_forward(a):
    """The forward pass alone on a random batch: best of --rounds rounds of --iters batches each,
    after 3 warm-up passes (TorchScript's profiling executor optimizes after the first runs)."""
    threads(a.threads)
    card = card_of(a.model)
    module = torch.jit.load(a.model).eval()
    x = torch.randn(a.batch, 3, card["input_size"], card["input_size"])
    best = 0.0
    with torch.no_grad():
        for _ in range(3):
            module(x)
        for _ in range(a.rounds):
            t0 = time.perf_counter()
            for _ in range(a.iters):
                module(x)
            best = max(best, a.batch * a.iters / (time.perf_counter() - t0))
    print(json.dumps({"what": "reference forward", "model": a.model, "batch": a.batch, "images_per_s": best,
                      "rounds": a.rounds, "iters": a.iters, "threads": a.threads}))


def cmd_loop(a):
    """The tutorial's train_model with feature_extract=True (backbone frozen, head trained)."""
    threads(a.threads)
    torch.manual_seed(a.seed)
    card = card_of(a.model)
    trainable = os.path.join(os.path.dirname(a.model), card["trainable_file"])
    backbone = torch.jit.load(trainable)
    for p in backbone.parameters():
        p.requires_grad = False
    classes = sorted(os.listdir(os.path.join(a.images, "train")))
    head = nn.Linear(card["feature_dim"], len(classes))
    _, train_dl = loader(a.images, "train", card, True, a.batch, a.workers, shuffle=True)
    _, val_dl = loader(a.images, "val", card, False, a.batch, a.workers)
    opt = torch.optim.SGD(head.parameters(), lr=a.lr, momentum=0.9)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=7, gamma=0.1)
    loss_fn = nn.CrossEntropyLoss()

    def features(x):
        f = backbone(x)
        if isinstance(f, tuple):
            f = f[0]
        return f.mean(dim=(2, 3)) if f.dim() == 4 else f

    best, t0 = 0.0, time.perf_counter()
    for epoch in range(a.epochs):
        for phase, dl in (("train", train_dl), ("val", val_dl)):
            training = phase == "train"
            backbone.train(training)  # as the tutorial: model.train() also puts batch-norm in train mode
            head.train(training)
            correct, total = 0, 0
            for x, y in dl:
                with torch.set_grad_enabled(training):
                    logits = head(features(x))
                    loss = loss_fn(logits, y)
                    if training:
                        opt.zero_grad()
                        loss.backward()
                        opt.step()
                correct += (logits.argmax(1) == y).sum().item()
                total += len(y)
            if training:
                sched.step()
            else:
                best = max(best, correct / total)
    s = time.perf_counter() - t0
    print(json.dumps({"what": "reference feature_extract loop", "epochs": a.epochs, "seconds": s,
                      "best_val_accuracy": best, "threads": a.threads, "batch": a.batch}))


def cmd_sklearn(a):
    from sklearn.linear_model import LogisticRegression
    f = lambda s, k: np.load(os.path.join(a.features, "%s_%s.npy" % (s, k)))
    t0 = time.perf_counter()
    clf = LogisticRegression(max_iter=2000)
    clf.fit(f("train", "features"), f("train", "labels"))
    acc = clf.score(f("val", "features"), f("val", "labels"))
    print(json.dumps({"what": "sklearn LogisticRegression", "seconds": time.perf_counter() - t0,
                      "val_accuracy": acc}))


def cmd_flops(a):
    """Multiply-adds x 2 of conv and linear layers for one image, counted with forward hooks."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
    import export_backbone as eb
    module = eb.build(a.arch)[0]
    total = [0]

    def hook(m, inp, out):
        if isinstance(m, nn.Conv2d):
            k = m.kernel_size[0] * m.kernel_size[1] * (m.in_channels // m.groups)
            total[0] += 2 * k * out.numel()
        elif isinstance(m, nn.Linear):
            total[0] += 2 * m.in_features * m.out_features * (out.numel() // m.out_features)

    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            m.register_forward_hook(hook)
    module.eval()
    with torch.no_grad():
        module(torch.zeros(1, 3, a.input_size, a.input_size))
    print(json.dumps({"what": "flops", "arch": a.arch, "input_size": a.input_size,
                      "flops_per_image": total[0]}))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("images"); s.add_argument("--out", required=True)
    s.add_argument("--classes", type=int, default=4); s.add_argument("--train", type=int, default=60)
    s.add_argument("--val", type=int, default=25); s.add_argument("--seed", type=int, default=0)
    for name in ("extract", "forward", "loop"):
        s = sub.add_parser(name)
        s.add_argument("--model", required=True, help="the TorchScript backbone (.pt with .json beside it)")
        s.add_argument("--threads", type=int, default=os.cpu_count())
        s.add_argument("--batch", type=int, default=32)
        if name != "forward":
            s.add_argument("--images", required=True); s.add_argument("--workers", type=int, default=os.cpu_count())
        if name == "extract":
            s.add_argument("--out", required=True)
            s.add_argument("--draft", action="store_true", help="Pillow's draft mode (reduced-size JPEG decoding)")
        if name == "forward":
            s.add_argument("--iters", type=int, default=10); s.add_argument("--rounds", type=int, default=3)
        if name == "loop":
            s.add_argument("--epochs", type=int, default=25); s.add_argument("--lr", type=float, default=1e-3)
            s.add_argument("--seed", type=int, default=0)
    s = sub.add_parser("decode"); s.add_argument("--model", required=True); s.add_argument("--images", required=True)
    s.add_argument("--rounds", type=int, default=2); s.add_argument("--draft", action="store_true")
    s = sub.add_parser("sklearn"); s.add_argument("--features", required=True)
    s = sub.add_parser("flops"); s.add_argument("--arch", required=True)
    s.add_argument("--input-size", type=int, default=224)
    a = p.parse_args()
    globals()["cmd_" + a.cmd](a)


if __name__ == "__main__":
    main()
