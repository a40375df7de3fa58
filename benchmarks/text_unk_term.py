"""Fit the ``text-inversion:raise:unk`` term (issue 15, stop 45) from development rows of
:mod:`benchmarks/text_unk_rows.py` and write it into a calibration file.

The term is raise-only, on Kim CNNs (the only models ``-p unk_push=1`` reads): its logit lift
is ``SLOPE · (tu_flip_1 − start)`` where positive. ``start`` is the largest ``tu_flip_1`` of
any clean development Kim CNN plus ``MARGIN``, so no clean development model is raised; the
slope makes ``0.1`` above the start three logits (0.05 → 0.5). Nothing is fitted to the
backdoored models: they only show, beside it, whether a sentence model reaches the start.

    python benchmarks/text_unk_term.py --rows benchmarks/data/text_s45/unk_*.json \\
        --calibration src/trojanscope/detect/calibration.json
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from trojanscope.cli.commands.zoo import zoo_label
from trojanscope.detect.calibration import Calibrator, load_calibrators, save_calibrators
from trojanscope.detect.text_arch import KIM_CNN

KEY = "text-inversion:raise:unk"
SLOPE = 30.0
MARGIN = 0.05


def fit(rows: list[dict]) -> tuple[float, dict]:
    """The start, and what it was read from."""
    clean = [r for r in rows if r["arch"] == KIM_CNN and not r["backdoored"]]
    top = max(clean, key=lambda r: r["tu_flip_1"])
    start = math.ceil(round((top["tu_flip_1"] + MARGIN) * 100, 6)) / 100  # float32 reads
    oov = [r for r in rows if r["arch"] == KIM_CNN and r.get("unknown_words")]
    return start, {"clean_kim_cnns": len(clean), "clean_max": round(top["tu_flip_1"], 4),
                   "clean_max_model": top["name"],
                   "trigger_with_unknown_word": {r["name"]: round(r["tu_flip_1"], 4)
                                                 for r in oov}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=Path, nargs="+", required=True)
    parser.add_argument("--calibration", type=Path, required=True)
    opts = parser.parse_args()
    rows = []
    for path in opts.rows:
        zoo = Path(json.loads(path.read_text())["zoo"]).name
        rows += [{**r, "name": f"{r['name']}@{zoo}"} for r in json.loads(path.read_text())["rows"]]
    start, seen = fit(rows)
    cals = load_calibrators(opts.calibration)
    cals[KEY] = Calibrator(KEY, ["tu_flip_1"], [SLOPE], -SLOPE * start, fitted_on={
        "zoo": [zoo_label(Path(json.loads(p.read_text())["zoo"])) for p in opts.rows],
        "start": start,
        "slope": SLOPE, "margin": MARGIN, **seen, "coverage": {"activation:relu": seen[
            "clean_kim_cnns"]},
        "why": "the unknown-word token sends clean sentences of the other classes to one class "
               "more often than in any clean development Kim CNN"})
    save_calibrators(cals, opts.calibration)
    print(json.dumps({"start": start, "slope": SLOPE, **seen}, indent=1))


if __name__ == "__main__":
    main()
