#!/usr/bin/python3
"""Forward rate of ResNet-18 / ResNet-50 under each oneDNN ISA cap (ONEDNN_MAX_CPU_ISA), with
the error of each configuration against a float64 eager reference. bench/engine_rates.sh runs
the steps; they are:

  prepare  exports resnet18 (fp32 + -bf16) and resnet50 with random weights (seed 0) at 224 px,
           frozen, channels-last (tools/export_backbone.py's export()), into bench/out/engine/,
           writes 6 fixed 224x224 PNGs and their float64 eager reference features.
  measure  ONE configuration (model, precision, isa), each step in its own process so a crash
           only ends that configuration:
             1. the forward rate: dev.headstart.bench.ExtractBench --mode forward (random
                batches, 2 warm-up passes, then --iters timed passes of --batch images);
             2. the error: bin/headstart extract on the 6 PNGs under the same cap, read back
                with tools/ReadFeatures.java (DuckDB): max |headstart - reference| / max |reference|.
           Appends one JSON record to bench/engine_rates.jsonl.
  table    bench/engine_rates.jsonl -> bench/ENGINE_RATES.md (every figure from the records).

isa ALL sets ONEDNN_MAX_CPU_ISA=ALL explicitly (no cap, whatever headstart would choose by
itself); the others set it to AVX512_CORE, AVX2, AVX or SSE41.
"""
import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))

OUT = os.path.join(ROOT, "bench", "out", "engine")
RECORDS = os.path.join(ROOT, "bench", "engine_rates.jsonl")  # raw records, committed beside the table
TABLE = os.path.join(ROOT, "bench", "ENGINE_RATES.md")
ISAS = ["ALL", "AVX512_CORE", "AVX2", "AVX", "SSE41"]
SIZE = 224


def cpu_model() -> str:
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "?"


# ---------------------------------------------------------------- prepare
def prepare(a):
    import torch
    import arch_matrix as am
    import export_backbone as eb
    eb.ensure_hash_seed()
    torch.set_num_threads(min(2, torch.get_num_threads()))
    images = am.make_images(os.path.join(OUT, "images"), SIZE) if not os.path.isdir(
        os.path.join(OUT, "images")) else None
    for model in ("resnet18", "resnet50", "densenet121"):
        d = os.path.join(OUT, model)
        ref_file = os.path.join(d, "reference.json")
        if os.path.isfile(ref_file) and os.path.isfile(os.path.join(d, f"{model}.pt")):
            continue
        if images is None:
            images = am.make_images(os.path.join(OUT, "images"), SIZE)
        mod, _, _, _ = eb.build(model, None, "fc", "pooled", seed=0)
        card = eb.export(model, d, name=model, input_size=SIZE, resize=SIZE, module=mod,
                         bf16=(model == "resnet18"), quiet=True)
        ref = am.reference_features(mod, images, card["mean"], card["std"])
        with open(ref_file, "w") as f:
            json.dump({k: v.tolist() for k, v in ref.items()}, f)
        print(f"prepare: {d}/{model}.pt" + (f", {model}-bf16.pt" if card.get("bf16_file") else "")
              + f", reference.json ({len(ref)} images)", file=sys.stderr)


# ---------------------------------------------------------------- measure
def trainable_card(model: str) -> str:
    """A card beside the export whose inference file is the unfrozen -trainable.pt."""
    d = os.path.join(OUT, model)
    with open(os.path.join(d, f"{model}.json")) as f:
        card = json.load(f)
    card["name"] = f"{model}-unfrozen"
    card["inference_file"] = f"{model}-trainable.pt"
    path = os.path.join(d, f"{model}-unfrozen.json")
    with open(path, "w") as f:
        json.dump(card, f)
    return path


def measure(a):
    import numpy as np
    import arch_matrix as am
    model_pt = os.path.join(OUT, a.model, f"{a.model}.pt")
    precision = a.precision
    if a.precision == "trainable":
        # the unfrozen export as the backbone: the known-answer check's last fallback
        model_pt = trainable_card(a.model)
        precision = "fp32"
    logs = os.path.join(OUT, "logs")
    os.makedirs(logs, exist_ok=True)
    tag = f"{a.model}-{a.precision}-{a.isa}"
    env = dict(os.environ, ONEDNN_MAX_CPU_ISA=a.isa)
    err_file = f"-XX:ErrorFile={logs}/hs_err-{tag}-pid%p.log"
    rec = {"model": a.model, "precision": a.precision, "isa": a.isa, "batch": a.batch,
           "iters": a.iters, "memory_format": "channels_last", "input_size": SIZE}

    # 1. forward rate
    cmd = ["java", "-Xmx4g", err_file, "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
           "-Dorg.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils=error",
           "-Dai.djl.pytorch.num_interop_threads=1"]
    if a.intra:
        cmd.append(f"-Dai.djl.pytorch.num_threads={a.intra}")
    cmd += ["-cp", "target/headstart.jar:target/test-classes", "dev.headstart.bench.ExtractBench",
            "--images", os.path.join(OUT, "images"), "--model", model_pt,
            "--out", os.path.join(OUT, "bench-features"), "--batch", str(a.batch),
            "--iters", str(a.iters), "--precision", precision, "--mode", "forward"]
    rc, out, secs = am.run_logged(cmd, os.path.join(logs, f"rate-{tag}.log"), a.timeout, env=env, cwd=ROOT)
    crash = am.crash_description(rc, out) if rc is not None else "timeout"
    line = next((l for l in out.splitlines() if l.startswith('{"what": "headstart forward"')), None)
    if crash:
        rec["images_per_s"] = "crashed"
        rec["rate_error"] = crash
    elif rc != 0 or line is None:
        rec["images_per_s"] = None
        rec["rate_error"] = f"exit {rc}: {am.last_line(out)}"
    else:
        r = json.loads(line)
        rec["images_per_s"] = r["images_per_s"]
        rec["seconds"] = r["seconds"]
        rec["intra_op_threads"] = r["intra_op_threads"]

    # 2. error on the fixed batch, through the real extract
    if not a.no_diff:
        cfg = am.write_config(OUT)
        feats = os.path.join(OUT, "features", tag)
        env2 = dict(env, HEADSTART_JAVA_OPTS=f"-Xmx4g {err_file}")
        rc, out, _ = am.run_logged(am.extract_cmd(cfg, os.path.join(OUT, "images"), model_pt, feats, precision),
                                   os.path.join(logs, f"extract-{tag}.log"), a.timeout, env=env2, cwd=OUT)
        crash = am.crash_description(rc, out) if rc is not None else "timeout"
        if crash:
            rec["max_rel_diff"] = "crashed"
            rec["diff_error"] = crash
        elif rc != 0:
            rec["max_rel_diff"] = None
            rec["diff_error"] = f"exit {rc}: {am.last_line(out)}"
        else:
            with open(os.path.join(OUT, a.model, "reference.json")) as f:
                ref = {k: np.asarray(v, dtype=np.float64) for k, v in json.load(f).items()}
            # what headstart itself ran: the cap (after any known-answer fallback) and the probe's cost
            try:
                with open(os.path.join(feats, "manifest.json")) as f:
                    bb = json.load(f)["backbone"]
                rec["extract_isa"] = bb["platform"]["onednn_max_cpu_isa"]
                rec["extract_isa_chosen_by"] = bb["platform"]["chosen_by"]
                rec["extract_file"] = bb.get("file_role")
                if bb.get("probe"):
                    rec["probe_seconds"] = bb["probe"]["seconds"]
                    rec["probe_max_rel_diff"] = bb["probe"]["max_relative_diff"]
            except (OSError, KeyError, TypeError, ValueError) as e:
                rec["manifest_error"] = str(e)
            try:
                got = am.read_features(feats, os.path.join(logs, f"read-{tag}.log"))
                diff, problem = am.compare(got, ref)
                rec["max_rel_diff"] = diff if problem is None else None
                if problem:
                    rec["diff_error"] = problem
            except (RuntimeError, ValueError) as e:
                rec["max_rel_diff"] = None
                rec["diff_error"] = str(e)
    rec["cpu"] = cpu_model()
    rec["date"] = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    rec["command"] = os.environ.get("ENGINE_RATES_COMMAND", "bench/engine_rates.py measure " + " ".join(sys.argv[2:]))
    os.makedirs(os.path.dirname(a.records), exist_ok=True)
    with open(a.records, "a") as f:
        f.write(json.dumps(rec) + "\n")
    print(json.dumps(rec))


# ---------------------------------------------------------------- table
def fmt_rate(v):
    if v == "crashed":
        return "crashed"
    return "–" if v is None else f"{v:.1f}"


def fmt_diff(v):
    if v == "crashed":
        return "crashed"
    return "–" if v is None else f"{v:.2g}"


def ran_under(r):
    """The cap bin/headstart extract ended up using (the known-answer check may have re-run it)."""
    if not r.get("extract_isa"):
        return ""
    return f"{r['extract_isa']} ({r.get('extract_isa_chosen_by', '?')}, {r.get('extract_file', '?')} file)"


def probe_cell(r):
    if r.get("probe_seconds") is None:
        return ""
    return f"{r['probe_seconds']:.3f} s, diff {r['probe_max_rel_diff']:.2g}"


def table(a):
    recs = []
    with open(a.records) as f:
        for line in f:
            if line.strip():
                recs.append(json.loads(line))
    if not recs:
        sys.exit(f"error: no records in {a.records}")
    commands = list(dict.fromkeys(r.get("command", "?") for r in recs))
    cpus = sorted({r.get("cpu", "?") for r in recs})
    dates = sorted(r.get("date", "?") for r in recs)
    lines = ["# Forward rate under each oneDNN ISA cap", "",
             "Made by:", "", "```"] + commands + ["```", "",
             f"Generated by `bench/engine_rates.py table` from `{os.path.relpath(a.records, ROOT)}` "
             f"({len(recs)} records, {dates[0]} to {dates[-1]}); CPU: {', '.join(cpus)}.", "",
             "Random-init weights, 224 px, frozen channels-last exports (tools/export_backbone.py); "
             "bf16 = the `-bf16.pt` export (bfloat16 inside, float32 in and out). "
             "images/s: `ExtractBench --mode forward` (random batches, 2 warm-up passes, then "
             "`iters` timed passes). max rel diff: `bin/headstart extract` on 6 fixed 224 px PNGs "
             "vs the float64 eager PyTorch reference, max |diff| / max |reference| "
             "(fp32 should be ≤ 1e-4; bf16, with its 8-bit mantissa, is larger by nature: ~1e-3 to 1e-2). `crashed`: the process died of a "
             "signal (details below). ALL = `ONEDNN_MAX_CPU_ISA=ALL` (no cap). precision `trainable`: the "
             "unfrozen `-trainable.pt` file as the backbone (the known-answer check's last fallback). "
             "`extract ran under`: the cap the extract's known-answer check settled on when started "
             "under that cap (a failing check re-runs the command under the next safer one); "
             "`known-answer check`: its cost per backbone load (seconds) and its difference.", ""]
    isas = [i for i in ISAS if any(r["isa"] == i for r in recs)] + sorted(
        {r["isa"] for r in recs} - set(ISAS))
    groups = list(dict.fromkeys((r["model"], r["precision"]) for r in recs))
    lines.append("| model | precision | " + " | ".join(f"{i} images/s | {i} max rel diff" for i in isas) + " |")
    lines.append("|---|---|" + "---:|---:|" * len(isas))
    for m, p in groups:
        cells = []
        for i in isas:
            rs = [r for r in recs if (r["model"], r["precision"], r["isa"]) == (m, p, i)]
            if not rs:
                cells += ["", ""]
                continue
            # several runs of one configuration: every figure, in record order
            cells.append(" / ".join(fmt_rate(r.get("images_per_s")) for r in rs))
            cells.append(" / ".join(fmt_diff(r.get("max_rel_diff")) for r in rs))
        lines.append(f"| {m} | {p} | " + " | ".join(cells) + " |")
    lines += ["", "Per record (batch, timed passes, intra-op threads, what went wrong):", "",
              "| model | precision | isa | batch | iters | threads | images/s | max rel diff | extract ran under | "
              "known-answer check | notes | date |",
              "|---|---|---|---:|---:|---|---:|---:|---|---|---|---|"]
    for r in recs:
        notes = "; ".join(x for x in (r.get("rate_error") and f"rate: {r['rate_error']}",
                                      r.get("diff_error") and f"diff: {r['diff_error']}") if x)
        lines.append(f"| {r['model']} | {r['precision']} | {r['isa']} | {r.get('batch', '')} | "
                     f"{r.get('iters', '')} | {r.get('intra_op_threads', '')} | {fmt_rate(r.get('images_per_s'))} | "
                     f"{fmt_diff(r.get('max_rel_diff'))} | {ran_under(r)} | {probe_cell(r)} | "
                     f"{notes.replace('|', '/')} | {r.get('date', '')} |")
    text = "\n".join(lines) + "\n"
    with open(a.table, "w") as f:
        f.write(text)
    print(text)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("prepare")
    m = sub.add_parser("measure")
    m.add_argument("--model", required=True, choices=["resnet18", "resnet50", "densenet121"])
    m.add_argument("--precision", default="fp32", choices=["fp32", "bf16", "trainable"])
    m.add_argument("--isa", required=True, help=", ".join(ISAS))
    m.add_argument("--batch", type=int, default=32)
    m.add_argument("--iters", type=int, default=6)
    m.add_argument("--intra", help="libtorch intra-op threads (default: libtorch's, all cores)")
    m.add_argument("--timeout", type=int, default=1800, help="seconds per process")
    m.add_argument("--no-diff", action="store_true", help="skip the error check")
    m.add_argument("--records", default=RECORDS)
    t = sub.add_parser("table")
    t.add_argument("--records", default=RECORDS)
    t.add_argument("--table", default=TABLE)
    a = p.parse_args(argv)
    if a.cmd == "measure" and a.precision == "bf16" and a.model != "resnet18":
        p.error("bf16 is exported for resnet18 only")
    {"prepare": prepare, "measure": measure, "table": table}[a.cmd](a)


if __name__ == "__main__":
    main()
