"""Issue 9, stop 71 (h9u): the second maker's stored ReLU CNN rows read against today's ``auto``.

``user_cnn_s71_h9u.py`` found the first-contact user's clean ReLU CNNs flagged on the default
calibrator's MM-BD terms alone. This script reads, without running a model, every stored
detection row in ``benchmarks/data/*/*runs*.jsonl.gz`` / ``*rows*.jsonl.gz`` whose traits are
exactly ReLU + convolution + max pooling (in the stored rows: ``foreign_zoo.py``'s
``relu_cnn`` models; each model once by its zoo and name, the last row kept), and gives per
label:

- the MM-BD p-value feature and ratio as recorded, and today's ``auto`` calibrator's logit
  from them alone (its intercept and three terms, no lower, excess, centre or raise term);
- how many the stored run flagged, and how many of those carried no raise term.

The stored probabilities are those of the stop that wrote each row (not today's default);
the base logit is today's calibrator's.

    PYTHONPATH=src python benchmarks/user_cnn_s71_h9u_rows.py
"""

from __future__ import annotations

import gzip
import json
import re
import statistics
from pathlib import Path

from trojanscope.detect.calibration import load_calibrators
from trojanscope.detect.logits import logit

DATA = Path(__file__).parent / "data"
TRAITS = ["activation:relu", "layer:conv", "pool:max"]


def _number(name: str, report: str) -> float | None:
    found = re.search(rf"'{name}': (-?[0-9.e+-]+)", report)
    return float(found.group(1)) if found else None


def stored_rows() -> list[dict]:
    """One dict a ReLU / conv / max-pool model (label, stored probability, MM-BD features)."""
    files = sorted(DATA.glob("*/*runs*.jsonl.gz")) + sorted(DATA.glob("*/*rows*.jsonl.gz"))
    seen: dict[tuple, dict] = {}
    for path in files:
        with gzip.open(path, "rt") as fh:
            for line in fh:
                row = json.loads(line)
                report = str(row.get("report") or "")
                traits = re.search(r"'traits': \[([^\]]*)\]", report)
                if not traits or re.findall(r"'([^']+)'", traits.group(1)) != TRAITS:
                    continue
                values = [_number(n, report) for n in
                          ("mmbd_neglog10_p", "mmbd_anomaly", "mmbd_ratio")]
                if None in values or row.get("probability") is None:
                    continue
                zoo = row.get("zoo") or path.parent.name  # rows without a zoo: their folder
                seen[(zoo, row.get("name"))] = {
                    "backdoored": bool(row.get("backdoored")), "p": row["probability"],
                    "raised": bool(_number("raise_logit", report)),
                    "features": dict(zip(("mmbd_neglog10_p", "mmbd_anomaly", "mmbd_ratio"),
                                         values, strict=True))}
    return list(seen.values())


def main() -> None:
    base = load_calibrators()["auto"]
    rows = stored_rows()
    for label in (False, True):
        mine = [r for r in rows if r["backdoored"] == label]
        logits = [base.logit(r["features"]) for r in mine]
        flagged = [r for r in mine if r["p"] >= 0.5]
        print(json.dumps({
            "label": "backdoored" if label else "clean", "models": len(mine),
            "median_neglog10_p": round(statistics.median(
                r["features"]["mmbd_neglog10_p"] for r in mine), 3),
            "median_ratio": round(statistics.median(
                r["features"]["mmbd_ratio"] for r in mine), 3),
            "ratio_range": [round(min(r["features"]["mmbd_ratio"] for r in mine), 3),
                            round(max(r["features"]["mmbd_ratio"] for r in mine), 3)],
            "base_logit_positive": sum(v > 0 for v in logits),
            "base_logit_median": round(statistics.median(logits), 2),
            "stored_flagged": len(flagged),
            "stored_flagged_without_raise": sum(not r["raised"] for r in flagged),
            "their_stored_p": sorted(round(r["p"], 2) for r in flagged if not r["raised"]),
            "their_stored_logit": sorted(round(logit(r["p"]), 1) for r in flagged
                                         if not r["raised"])}))


if __name__ == "__main__":
    main()
