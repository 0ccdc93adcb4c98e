#!/usr/bin/python3
"""bench/TrainBench.java's figures: records in, bench/TRAIN_RESULTS.md out. bench/train_bench.sh runs
both steps; they are:

  record  reads TrainBench's stdout (one JSON line per figure: machine, load, run, sweep, end), adds
          the date, the exact command, the CPU model, cores and the load average before and after to
          each figure, and appends one JSON object per figure to bench/records/train.jsonl (committed).
          Appends nothing unless TrainBench got to its last line ("end").
  table   bench/records/train.jsonl -> bench/TRAIN_RESULTS.md. Every figure comes from the records:
          per figure (what, batch size, machine) the range over all its records.

  bench/train_bench.sh 16 256                       # measure, record, then write the table
  /usr/bin/python3 bench/train_report.py table      # the table again from the committed records
"""
import argparse
import datetime
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RECORDS = os.path.join(ROOT, "bench", "records", "train.jsonl")
TABLE = os.path.join(ROOT, "bench", "TRAIN_RESULTS.md")
FIGURES = ("load", "run", "sweep")
# targets in seconds of wall time: (figure, batch or None for any batch) -> limit; sweeps at other
# batch sizes are shown against the same limit in parentheses (information, not a target)
TARGETS = {("load", None): 1.0, ("run", None): 1.0, ("sweep", 256): 5.0}


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "?"


def rel(path):
    return os.path.relpath(os.path.abspath(path), ROOT)


# ---------------------------------------------------------------- record
def record(a):
    lines = []
    for line in sys.stdin:
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            lines.append(json.loads(line))
        except ValueError:
            sys.exit(f"error: TrainBench printed a line that is not JSON: {line[:200]}")
    machine = next((x for x in lines if x.get("figure") == "machine"), None)
    end = next((x for x in lines if x.get("figure") == "end"), None)
    figures = [x for x in lines if x.get("figure") in FIGURES]
    if machine is None or end is None or not figures:
        sys.exit(f"error: TrainBench did not finish ({len(figures)} figures, "
                 f"{'no' if end is None else 'an'} end line): nothing appended to {rel(a.records)}")
    date = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    load3 = lambda v: None if v is None else " ".join(str(v).split()[:3])  # the 1/5/15-minute averages
    base = {"date": date, "run": f"{date}#{os.getpid()}", "command": a.command, "cpu": cpu_model(), "cores": machine.get("cores"),
            "load_before": load3(machine.get("load_before")), "load_after": load3(end.get("load_after")),
            "data": {k: machine[k] for k in ("train_rows", "val_rows", "dim", "classes") if k in machine}}
    os.makedirs(os.path.dirname(os.path.abspath(a.records)), exist_ok=True)
    with open(a.records, "a") as f:
        for x in figures:
            rec = dict(x)
            rec.setdefault("batch", None)
            rec.update(base)
            f.write(json.dumps(rec) + "\n")
            print(json.dumps(rec))
    print(f"appended {len(figures)} records to {rel(a.records)}", file=sys.stderr)


# ---------------------------------------------------------------- table
def read_records(path):
    recs = []
    if os.path.exists(path):
        with open(path) as f:
            for n, line in enumerate(f, 1):
                if line.strip():
                    try:
                        recs.append(json.loads(line))
                    except ValueError as e:
                        sys.exit(f"error: {rel(path)} line {n} is not JSON: {e}")
    return [r for r in recs if r.get("figure") in FIGURES]


def span(vals, fmt):
    vals = [v for v in vals if v is not None]
    if not vals:
        return "–"
    lo, hi = min(vals), max(vals)
    return fmt % lo if fmt % lo == fmt % hi else (fmt % lo) + "–" + (fmt % hi)


def machine_of(r):
    return f"{r.get('cpu', '?')}, {r.get('cores', '?')} cores"


def label(fig, batch, r):
    if fig == "load":
        d = r.get("data", {})
        return (f"load {d.get('train_rows', '?'):,} + {d.get('val_rows', '?'):,} rows x {d.get('dim', '?')} "
                f"from Parquet" if d else "load the features from Parquet")
    if fig == "run":
        return f"one {r.get('epochs', '?')}-epoch linear run, batch {batch}"
    return f"{r.get('points', '?')}-point sweep, batch {batch}"


def target_cell(fig, batch, walls):
    limit = TARGETS.get((fig, batch), TARGETS.get((fig, None)))
    if limit is None:
        other = [v for (f, b), v in TARGETS.items() if f == fig]
        return f"(< {other[0]:g} s)" if other else ""
    met = sum(1 for w in walls if w < limit)
    if met == len(walls):
        return f"< {limit:g} s: met in every record"
    return f"< {limit:g} s: met in {met} of {len(walls)} records"


def table(a):
    recs = read_records(a.records)
    lines = ["# Train-stage benchmark results", ""]
    if not recs:
        print(f"train_report: no figures in {rel(a.records)} (missing or empty): wrote a placeholder "
              f"{rel(a.table)}; run bench/train_bench.sh 16 256 to make records", file=sys.stderr)
        lines += [f"Generated by `bench/train_report.py table` from `{rel(a.records)}`, which holds no records yet.",
                  "", "Make them with:", "", "```", "bench/train_bench.sh 16 256", "```", "", NOTES.strip(), ""]
        with open(a.table, "w") as f:
            f.write("\n".join(lines))
        return
    commands = list(dict.fromkeys(r.get("command", "?") for r in recs))
    dates = sorted(r.get("date", "?") for r in recs)
    runs = len({r.get("run", r.get("date")) for r in recs})
    lines += ["Generated by `bench/train_report.py table` from `%s` (%d records of %d run(s), %s to %s); "
              "every figure below is computed from those records. Records made by:" % (
                  rel(a.records), len(recs), runs, dates[0], dates[-1]),
              "", "```"] + commands + ["```", ""]
    lines += ["Source: `bench/TrainBench.java`. Data: Gaussian classes around random centres, written with the "
              "real `FeaturePartWriter` (zstd Parquet), read with `FeatureStoreReader`. Settings: "
              "`TrainConfig.DEFAULTS` (linear head, SGD, step schedule, standardized features) at the batch "
              "size shown; the sweep is lr x weight_decay x label_smoothing, loading once and writing one run "
              "folder per point. Each figure follows a warm-up. \"cpu\" is the calling thread's CPU time "
              "(libtorch runs every op in the calling thread with one intra-op thread): on a machine shared "
              "with other work, what the wall time would be with a free core. Each cell is the range over all "
              "records of that figure on that machine (the load figure: every try of every run); `load` is "
              "the 1/5/15-minute load average before the first and after the last figure of each run.", ""]
    keys = []
    for r in recs:
        k = (machine_of(r), r["figure"], r.get("batch"))
        if k not in keys:
            keys.append(k)
    order = {f: i for i, f in enumerate(FIGURES)}
    keys.sort(key=lambda k: (k[0], order[k[1]], k[2] if k[2] is not None else -1))
    lines += ["| machine | what | records | wall s | cpu s | best val acc | target (wall) | load before → after |",
              "|---|---|---:|---:|---:|---:|---|---|"]
    for m, fig, batch in keys:
        rs = [r for r in recs if (machine_of(r), r["figure"], r.get("batch")) == (m, fig, batch)]
        walls = [r.get("wall_s") for r in rs if r.get("wall_s") is not None]
        loads = sorted({"%s → %s" % ((r.get("load_before") or "?").split(" ")[0],
                                     (r.get("load_after") or "?").split(" ")[0]) for r in rs})
        lines.append("| %s | %s | %d | %s | %s | %s | %s | %s |" % (
            m, label(fig, batch, rs[0]), len(rs), span(walls, "%.2f"), span([r.get("cpu_s") for r in rs], "%.2f"),
            span([r.get("best_val_accuracy") for r in rs], "%.4f"), target_cell(fig, batch, walls),
            ", ".join(loads)))
    lines += ["", "Per run:", "", "| date | command | machine | load before | load after |", "|---|---|---|---|---|"]
    seen = set()
    for r in recs:
        run = r.get("run", r.get("date"))
        if run in seen:
            continue
        seen.add(run)
        lines.append(f"| {r.get('date', '?')} | `{r.get('command', '?')}` | {machine_of(r)} | "
                     f"{r.get('load_before', '?')} | {r.get('load_after', '?')} |")
    lines += ["", NOTES.strip(), ""]
    text = "\n".join(lines)
    with open(a.table, "w") as f:
        f.write(text)
    print(text)
    if len(recs) < 2 * len(FIGURES):
        print(f"train_report: only {len(recs)} records in {rel(a.records)}; the table shows what they hold",
              file=sys.stderr)


# no figures here: every number in TRAIN_RESULTS.md comes from the records
NOTES = """
## How linear heads train (`PackedLinearHeads`)

A linear head is a small weight matrix, so a step costs what its engine calls cost, not
arithmetic. Through DJL's autograd a step is a couple of dozen libtorch calls (gather, forward,
log-softmax, loss, backward, one optimizer call per parameter, argmax), and a lockstep sweep
repeats most of them per point. `PackedLinearHeads` puts every head of a group (one run, or all
sweep points that share batches and an optimizer) into ONE matrix (weights with the bias as a
last column; each head's block is DJL's Linear layout) and writes the softmax cross-entropy
gradient out: per step the batch rows are copied in Java into a reused direct buffer (with a
column of ones), one matrix product gives every head's logits, loss, accuracy and logit gradient
are computed in Java on the small result, one matrix product gives every head's weight gradient,
and the optimizer update is a few in-place ops whatever the number of heads. The update is DJL's
own SGD/Adam/AdamW rule (its native code) with per-head learning rate, schedule, momentum and
weight decay as per-row factors. After each epoch the packed rows are copied into each head's DJL
block, which is validated, kept at its best epoch and saved exactly as before, so predict and the
"reloaded best epoch gives the recorded accuracy" check are unchanged. A pack holds at most
`HeadTrainer.PACK_BYTES` of packed state (weights, optimizer state, gradient); a larger sweep group
trains pack after pack.

The autograd path (mlp heads, and what linear heads used before packing) is the reference:
`PackedLinearHeadsTest` checks packed against autograd (every optimizer, both schedules, momentum,
weight decay, label smoothing, a short last batch, full batch) to float rounding, packed-together
against alone, and bit-for-bit repeatability. No figures of the autograd path are kept here; none
of the committed records measure it.

## Threads

`./train` runs libtorch with one intra-op thread: these ops are too small to split, and with two
threads on a loaded session machine the autograd path was slower, not faster (an earlier measurement
not made by a committed script; no figures kept). Sweep points do not train in threads either: DJL's PyTorch
engine allows one GradientCollector per process. They train together in one thread instead
(packed, or lockstep for mlp heads); `train.parallel` (`--parallel`) caps how many train at once
(1 = one after another).

## Bundled example

`./train` on `examples/fashion5` (the fashion_squeezenet features) is measured by
`bench/compare.sh`: see table 4 ("Head training") and the head-accuracy table of section 3 in
`bench/results.md`, generated from `bench/records/compare.jsonl`.
"""


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("record", help="TrainBench's JSON lines on stdin -> appended to the records")
    r.add_argument("--command", required=True, help="the exact command that ran TrainBench")
    r.add_argument("--records", default=RECORDS)
    t = sub.add_parser("table", help="the records -> TRAIN_RESULTS.md")
    t.add_argument("--records", default=RECORDS)
    t.add_argument("--table", default=TABLE)
    a = p.parse_args(argv)
    {"record": record, "table": table}[a.cmd](a)


if __name__ == "__main__":
    main()
