#!/usr/bin/python3
"""The architecture matrix: does headstart's extract give the right features for every
architecture tools/export_backbone.py exports, on this machine's libtorch / oneDNN?

For each model (export_backbone.MODELS): build it with random weights, export it at a small
input size (64 px; inception_v3 75, its minimum; alexnet/vgg with --cut conv so the files
stay small), write a few generated PNGs whose size equals the input size (resize = input size,
so preprocessing is exact: ToTensor + Normalize only), compute the expected features with
eager PyTorch in float64 (a deepcopy of the same module, .double().eval()), run the real CLI

    bin/headstart extract --config <work>/pipeline.yaml --set data.root=<images> \
        --set backbone.uri=<model.pt> --out <features> --overwrite

in a subprocess, read the Parquet it wrote back with DuckDB (tools/ReadFeatures.java, Java's
source launcher) and compare: max |headstart - reference| / max |reference| <= 1e-4.

One line per architecture as it goes:
    <arch>: ok max rel diff 3.1e-07 (4.2 s)
    <arch>: WRONG max rel diff 0.73 (...)
    <arch>: CRASHED (signal SIGFPE) (...)
    <arch>: FAILED (exit 1: <last line of its stderr>)
then a summary line; exit status 1 when any architecture is not ok.

    /usr/bin/python3 tools/arch_matrix.py                          # all of them, ~3-4 min on 2 cores
    /usr/bin/python3 tools/arch_matrix.py --models tiny_cnn,resnet18
    ONEDNN_MAX_CPU_ISA=AVX /usr/bin/python3 tools/arch_matrix.py   # passed to headstart as is

Options: --models (comma-separated subset), --work (default target/arch-matrix; emptied at the
start), --keep (keep the exports, images and features; by default only the logs of failed
architectures are kept), --timeout (seconds per extract, default 600), --limit (1e-4).
"""
import argparse
import copy
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))

import torch  # noqa: E402

import export_backbone as eb  # noqa: E402

DUCKDB_JAR = os.path.expanduser("~/.m2/repository/org/duckdb/duckdb_jdbc/1.1.3/duckdb_jdbc-1.1.3.jar")
LIMIT = 1e-4
# (class folder, file) of the generated images: 2 classes x 2 train + 1 val each
IMAGES = [("train", "a", 0), ("train", "a", 1), ("train", "b", 2), ("train", "b", 3),
          ("val", "a", 4), ("val", "b", 5)]


def input_size_for(model: str) -> int:
    return 75 if model == "inception_v3" else 64


def cut_for(model: str) -> str:
    return "conv" if model == "alexnet" or model.startswith("vgg") else "fc"


# ---------------------------------------------------------------- images and reference
def make_images(root: str, size: int) -> dict:
    """Smooth gradients + noise + a bright square, RGB, deterministic; returns {relpath: uint8 HWC}."""
    from PIL import Image
    out = {}
    for split, cls, i in IMAGES:
        rng = np.random.default_rng(1000 + i)
        yy, xx = np.mgrid[0:size, 0:size].astype(np.float64) / size
        img = np.stack([128 + 100 * np.sin(6.3 * (xx * (i + 1) * 0.7 + yy * 0.3)),
                        128 + 100 * np.cos(6.3 * (yy * (i % 3 + 1) - xx * 0.5)),
                        60 + 150 * xx * yy], axis=-1)
        img += rng.normal(0, 20, img.shape)
        a, b = sorted(rng.integers(0, size, 2))
        img[a:b + 1, a:b + 1, i % 3] = 250
        img = np.clip(np.rint(img), 0, 255).astype(np.uint8)
        rel = os.path.join(split, cls, f"img{i}.png")
        os.makedirs(os.path.join(root, split, cls), exist_ok=True)
        Image.fromarray(img, "RGB").save(os.path.join(root, rel))
        out[rel] = img
    return out


def reference_features(module: torch.nn.Module, images: dict, mean, std) -> dict:
    """float64 eager forward of a deepcopy of `module` on ToTensor + Normalize of each image."""
    ref = copy.deepcopy(module).double().eval()
    names = sorted(images)
    x = torch.stack([torch.from_numpy(images[n]).permute(2, 0, 1).double() / 255.0 for n in names])
    m = torch.tensor(mean, dtype=torch.float64).view(1, 3, 1, 1)
    s = torch.tensor(std, dtype=torch.float64).view(1, 3, 1, 1)
    with torch.no_grad():
        y = ref((x - m) / s)
    if isinstance(y, tuple):
        y = y[0]
    if y.dim() == 4:  # spatial output: headstart mean-pools it
        y = y.mean(dim=(2, 3))
    return {n: y[i].numpy() for i, n in enumerate(names)}


# ---------------------------------------------------------------- running headstart
def signal_name(n: int) -> str:
    try:
        return signal.Signals(n).name
    except ValueError:
        return f"signal {n}"


def crash_description(rc: int, output: str):
    """None when rc is an ordinary exit; else 'signal SIGFPE' etc. The JVM turns a fatal
    signal in native code into an hs_err report ('# SIGFPE (0x8) at pc=...') and abort()
    (SIGABRT, rc -6 or 134): the signal named in that report is the one that counts."""
    sig = None
    if rc < 0:
        sig = -rc
    elif rc > 128 and rc - 128 < 65:
        sig = rc - 128
    m = re.search(r"^#\s+(SIG[A-Z]+) \(0x[0-9a-f]+\)", output, re.M)
    if sig is None and m is None:
        return None
    return f"signal {m.group(1) if m else signal_name(sig)}"


def run_logged(cmd, log, timeout, env=None, cwd=None):
    t0 = time.time()
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           errors="replace", timeout=timeout, env=env, cwd=cwd)
        rc, out = p.returncode, p.stdout
    except subprocess.TimeoutExpired as e:
        rc, out = None, (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
    with open(log, "w") as f:
        f.write("$ " + " ".join(cmd) + "\n" + out)
    return rc, out, time.time() - t0


ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def last_line(text: str) -> str:
    """The line that explains a failure: the first error line, else the last line."""
    lines = [l.strip() for l in ANSI.sub("", text).splitlines() if l.strip()]
    errors = [l for l in lines if re.search(r"\berror\b|exception", l, re.I)]
    return (errors or lines or ["(no output)"])[0 if errors else -1][:240]


def write_config(work: str) -> str:
    """A copy of the repository's pipeline.yaml (data and backbone are overridden per run)."""
    cfg = os.path.join(work, "pipeline.yaml")
    shutil.copyfile(os.path.join(ROOT, "pipeline.yaml"), cfg)
    return cfg


def extract_cmd(cfg: str, images: str, model_pt: str, features: str, precision: str = "fp32"):
    return [os.path.join(ROOT, "bin", "headstart"), "extract", "--config", cfg,
            "--set", f"data.root={images}", "--set", f"backbone.uri={model_pt}",
            "--set", "backbone.device=cpu", "--out", features, "--overwrite",
            "--precision", precision]


def java_env(work: str) -> dict:
    """hs_err reports go into the work folder, not into the repository."""
    env = dict(os.environ)
    opts = env.get("HEADSTART_JAVA_OPTS", "-Xmx8g")
    if "ErrorFile" not in opts:
        opts += f" -XX:ErrorFile={work}/hs_err_pid%p.log"
    env["HEADSTART_JAVA_OPTS"] = opts
    return env


def read_features(features: str, log: str, timeout: int = 300) -> dict:
    rc, out, _ = run_logged(["java", "-cp", DUCKDB_JAR, os.path.join(ROOT, "tools", "ReadFeatures.java"),
                             features], log, timeout)
    if rc != 0:
        raise RuntimeError(f"ReadFeatures exit {rc}: {last_line(out)}")
    return json.loads(out[out.index("{"):])


def compare(got: dict, ref: dict):
    """max |got - ref| / max |ref| over all images; (value, problem or None)."""
    missing = [n for n in ref if n not in got]
    if missing:
        # paths may be stored absolute or relative to data.root: match on the relative tail
        by_tail = {}
        for k, v in got.items():
            for n in ref:
                if k.replace("\\", "/").endswith(n):
                    by_tail[n] = v
        got = by_tail
        missing = [n for n in ref if n not in got]
    if missing:
        return float("inf"), f"no features for {missing}"
    num, den = 0.0, 0.0
    for n, r in ref.items():
        g = np.asarray(got[n], dtype=np.float64)
        if g.shape != r.shape:
            return float("inf"), f"{n}: {g.shape[0]} features, expected {r.shape[0]}"
        d = np.abs(g - r)
        num = max(num, float(np.max(d)) if np.all(np.isfinite(g)) else float("inf"))
        den = max(den, float(np.max(np.abs(r))))
    return num / max(den, 1e-30), None


# ---------------------------------------------------------------- one architecture
def check(model: str, work: str, cfg: str, timeout: int, limit: float):
    """Returns (status word, line)."""
    t0 = time.time()
    d = os.path.join(work, model)
    os.makedirs(d, exist_ok=True)
    size, cut = input_size_for(model), cut_for(model)
    inf_mod, _, _, _ = eb.build(model, None, cut, "pooled", seed=0)
    if model == "inception_v3":
        # the auxiliary branch runs only in train mode (export() checks the trainable file in
        # train mode) and needs ~299 px; eval-mode features do not use it
        inf_mod.m.AuxLogits = None
    card = eb.export(model, os.path.join(d, "backbone"), name=model, input_size=size, resize=size,
                     cut=cut, module=inf_mod, quiet=True)
    images = make_images(os.path.join(d, "images"), size)
    ref = reference_features(inf_mod, images, card["mean"], card["std"])
    t_prep = time.time() - t0

    features = os.path.join(d, "features")
    log = os.path.join(d, "extract.log")
    rc, out, t_run = run_logged(extract_cmd(cfg, os.path.join(d, "images"),
                                            os.path.join(d, "backbone", f"{model}.pt"), features),
                                log, timeout, env=java_env(work), cwd=work)
    rebuilt = " incl. a jar rebuild: sources changed" if "headstart: building" in out else ""
    times = f"{time.time() - t0:.1f} s: export+reference {t_prep:.1f} s, extract {t_run:.1f} s{rebuilt}"
    note = f"{size} px" + (", --cut conv" if cut == "conv" else "") + (
        ", without AuxLogits" if model == "inception_v3" else "")
    if rc is None:
        return "TIMEOUT", f"{model}: TIMEOUT after {timeout} s ({note}; log {log})"
    crash = crash_description(rc, out)
    if crash:
        return "CRASHED", f"{model}: CRASHED ({crash}) ({note}, {times}; log {log})"
    if rc != 0:
        return "FAILED", f"{model}: FAILED (exit {rc}: {last_line(out)}) ({note}; log {log})"
    try:
        got = read_features(features, os.path.join(d, "read.log"))
    except (RuntimeError, ValueError) as e:
        return "FAILED", f"{model}: FAILED (reading the features: {e}) ({note})"
    rel, problem = compare(got, ref)
    times = f"{time.time() - t0:.1f} s: export+reference {t_prep:.1f} s, extract {t_run:.1f} s{rebuilt}"
    if problem:
        return "WRONG", f"{model}: WRONG ({problem}) ({note}, {times})"
    if not rel <= limit:
        return "WRONG", f"{model}: WRONG max rel diff {rel:.3g} > {limit:g} ({note}, {times})"
    return "ok", f"{model}: ok max rel diff {rel:.3g} ({note}, {times})"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", help="comma-separated subset of " + ",".join(eb.MODELS))
    p.add_argument("--work", default=os.path.join(ROOT, "target", "arch-matrix"))
    p.add_argument("--keep", action="store_true", help="keep exports, images and features")
    p.add_argument("--timeout", type=int, default=600, help="seconds per extract run")
    p.add_argument("--limit", type=float, default=LIMIT)
    a = p.parse_args(argv)
    eb.ensure_hash_seed()
    torch.set_num_threads(min(2, torch.get_num_threads()))
    models = a.models.split(",") if a.models else list(eb.MODELS)
    unknown = [m for m in models if m not in eb.MODELS]
    if unknown:
        p.error(f"unknown models {unknown}; choose from {', '.join(eb.MODELS)}")
    if not os.path.isfile(DUCKDB_JAR):
        sys.exit(f"error: {DUCKDB_JAR} is missing (mvn -B dependency:get "
                 "-Dartifact=org.duckdb:duckdb_jdbc:1.1.3 fetches it)")
    work = os.path.abspath(a.work)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    cfg = write_config(work)

    t0 = time.time()
    # build the jar first (bin/headstart builds it when missing or stale), so the first
    # architecture's time is its own
    rc, out, t_build = run_logged([os.path.join(ROOT, "bin", "headstart"), "extract", "--version"],
                                  os.path.join(work, "build.log"), 900)
    if rc != 0:
        print(f"error: bin/headstart does not start (exit {rc}): {last_line(out)}", file=sys.stderr)
        return 2
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print(f"arch matrix: {len(models)} architectures, random weights, 64 px (inception_v3 75), "
          f"alexnet/vgg with --cut conv; limit {a.limit:g}; "
          f"ONEDNN_MAX_CPU_ISA={os.environ.get('ONEDNN_MAX_CPU_ISA', '(unset)')}; CPU {cpu}; "
          f"jar ready ({t_build:.1f} s)", flush=True)
    results = []
    for m in models:
        try:
            status, line = check(m, work, cfg, a.timeout, a.limit)
        except Exception as e:  # an export or reference problem: report it, go on
            status, line = "FAILED", f"{m}: FAILED (before extract: {type(e).__name__}: {e})"
        print(line, flush=True)
        results.append((m, status))
        if not a.keep:
            d = os.path.join(work, m)
            if status == "ok":
                shutil.rmtree(d, ignore_errors=True)
            else:  # keep the logs of what failed
                for sub in ("backbone", "images", "features"):
                    shutil.rmtree(os.path.join(d, sub), ignore_errors=True)
    bad = [f"{m} {s}" for m, s in results if s != "ok"]
    n_ok = len(results) - len(bad)
    print(f"arch matrix: {n_ok}/{len(results)} ok" + (f"; not ok: {', '.join(bad)}" if bad else "")
          + f" ({time.time() - t0:.0f} s; work folder {work})", flush=True)
    hs_err = glob.glob(os.path.join(work, "hs_err_pid*.log"))
    if hs_err:
        print(f"arch matrix: JVM crash reports: {' '.join(sorted(hs_err))}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
