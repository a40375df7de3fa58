"""Stop 45's development check of ``mahalanobis -p occlusion=true`` (issue 14): per development
model, today's default as committed by stops 42 and 44 (``benchmarks/data/inputs_s42/fresh``,
``inputs_s44/fresh``: the same protocol and halves, ``--seed 0``) beside the candidate's row
written by ``benchmarks/data/inputs_s45/dev_occlusion.sh``, and the development bar: no model's
TPR lower by more than 0.01, no guard FPR higher by more than 0.005.

    PYTHONPATH=src python benchmarks/inputs_dev_stop45.py DEV_OUT
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

DATA = Path(__file__).parent / "data"
TODAY = {"inputs_s42": ("mahalanobis", "mahalanobis:pixel_cap=0", "mahalanobis(pixel_cap=0)"),
         "inputs_s44": ("mahalanobis",)}  # stop 42's "candidate" is today's default
CANDIDATE = ("mahalanobis:occlusion=true", "mahalanobis(occlusion=True)",
             "mahalanobis(occlusion=true)")
TPR_BAR, FPR_BAR = 0.01, 0.005


def rows(path: Path) -> list[dict]:
    data = json.loads(path.read_text())
    return data["rows"] if isinstance(data, dict) else data


def pick(rs: list[dict], names: tuple[str, ...]) -> dict | None:
    return next((r for r in rs if r.get("requested", r.get("method")) in names
                 or r.get("method") in names), None)


def today_row(dev_name: str) -> tuple[str, dict] | None:
    """The committed default row of one development model (``dev_zoo-s44_relu_cnn-01`` or
    ``dev_wanet-s79``)."""
    key = dev_name.removeprefix("dev_")
    if key.startswith("zoo-s"):
        seed, model = key[5:].split("_", 1)
        stop = "inputs_s42" if seed in ("42", "43") else "inputs_s44"
        p = DATA / stop / "fresh" / f"{stop}_s{seed}_{model}.json"
    else:
        seed = int(key.rsplit("-s", 1)[1])
        stop = "inputs_s42" if seed <= 77 else "inputs_s44"
        p = DATA / stop / "fresh" / f"{stop}_{key}.json"
    if not p.is_file():
        return None
    r = pick(rows(p), TODAY[stop])
    return (key, r) if r else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dev_out", type=Path)
    args = ap.parse_args()
    print("| development model | trigger | today: ROC-AUC / TPR / guard FPR (passes) "
          "| occlusion=true (passes) | TPR change | guard FPR change |")
    print("|---|---|---|---|---:|---:|")
    bad, n, d_tpr = [], 0, []
    for p in sorted(args.dev_out.glob("dev_*.json")):
        got = today_row(p.stem)
        cand = pick(rows(p), CANDIDATE)
        if got is None or cand is None:
            continue
        key, t = got
        n += 1
        dt, df = cand["tpr_at_fpr"] - t["tpr_at_fpr"], cand["guard_fpr"] - t["guard_fpr"]
        d_tpr.append(dt)
        if dt < -TPR_BAR - 1e-9 or df > FPR_BAR + 1e-9:
            bad.append(key)

        def fmt(r: dict) -> str:
            return (f"{r['roc_auc']:.4f} / {r['tpr_at_fpr']:.3f} / {r['guard_fpr']:.3f} "
                    f"({r['forward_passes_per_input']})")
        print(f"| {key} | {t.get('trigger', key.split('-')[0])} | {fmt(t)} | {fmt(cand)} | "
              f"{dt:+.3f} | {df:+.3f} |")
    print()
    print(f"{n} development models; TPR change mean {sum(d_tpr) / max(1, n):+.4f}, "
          f"worst {min(d_tpr, default=0):+.3f}; outside the bar (TPR -{TPR_BAR} or guard FPR "
          f"+{FPR_BAR}): {bad or 'none'}")


if __name__ == "__main__":
    main()
