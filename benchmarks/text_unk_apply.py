"""Today's ``zoo eval`` verdicts with the ``text-inversion:raise:unk`` term applied from
:mod:`benchmarks/text_unk_rows.py`'s rows (issue 15, stop 45; development zoos): what ``-p
unk_push=1`` would give, without a second detector run. Writes a ``zoo eval``-shaped JSON
(``benchmarks/text_zoo_eval_summary.py`` reads it); a model's time is its default time plus the
rows' CPU seconds of the push.

    python benchmarks/text_unk_apply.py --zoo-eval zooeval.json --rows unk.json --json out.json
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from trojanscope.detect.calibration import MIN_LIFT, load_calibrators
from trojanscope.detect.text_arch import KIM_CNN

KEY = "text-inversion:raise:unk"


def raised(probability: float, lift: float) -> float:
    """``probability`` with ``lift`` added to its logit (as ``raise_term`` does)."""
    p = min(max(probability, 1e-12), 1 - 1e-12)
    z = math.log(p / (1 - p)) + lift
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zoo-eval", type=Path, required=True)
    parser.add_argument("--rows", type=Path, required=True)
    parser.add_argument("--calibration", type=Path, default=None)
    parser.add_argument("--json", type=Path, required=True)
    opts = parser.parse_args()
    term = load_calibrators(opts.calibration)[KEY]
    payload = json.loads(opts.zoo_eval.read_text())
    unk = {r["name"]: r for r in json.loads(opts.rows.read_text())["rows"]}
    for row in payload["rows"]:
        u = unk[row["name"]]
        if u["arch"] != KIM_CNN:
            continue
        feats = {k: u[k] for k in ("tu_flip_1", "tu_flip_3", "tu_class")}
        row["features"].update(feats)
        row["elapsed_s"] += u["cpu_s"]
        lift = term.logit(feats)
        if lift > MIN_LIFT:
            row["features"]["probability_unraised"] = row["probability"]
            row["features"]["raise_logit_unk"] = lift
            row["probability"] = raised(row["probability"], lift)
    payload["method"] = payload["method"] + " -p unk_push=1 (applied)"
    opts.json.write_text(json.dumps(payload, indent=1) + "\n")


if __name__ == "__main__":
    main()
