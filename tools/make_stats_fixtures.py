#!/usr/bin/env python3
"""Writes src/test/resources/stats/fixtures.json: reference values for headstart's statistics,
computed by scipy and scikit-learn (independent implementations), on fixed inputs.

  apt-get install python3-sklearn python3-scipy   # Debian's packages, if missing
  /usr/bin/python3 tools/make_stats_fixtures.py

The Java tests (report/StatisticsFixturesTest) compare Wilson intervals, McNemar p-values and
the imbalance scores (recall, precision, balanced accuracy, macro-F1) against these values.
"""
import json
import os

import numpy as np
from scipy.stats import binom, binomtest
from sklearn.metrics import (balanced_accuracy_score, f1_score, precision_score,
                             recall_score, accuracy_score)

OUT = os.path.join(os.path.dirname(__file__), "..", "src", "test", "resources", "stats", "fixtures.json")


def wilson_cases():
    # small and large n, the edges 0 and n, the bundled example's 375 validation images
    cases = [(0, 10), (10, 10), (1, 2), (7, 9), (50, 100), (355, 375), (342, 375), (95, 120), (9990, 10000)]
    out = []
    for k, n in cases:
        ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
        out.append({"successes": k, "n": n, "low": float(ci.low), "high": float(ci.high)})
    return out


def mcnemar_cases():
    # (b, c): discordant counts; symmetric, one-sided, none, and a large count (log-space sums)
    cases = [(0, 0), (3, 3), (10, 2), (2, 10), (1, 0), (12, 5), (25, 11), (0, 9), (620, 540)]
    out = []
    for b, c in cases:
        n = b + c
        k = min(b, c)
        if n == 0:
            exact, mid = 1.0, 1.0
        else:
            exact = binomtest(k, n, 0.5, alternative="two-sided").pvalue
            mid = min(1.0, 2 * binom.cdf(k, n, 0.5) - binom.pmf(k, n, 0.5))
        out.append({"b": b, "c": c, "exact_p": float(exact), "mid_p": float(mid)})
    return out


def score_cases():
    rng = np.random.default_rng(18)
    cases = []
    # balanced, 3 classes, a few mistakes
    y = [0, 0, 0, 1, 1, 1, 2, 2, 2, 2]
    p = [0, 1, 0, 1, 1, 2, 2, 2, 0, 2]
    cases.append((3, y, p))
    # imbalanced: class 0 dominates; class 2 is never predicted (precision 0 by zero_division=0)
    y = [0] * 40 + [1] * 8 + [2] * 4
    p = [0] * 38 + [1] * 2 + [1] * 5 + [0] * 3 + [0] * 3 + [1]
    cases.append((3, y, p))
    # a class predicted but without true images: counts in macro-F1 (as F1 0), not in balanced accuracy
    y = [0, 0, 1, 1, 1, 2]
    p = [0, 3, 1, 1, 0, 2]
    cases.append((4, y, p))
    # random 5-class predictions, 200 images
    y = rng.integers(0, 5, 200).tolist()
    p = [t if rng.random() < 0.7 else int(rng.integers(0, 5)) for t in y]
    cases.append((5, y, p))
    out = []
    for k, y, p in cases:
        labels = list(range(k))
        present = sorted(set(y) | set(p))
        out.append({
            "classes": k,
            "labels": y,
            "predicted": p,
            "accuracy": float(accuracy_score(y, p)),
            "balanced_accuracy": float(balanced_accuracy_score(y, p)),
            # sklearn's default label set for macro averages: the classes in y_true or y_pred
            "macro_f1": float(f1_score(y, p, labels=present, average="macro", zero_division=0)),
            "recall": [float(v) if c in y else None
                       for c, v in zip(labels, recall_score(y, p, labels=labels, average=None, zero_division=0))],
            "precision": [float(v) for v in precision_score(y, p, labels=labels, average=None, zero_division=0)],
        })
    return out


def spread_cases():
    values = [0.9467, 0.9440, 0.9493, 0.9413, 0.9520]
    return [{"values": values, "mean": float(np.mean(values)), "sd": float(np.std(values, ddof=1))}]


def main():
    fixtures = {
        "made_by": "tools/make_stats_fixtures.py (scipy.stats.binomtest, scipy.stats.binom, sklearn.metrics, numpy)",
        "wilson": wilson_cases(),
        "mcnemar": mcnemar_cases(),
        "scores": score_cases(),
        "spread": spread_cases(),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(fixtures, f, indent=1)
        f.write("\n")
    print("wrote", os.path.normpath(OUT))


if __name__ == "__main__":
    main()
