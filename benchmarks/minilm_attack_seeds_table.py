"""Table of ``minilm_attack_seeds.py``'s rows (issue 15, stop 45): per run CA, CA drop and ASR;
per spec the mean over seeds, the worst seed and whether the goal (mean ASR >= 95%, mean CA
drop <= 2 points) is met. A run's CA drop is against the clean row of its seed where one
exists, else against ``--clean-mean`` (seed 3100's three clean MiniLMs: 80.25%).

    python benchmarks/minilm_attack_seeds_table.py benchmarks/data/text_s45_minilm_seeds \
        --json benchmarks/data/text_s45_minilm_seeds/table.json
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from trojanscope.io.json_file import dumps


def table(rows: list[dict], clean_mean: float) -> dict:
    """Per-run rows and per-spec summaries (percent points)."""
    clean = {r["seed"]: r["metrics"]["clean_accuracy"] for r in rows if not r["backdoored"]}
    runs, specs = [], {}
    for r in rows:
        if not r["backdoored"]:
            continue
        spec = r["name"].rsplit("-", 1)[0]
        ref = clean.get(r["seed"], clean_mean)
        ca, asr = r["metrics"]["clean_accuracy"], r["metrics"]["attack_success_rate"]
        run = {"spec": spec, "seed": r["seed"], "target": r["target"], "ca": 100 * ca,
               "ca_ref": 100 * ref, "ref": "same seed" if r["seed"] in clean else "3100 mean",
               "ca_drop": 100 * (ref - ca), "asr": 100 * asr}
        runs.append(run)
        specs.setdefault(spec, []).append(run)
    summary = {}
    for spec, rs in specs.items():
        drop = statistics.mean(r["ca_drop"] for r in rs)
        asr = statistics.mean(r["asr"] for r in rs)
        summary[spec] = {"seeds": [r["seed"] for r in rs], "mean_ca_drop": drop,
                         "mean_asr": asr, "worst_ca_drop": max(r["ca_drop"] for r in rs),
                         "worst_asr": min(r["asr"] for r in rs),
                         "met": bool(asr >= 95 and drop <= 2)}
    return {"clean": {str(k): 100 * v for k, v in clean.items()}, "runs": runs,
            "specs": summary}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="the rows (one JSON per run)")
    parser.add_argument("--clean-mean", type=float, default=0.8025)
    parser.add_argument("--json", type=Path)
    opts = parser.parse_args()
    rows = [json.loads(p.read_text()) for p in sorted(opts.folder.glob("*.json"))
            if p.name[0].isalpha() and p.stem.split("-")[-1].isdigit()]
    out = table(rows, opts.clean_mean)
    print("| run | seed | target | CA | CA drop (vs) | ASR |\n|---|---|---|---|---|---|")
    for r in out["runs"]:
        print(f"| {r['spec']} | {r['seed']} | {r['target']} | {r['ca']:.2f}% | "
              f"{r['ca_drop']:+.2f} ({r['ref']} {r['ca_ref']:.2f}%) | {r['asr']:.1f}% |")
    for spec, s in out["specs"].items():
        print(f"{spec}: mean CA drop {s['mean_ca_drop']:.2f} (worst {s['worst_ca_drop']:.2f}), "
              f"mean ASR {s['mean_asr']:.1f}% (worst {s['worst_asr']:.1f}%), met {s['met']}")
    if opts.json:
        opts.json.write_text(dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
