"""Whole-file reading of stored fresh seeds under candidate V: which models it moves against
today's file (issue 9, stop 54: h9C, condition (d) of ``benchmarks/data/foreign_s54c/plan.md``).

No family is held out and nothing is refitted: each seed's stored runs (``--fresh
LABEL=RUNS,TRUTH``, as ``lofo_fresh.py`` takes them) are recalibrated by the shipped file and by
the shipped file with ``gate_unseen = "max@kind:unfitted"`` on both gated raise terms, with the
merged code's defaults (``route-u`` since stop 54 h9B). Prints and writes the models moved.

    PYTHONPATH=src:benchmarks python benchmarks/unfitted_whole_check.py \\
        --fresh 77=RUNS,TRUTH [--fresh ...] --json whole_check_V.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lofo_fresh import candidates, fresh_cli, fresh_rows, whole
from trojanscope.detect.calibration import load_calibrators


def main() -> None:
    seeds, json_out = fresh_cli(__doc__.splitlines()[0])
    files = candidates(load_calibrators())
    out: dict = {}
    for label, runs, truth in seeds:
        res = whole(fresh_rows(label, runs, truth), files)
        out[label] = {"models": res["today"]["models"], "moved_by_V": res["moved_by_V"],
                      "today": {k: res["today"][k] for k in ("roc_auc", "cross_entropy")},
                      "V": {k: res["V"][k] for k in ("roc_auc", "cross_entropy")}}
        t = out[label]["today"]
        print(f"seed {label}: {out[label]['models']} models; today AUC {t['roc_auc']} CE "
              f"{t['cross_entropy']}; V moves {len(res['moved_by_V'])} {res['moved_by_V']}")
    total = sum(len(v["moved_by_V"]) for v in out.values())
    print(f"moved by V over {sum(v['models'] for v in out.values())} models: {total}")
    json_out.write_text(json.dumps({"seeds": out, "moved_total": total}, indent=1) + "\n")


if __name__ == "__main__":
    main()
