"""Issue 9, stop 61 (h9m): per model of a stored fourth-maker population, what the shipped
detect read — p, the suspected class, MM-BD's three top-ranked classes, how far the suspected
class and class 8 stand above the median class (``mmbd_class_ratio_c``) and the raise term —
to say towards which class each GAP-head model leans and what carries it. Reads the stored
runs only (no model is loaded).

    python benchmarks/data/fourth_s61/ratios.py RUNS.jsonl.gz TRUTH.json.gz
"""

from __future__ import annotations

import ast
import gzip
import json
import sys

# the families whose activation is fixed, not drawn (stop 63: lrn_softsign was shown as LeakyReLU)
ACT = {"wide_leaky": "LeakyReLU", "lrn_softsign": "Softsign"}


def rows(runs: str, truth: str) -> list[str]:
    """One Markdown table row per scored model, in build order."""
    with gzip.open(truth, "rt") as fh:
        kept = json.load(fh)["models"]
    with gzip.open(runs, "rt") as fh:
        got = {r["name"]: r for r in map(json.loads, fh)}
    out = []
    for m in kept:
        r = got.get(m["name"])
        if r is None:
            continue
        rep = r["report"] if isinstance(r["report"], dict) else ast.literal_eval(r["report"])
        f, s = rep["features"], r["suspected_target"]
        truth_s = f"{m['trigger_family']} → {m['target']}" if m["backdoored"] else "clean"
        act = m["recipe"]["arch"].get("act", ACT.get(m["arch_family"], "?"))
        out.append(f"| `{m['name']}` | {act} | {truth_s} | "
                   f"{r['probability']:.3f} | {s} | {', '.join(map(str, rep['ranking'][:3]))} | "
                   f"{f[f'mmbd_class_ratio_{s}']:.2f} | {f['mmbd_class_ratio_8']:.2f} | "
                   f"{f.get('raise_logit', 0.0):.2f} |")
    return out


if __name__ == "__main__":
    print("| model | activation | truth | p | suspected | MM-BD top 3 | suspected's ratio | "
          "class 8's ratio | raise logit |\n|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows(sys.argv[1], sys.argv[2])))
