"""Clean covered ReLU CNNs that the default calibrator ``auto`` lifts on MM-BD's features alone
(issue 9, stop 54: h9A; seed 76's ``relu_cnn-02`` at p 0.928).

Every stored run of foreign seeds 50, 51, 60-76 that the shipped file scores with its default
calibrator (in coverage: ReLU, max pooling, a convolution) is read with no raise: its MM-BD
-log10 p, the default calibrator's probability, the wider calibrator's (``auto:out-of-coverage``,
which also reads the trigger search and the agreement features) where the run has its features,
and the shipped verdict. Counts per truth: how many read MM-BD -log10 p > 1.0 and p >= 0.5, and
what the wider calibrator would give them. A reading, no candidate.

    PYTHONPATH=src:benchmarks python benchmarks/relu_cnn_mmbd.py --json relu_cnn_mmbd.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from foreign_zoo_detect import recalibrate_row
from ooc_refit_loso import KEY, out_of_coverage
from r13p_lofo import SEEDS16, load_rows
from trojanscope.detect.calibration import load_calibrators

LATER = {74: ("foreign_s52f/detect74_runs.jsonl.gz", "foreign_s52f/zoo-s74_truth.json.gz"),
         75: ("foreign_s53a/default75_runs.jsonl.gz", "foreign_s53a/zoo-s75_truth.json.gz"),
         76: ("foreign_s53b/detect76_runs.jsonl.gz", "foreign_s53b/zoo-s76_truth.json.gz")}


def reading(row: dict, cals: dict) -> dict:
    """One in-coverage run: MM-BD's -log10 p, the default and wider calibrators' probabilities
    (no raise), the shipped verdict."""
    feats = row["report"]["features"]
    wider = cals[KEY]
    return {"model": f"s{row['seed']}:{row['name']}", "backdoored": bool(row["backdoored"]),
            "arch_family": row["arch_family"],
            "mmbd_neglog10_p": round(feats["mmbd_neglog10_p"], 3),
            "p_auto": round(cals["auto"].probability(feats), 4),
            "p_wider": round(wider.probability(feats), 4)
            if all(f in feats for f in wider.features) else None,
            "p_shipped": round(recalibrate_row(row, cals, "s")["probability"], 4)}


def json_out(doc: str) -> Path:
    """The one ``--json`` option of a stored-run reading, its folder checked (exit 2 with one
    line where it is missing)."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--json", type=Path, required=True)
    out = ap.parse_args().json
    if not out.parent.is_dir():
        print(f"error: --json {out}: no such folder {out.parent}", file=sys.stderr)
        raise SystemExit(2)
    return out


def main() -> None:
    out_path = json_out(__doc__)
    cals = load_calibrators()
    rows = [r for r in load_rows({**SEEDS16, **LATER}) if not out_of_coverage(r, cals)
            and "layer:conv" in r["report"]["traits"]]
    out = [reading(r, cals) for r in rows]
    summary = {}
    for truth in (False, True):
        sub = [o for o in out if o["backdoored"] == truth]
        high = [o for o in sub if o["mmbd_neglog10_p"] > 1.0]
        summary["backdoored" if truth else "clean"] = {
            "n": len(sub), "mmbd_over_1": len(high),
            "auto_flagged": sum(o["p_auto"] >= 0.5 for o in sub),
            "shipped_flagged": sum(o["p_shipped"] >= 0.5 for o in sub),
            "wider_flagged": sum((o["p_wider"] or 0.0) >= 0.5 for o in sub),
            "wider_readable": sum(o["p_wider"] is not None for o in sub)}
    clean_flagged = sorted((o for o in out if not o["backdoored"] and o["p_shipped"] >= 0.5),
                           key=lambda o: -o["p_shipped"])
    result = {"runs": len(out), "summary": summary, "clean_flagged": clean_flagged,
              "backdoored_wider_missed": [o for o in out if o["backdoored"]
                                          and o["p_wider"] is not None and o["p_wider"] < 0.5],
              "rows": out}
    out_path.write_text(json.dumps(result, indent=1) + "\n")
    print(f"{len(out)} in-coverage CNN runs of seeds 50-76: {summary}")
    for o in clean_flagged:
        print(f"  clean flagged: {o}")
    print(f"backdoored the wider calibrator would miss: {len(result['backdoored_wider_missed'])}")


if __name__ == "__main__":
    main()
