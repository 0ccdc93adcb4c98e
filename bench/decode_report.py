#!/usr/bin/python3
"""Writes bench/DECODE_RESULTS.md from bench/records/decode.jsonl (bench/decode.sh's raw records):
the latest finished run only, every figure with the load average around it.

  /usr/bin/python3 bench/decode_report.py --records bench/records/decode.jsonl --out bench/DECODE_RESULTS.md
"""
import argparse
import json


def runs(path):
    """Every finished run's records, oldest first."""
    rows = [json.loads(l) for l in open(path) if l.strip()]
    finished = [r["run"] for r in rows if r.get("what") == "finished"]
    if not finished:
        raise SystemExit(f"{path}: no finished run; run bench/decode.sh")
    return [[r for r in rows if r.get("run") == run] for run in finished]


def rate(r):
    return 1000.0 / (r["ms_decode"] + r["ms_resize_crop_normalize"])


def headline(rows):
    """Per set: reduced extract / reference, exact extract / reference, per-core exact / Pillow, reduced / draft."""
    out = {}
    for c in ("images", "photos6mp"):
        hr = best(rows, case=c, what="headstart extract", exact_decode=False)
        he = best(rows, case=c, what="headstart extract", exact_decode=True)
        rf = best(rows, case=c, what="reference extract", draft=False)
        pc = {}
        for key, m in (("te", dict(what="headstart data path, one thread", decoder="libjpeg-turbo", exact_decode=True)),
                       ("tr", dict(what="headstart data path, one thread", decoder="libjpeg-turbo", exact_decode=False)),
                       ("pe", dict(what="reference data path, one thread", draft=False)),
                       ("pd", dict(what="reference data path, one thread", draft=True))):
            cand = [r for r in rows if r.get("case") == c and all(r.get(k) == v for k, v in m.items())]
            pc[key] = max(cand, key=rate) if cand else None
        if hr and he and rf:
            out[c] = (hr["images_per_s"] / rf["images_per_s"], he["images_per_s"] / rf["images_per_s"],
                      rate(pc["te"]) / rate(pc["pe"]) if pc["te"] and pc["pe"] else float("nan"),
                      rate(pc["tr"]) / rate(pc["pd"]) if pc["tr"] and pc["pd"] else float("nan"))
    return out


def load(r):
    return f'{r["load_before"]:.2f}→{r["load_after"]:.2f}'


def best(rows, **match):
    c = [r for r in rows if all(r.get(k) == v for k, v in match.items())]
    return max(c, key=lambda r: r["images_per_s"]) if c else None


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--records", default="bench/records/decode.jsonl")
    p.add_argument("--out", default="bench/DECODE_RESULTS.md")
    a = p.parse_args()
    all_runs = runs(a.records)
    rows = all_runs[-1]
    machine = next(r for r in rows if r.get("what") == "machine")
    versions = next(r for r in rows if r.get("what") == "versions")
    done = next(r for r in rows if r.get("what") == "finished")
    o = []
    o.append("# Decoding: headstart (libjpeg-turbo, reduced-size and exact) against the PyTorch reference\n")
    o.append(f'Written by `bench/decode_report.py` from `{a.records}` (run {machine["run"]}, command '
             f'`{machine["command"]}`), nothing typed by hand. Machine: {machine["cpu"]}, {machine["cores"]} cores, '
             f'shared with other work: 1-minute load average {machine["load_at_start"].split()[0]} at the start, '
             f'{done["load"].split()[0]} at the end, and before→after beside every figure; a load above the core '
             f'count slows whichever side ran then, so extract figures are the best of interleaved rounds.\n')
    o.append(f'Versions: {versions["java"]}; libturbojpeg0 {versions["libturbojpeg"]}; PyTorch {versions["pytorch"]}, '
             f'torchvision {versions["torchvision"]}, Pillow {versions["pillow"]} (libjpeg-turbo: '
             f'{versions["pillow_libjpeg_turbo"]}).\n')

    # ---- accuracy effect
    effects = [r for r in rows if r.get("what") == "reduced decode effect"]
    if effects:
        o.append("## What reduced-size decoding changes\n")
        o.append("Exact = full-size decode, then Resize/CenterCrop (torchvision-exact); reduced = the JPEG decoded "
                 "at 1/2, 1/4 or 1/8 scale in the DCT domain (never below the resize target), then the same. "
                 "Tensor differences are in normalized units; features are the backbone's outputs. Head: `./train` "
                 "defaults (linear, 25 epochs) on features extracted each way.\n")
        o.append("| set | images | reduced | tensor max / mean abs diff | feature max / mean abs diff (mean abs feature) "
                 "| val accuracy exact | reduced | effect (points) | val predictions flipped | load |")
        o.append("|---|---|---|---|---|---|---|---|---|---|")
        for e in effects:
            c = e["case"]
            acc = {r["exact_decode"]: r for r in rows if r.get("case") == c and r.get("what") == "headstart train"}
            flips = next((r for r in rows if r.get("case") == c and r.get("what") == "prediction flips"), None)
            ex, red = acc.get(True), acc.get(False)
            eff = (red["best_val_accuracy"] - ex["best_val_accuracy"]) * 100 if ex and red else float("nan")
            o.append(f'| {c} | {e["images"]} | {e["images_reduced"]} | {e["tensor_max_abs_diff"]:.3f} / '
                     f'{e["tensor_mean_abs_diff"]:.4f} | {e["feature_max_abs_diff"]:.3f} / {e["feature_mean_abs_diff"]:.4f} '
                     f'({e["feature_mean_abs"]:.3f}) | {ex["best_val_accuracy"]*100:.1f}% | {red["best_val_accuracy"]*100:.1f}% '
                     f'| {eff:+.1f} | {flips["flipped"] if flips else "?"} of {flips["val_images"] if flips else "?"} '
                     f'| {load(e)} |')
        o.append("")
        # the default's rule: reduced decoding only if the head's accuracy moves by at most 0.2 points on
        # the sets where the head has learnt something (well above chance: a backbone of random weights
        # on the 6 MP set is not, and its accuracy there says nothing about the decoder)
        informative = []
        for e in effects:
            c = e["case"]
            acc = {r["exact_decode"]: r["best_val_accuracy"] for r in rows
                   if r.get("case") == c and r.get("what") == "headstart train"}
            classes = {"fashion": 5, "fashion1mp": 5}.get(c, 4)
            if True in acc and False in acc and acc[True] > 1 / classes + 0.2:
                informative.append((c, (acc[False] - acc[True]) * 100))
        if informative:
            worst = max(informative, key=lambda t: abs(t[1]))
            o.append(f'Largest accuracy effect on the sets where the head is well above chance ('
                     f'{", ".join(c for c, _ in informative)}): {worst[1]:+.2f} points ({worst[0]}); the rule for the '
                     f'default (reduced decoding only within 0.2 points) is '
                     f'{"met" if abs(worst[1]) <= 0.2 else "NOT met"}. One validation image is '
                     + ", ".join(f'{100 / next(r["val_images"] for r in rows if r.get("case") == c and r.get("what") == "prediction flips"):.2f}'
                                 f' points on {c}' for c, _ in informative) + '.\n')

    # ---- speed
    o.append("## Extract end to end (fp32, batch 32, images/s, best of the interleaved rounds)\n")
    o.append("headstart: `ExtractBench --mode extract` (extract's own thread balancing); reference: "
             f"`bench/reference.py extract` (DataLoader workers = threads = {machine['cores']}); forward alone: "
             "headstart's forward pass on random batches, all cores.\n")
    o.append("| set | headstart reduced | headstart exact | reference | reference, Pillow draft | headstart forward alone "
             "| reduced / reference | exact / reference | target |")
    o.append("|---|---|---|---|---|---|---|---|---|")
    targets = {"images": 1.2, "photos6mp": 3.0}
    summary = {}
    for c in ("images", "photos6mp"):
        hr = best(rows, case=c, what="headstart extract", exact_decode=False)
        he = best(rows, case=c, what="headstart extract", exact_decode=True)
        rf = best(rows, case=c, what="reference extract", draft=False)
        rd = best(rows, case=c, what="reference extract", draft=True)
        fw = best(rows, case=c, what="headstart forward")
        if not (hr and he and rf and rd and fw):
            continue
        ratio = hr["images_per_s"] / rf["images_per_s"]
        summary[c] = (ratio, hr, rf, fw)

        def cell(r):
            return f'{r["images_per_s"]:.1f} ({load(r)})'
        o.append(f'| {c} | {cell(hr)} | {cell(he)} | {cell(rf)} | {cell(rd)} | {cell(fw)} | **{ratio:.2f}×** | '
                 f'{he["images_per_s"] / rf["images_per_s"]:.2f}× | ≥ {targets[c]}× '
                 f'{"met" if ratio >= targets[c] else "not met"} |')
    o.append("")
    for c, (ratio, hr, rf, fw) in summary.items():
        pf = best(rows, case=c, what="reference forward")
        if pf:
            # what the forward passes alone allow: no extract outruns its own backbone
            need = targets[c] * rf["images_per_s"]
            o.append(f'- {c}: the forward pass alone, same file, batch 32, all cores: headstart (libtorch '
                     f'2.7.1, oneDNN cap {fw.get("onednn_max_cpu_isa", "?")}) '
                     f'{fw["images_per_s"]:.1f} images/s ({load(fw)}), the reference (PyTorch) '
                     f'{pf["images_per_s"]:.1f} ({load(pf)}); {targets[c]}× the reference\'s extract needs '
                     f'{need:.1f} images/s, {need / fw["images_per_s"] * 100:.0f}% of headstart\'s forward-only rate.')
        o.append(f'- {c}: headstart reduced extract runs at {hr["images_per_s"] / fw["images_per_s"] * 100:.0f}% of its '
                 f'own forward-only rate ({hr["images_per_s"]:.1f} of {fw["images_per_s"]:.1f} images/s); '
                 f'decode threads {hr["decode_threads"]:.0f}, libtorch threads {hr["intra_op_threads"]}, '
                 f'decoder thread-seconds {hr["decode_thread_seconds"]:.1f}, forward seconds {hr["forward_seconds"]:.1f}'
                 + (f'; the extraction loop alone (without listing, hashing, loading and checking the backbone) '
                    f'{hr["loop_images_per_s"]:.1f} images/s' if "loop_images_per_s" in hr else "") + '.')
    o.append("")

    # ---- per core
    o.append("## Decoding per core (one thread, images/s of decode + resize/crop/normalize)\n")
    o.append("Decode + the eval transform per image, file reading left out on both sides; headstart also checks "
             "each file's SHA-256 against the listing (its store is keyed by content), shown apart. "
             "`bench/reference.py decode` / `ExtractBench --mode decode`, one round over every JPEG of the set.\n")
    o.append("| set | mean MP | headstart libjpeg-turbo reduced | headstart libjpeg-turbo exact | headstart JDK decoder "
             "(fallback) | Pillow | Pillow draft | headstart exact / Pillow | reduced / Pillow draft | reduced / Pillow "
             "| headstart SHA-256 check |")
    o.append("|---|---|---|---|---|---|---|---|---|---|---|")

    for c in ("images", "photos6mp"):
        def one(**m):  # the best round: the first pays for the JIT warming up
            c_ = [r for r in rows if r.get("case") == c and all(r.get(k) == v for k, v in m.items())]
            return max(c_, key=rate) if c_ else None
        tr = one(what="headstart data path, one thread", decoder="libjpeg-turbo", exact_decode=False)
        te = one(what="headstart data path, one thread", decoder="libjpeg-turbo", exact_decode=True)
        jd = one(what="headstart data path, one thread", decoder="jdk")
        pe = one(what="reference data path, one thread", draft=False)
        pd = one(what="reference data path, one thread", draft=True)
        if not all((tr, te, jd, pe, pd)):
            continue

        def cell(r):
            return (f'{rate(r):.1f} (decode {r["ms_decode"]:.1f} ms + {r["ms_resize_crop_normalize"]:.1f} ms; '
                    f'load {load(r)})')
        o.append(f'| {c} | {te["mean_megapixels"]:.2f} | {cell(tr)} | {cell(te)} | {cell(jd)} | {cell(pe)} | {cell(pd)} | '
                 f'**{rate(te) / rate(pe):.2f}×** | **{rate(tr) / rate(pd):.2f}×** | {rate(tr) / rate(pe):.2f}× '
                 f'| {tr["ms_sha256"]:.1f} ms |')
    o.append("")
    # ---- every finished run, for the noise
    o.append("## Every finished run in the records (headline ratios; the load decides much of the spread)\n")
    o.append("| run | load start → end | 160-640 px: reduced / reference | exact / reference | per core exact / Pillow "
             "| reduced / Pillow draft | 6 MP: reduced / reference | exact / reference | per core exact / Pillow "
             "| reduced / Pillow draft |")
    o.append("|---|---|---|---|---|---|---|---|---|---|")
    for rr in all_runs:
        m = next(r for r in rr if r.get("what") == "machine")
        d = next(r for r in rr if r.get("what") == "finished")
        h = headline(rr)
        cells = []
        for c in ("images", "photos6mp"):
            cells += [f"{v:.2f}×" for v in h[c]] if c in h else ["–"] * 4
        o.append(f'| {m["run"]} | {m["load_at_start"].split()[0]} → {d["load"].split()[0]} | ' + " | ".join(cells) + " |")
    o.append("")
    with open(a.out, "w") as f:
        f.write("\n".join(o))
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
