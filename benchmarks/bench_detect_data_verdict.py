"""Set-level verdict of ``detect-data`` (issue 13): is this image set poisoned at all?

Runs the default detector (``auto``, its own feature model) on CLEAN MNIST subsets of several
sizes (``bench_detect_data_clean.clean_subset``, subset seeds ``--clean-seeds``) and on the
poisoned 4,000-image sets of ``bench_detect_data`` (attack seeds from ``--seed-base``), and
records per set the evidence the verdict reads (``DataDetection.details["evidence"]``), the
verdict, the flagged share and, on poisoned sets, TPR/FPR. Calibration runs use seeds reserved
for it; evaluation runs use seeds no other run used.

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/bench_detect_data_verdict.py \
        [--sizes 500,1000,2000,4000] [--clean-seeds 11,12] [--seed-base 11] [--sets 0,1,...] \
        [--json out.json] [--cache /tmp/feature-cache]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

torch.set_num_threads(1)
sys.path.insert(0, str(Path(__file__).parent))

import trojanscope.detect.data.run as data_run  # noqa: E402
from bench_detect_data import cached_features, poisoned_sets  # noqa: E402
from bench_detect_data_clean import clean_subset  # noqa: E402
from trojanscope.data.resolve import load_dataset  # noqa: E402
from trojanscope.detect.data.run import detect_data  # noqa: E402

data_run.FLAG_WHEN_CLEAN = True  # keep every flag; row_of applies the shipped rule itself


def row_of(result, poison: np.ndarray | None) -> dict:
    """What one set's run says: verdict, targets, flagged share as shipped (nothing flagged
    when the verdict is clean) and the flags before the verdict ("candidates"), evidence,
    and on poisoned sets TPR/FPR of both."""
    n = len(result.suspicion)
    shipped = result.flagged if result.poisoned is not False else result.flagged[:0]
    row = {"n": n, "poisoned": result.poisoned, "targets": result.target_classes,
           "flagged": len(shipped), "share": round(len(shipped) / n, 4),
           "candidates": len(result.flagged),
           "cand_share": round(len(result.flagged) / n, 4),
           "detect_s": result.details.get("detect_s"),
           "train_s": result.feature_model.get("train_s"),
           "reasons": result.details.get("verdict", {}).get("reasons", []),
           "evidence": result.details.get("evidence", {})}
    if poison is not None:
        for key, idx in (("", shipped), ("cand_", result.flagged)):
            flags = np.zeros(n, dtype=bool)
            flags[idx] = True
            row[key + "tpr"] = float((flags & poison).sum() / max(poison.sum(), 1))
            row[key + "fpr"] = float((flags & ~poison).sum() / max((~poison).sum(), 1))
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="500,1000,2000,4000")
    parser.add_argument("--clean-seeds", default="", help="subset seeds of the clean sets")
    parser.add_argument("--seed-base", type=int, default=None,
                        help="attack seed of poisoned set 0 (none: no poisoned sets)")
    parser.add_argument("--sets", default=None, help="poisoned set numbers (default: all)")
    parser.add_argument("--method", default="auto")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--cache", type=Path, default=None,
                        help="folder keeping each set's feature model between runs")
    parser.add_argument("--rejudge", default=None,
                        help="comma-separated --json files of earlier runs: the current verdict "
                        "from each row's stored evidence (no detection), and exit")
    args = parser.parse_args()
    if args.rejudge:
        return rejudge([Path(p) for p in args.rejudge.split(",")])
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in [int(s) for s in args.clean_seeds.split(",") if s]:
            for size in (int(s) for s in args.sizes.split(",")):
                path = clean_subset(size, seed, Path(tmp))
                data = load_dataset(str(path), split="all")
                name = f"clean {size} s{seed}"
                result = detect_data(data, method=args.method,
                                     features=cached_features(data, args.cache, name))
                row = {"set": name, "clean": True, **row_of(result, None)}
                rows.append(row)
                print(json.dumps(row), flush=True)
    if args.seed_base is not None:
        for s, data, poison, name in poisoned_sets(args.seed_base, args.sets):
            result = detect_data(data, method=args.method,
                                 features=cached_features(data, args.cache, name))
            row = {"set": name, "clean": False, "target": s["target"],
                   "mapping": s["mapping"], "attack": s["attack"], **row_of(result, poison)}
            rows.append(row)
            print(json.dumps(row), flush=True)
    summary(rows)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"method": args.method, "rows": rows}, indent=1) + "\n")


def rejudge(paths: list[Path]) -> None:
    """The verdict the current rules give each stored row's evidence, against the verdict
    stored with it, and each row's largest own-disagreement-share ratio (the per-sample
    flags need a new run: only the verdict is re-read)."""
    from trojanscope.detect.data.verdict import set_verdict, share_ratio

    changed, clean_max = 0, 0.0
    for path in paths:
        for r in json.loads(path.read_text())["rows"]:
            ev = r["evidence"]
            v = set_verdict(ev)
            top = share_ratio(ev, ev.get("split_classes", []))
            ratio = top[1] if top else float("nan")
            if r["clean"] and top:
                clean_max = max(clean_max, ratio)
            flip = v.poisoned != r["poisoned"]
            changed += flip
            print(f"{r['set']}: stored {r['poisoned']}, now {v.poisoned}"
                  f"{' (CHANGED)' if flip else ''}; own-share ratio {ratio:.2f}")
    print(f"{changed} verdicts changed; largest own-share ratio on a clean set {clean_max:.2f}")


def summary(rows: list[dict]) -> None:
    """False "poisoned" verdicts on clean sets, missed verdicts on poisoned ones."""
    clean = [r for r in rows if r["clean"]]
    dirty = [r for r in rows if not r["clean"] and r.get("attack") != "sig"]
    if clean:
        wrong = [r["set"] for r in clean if r["poisoned"]]
        named = sum(bool(r["targets"]) for r in clean)
        print(f"clean sets: {len(wrong)}/{len(clean)} judged poisoned {wrong}; a target named on "
              f"{named}; flagged share {min(r['share'] for r in clean):.3f}-"
              f"{max(r['share'] for r in clean):.3f}")
    if dirty:
        missed = [r["set"] for r in dirty if r["poisoned"] is False]
        wrong_t = [r["set"] for r in dirty if r["mapping"] == "all-to-one"
                   and r["target"] not in r["targets"]]
        print(f"dirty-label poisoned sets: {len(missed)}/{len(dirty)} judged clean {missed}; "
              f"all-to-one target not named on {wrong_t}")


if __name__ == "__main__":
    main()
