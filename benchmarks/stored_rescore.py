"""Every stored run of foreign seeds 50, 51, 60-74, 76 and issue 3's ``zoo/eval`` calibrated by the
``trojanscope`` on ``PYTHONPATH`` with the shipped file, dumped per model (probability, suspect,
coverage notes), and two dumps compared (issue 9, stop 53: h9A). Run once with ``main``'s
``src`` and once with a branch's: a change to the code that reads coverage must leave every
model it covers unchanged.

    PYTHONPATH=/work/main/src:benchmarks python benchmarks/stored_rescore.py --dump main.json
    PYTHONPATH=src:benchmarks python benchmarks/stored_rescore.py --dump cand.json \\
        --compare main.json --json benchmarks/data/foreign_s53a/stored_check.json

A mode is compared by setting ``TROJANSCOPE_ACTIVATION_TRAITS`` for the branch's dump (stop 54:
``route-u``). Seed 75's runs are not read: every model there has an activation no calibration
holds (development of stop 54, read by ``data/foreign_s54b/dev.py``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import fail, read_jsonl
from own_eval_recal import score_file
from r13p_lofo import DATA, EVAL_ROWS, SEEDS16, load_rows

SEEDS17 = {**SEEDS16, 74: ("foreign_s52f/detect74_runs.jsonl.gz",
                           "foreign_s52f/zoo-s74_truth.json.gz")}
# stop 54 (h9B): seed 76's runs too (stop 53 h9B: covered families); ``--seeds 17`` reads the
# seventeen seeds stop 53 read
SEEDS18 = {**SEEDS17, 76: ("foreign_s53b/detect76_runs.jsonl.gz",
                           "foreign_s53b/zoo-s76_truth.json.gz")}


def dump(seeds: dict[int, tuple[str, str]] = SEEDS18) -> dict:
    """Per model ``[probability, suspect, notes]``, and ``zoo/eval``'s scores."""
    from foreign_zoo_detect import verdict_of
    from trojanscope.detect.calibration import SHIPPED, calibrate, load_calibrators

    shipped = Path(__file__).resolve().parents[1] / "src/trojanscope/detect" / SHIPPED
    cals = load_calibrators(shipped)
    models = {}
    for r in load_rows(seeds):
        v = calibrate(verdict_of(r["report"]), cals)
        models[f"s{r['seed']}:{r['name']}"] = [v.probability, v.target_classes[0],
                                               v.coverage_notes]
    ev = score_file(read_jsonl(EVAL_ROWS), shipped)
    for row in ev["rows"]:
        models[f"eval:{row['name']}"] = [row["probability"], row["predicted_target"], None]
    return {"models": models, "eval": [ev["scores"]["roc_auc"], ev["scores"]["cross_entropy"]]}


def compare(a: dict, b: dict) -> dict:
    """Models whose probability or suspect moved, and whose notes changed."""
    if set(a["models"]) != set(b["models"]):
        fail("the two dumps hold different models")
    moved = [k for k in a["models"] if abs(a["models"][k][0] - b["models"][k][0]) > 0
             or a["models"][k][1] != b["models"][k][1]]
    noted = [k for k in a["models"] if a["models"][k][2] != b["models"][k][2]]
    return {"models": len(a["models"]), "moved": moved, "notes_changed": noted,
            "eval": {"before": a["eval"], "after": b["eval"]}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dump", type=Path, required=True)
    ap.add_argument("--compare", type=Path, default=None, help="an earlier dump")
    ap.add_argument("--json", type=Path, default=None, help="where the comparison goes")
    ap.add_argument("--seeds", type=int, choices=(17, 18), default=18,
                    help="18: seeds 50, 51, 60-74 and 76 (default); 17: without 76 (stop 53)")
    args = ap.parse_args()
    for p in (args.dump, args.json):
        if p is not None and not p.parent.is_dir():
            fail(f"{p}: folder {p.parent} does not exist")
    if args.compare is not None and not args.compare.is_file():
        fail(f"--compare {args.compare}: no such file")
    if not DATA.is_dir():
        fail(f"{DATA}: no stored runs")
    now = dump(SEEDS18 if args.seeds == 18 else SEEDS17)
    args.dump.write_text(json.dumps(now) + "\n")
    if args.compare is not None:
        out = compare(json.loads(args.compare.read_text()), now)
        print(json.dumps({k: (v if k != "notes_changed" else len(v)) for k, v in out.items()}))
        if args.json is not None:
            args.json.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
