"""``strip-text``'s mixture length as a default (issue 15, stop 48): each backdoored run folder
scored twice on the same split — today's cut at the input length (``mix_len=0``) and the
candidate, twice the input length bounded by the position table (``mix_len=None``) — with
``text_inputs_zoo.folder_level`` (guard fitted on half of the folder's held-out split, measured
on the other half and its triggered copies). Prints and writes the paired rows and the stop-48
rule: every model's candidate TPR at ``--fpr`` ≥ ``--goal``, and no model of ``--no-worse``
(folder name prefixes, e.g. the TextCNNs) more than ``--slack`` below its default TPR.

    python benchmarks/strip_text_mix_default.py RUN1 RUN2 ... --no-worse textcnn [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from text_inputs_zoo import folder_level

SETTINGS = {"default": {"mix_len": 0}, "candidate": {"mix_len": None}}


def paired(folders: list[Path], fpr: float,
           settings: dict[str, dict] | None = None) -> list[dict]:
    """One row per folder: each setting's figures (``SETTINGS`` unless given), the default's
    first (same split and seed)."""
    rows = []
    for folder in folders:
        row: dict = {"folder": str(folder), "model": folder.name}
        for label, params in (settings or SETTINGS).items():
            (result,) = folder_level([folder], fpr, params)
            row[label] = result
        rows.append(row)
        print(json.dumps(row, default=float), file=sys.stderr, flush=True)
    return rows


def rule(rows: list[dict], goal: float, no_worse: list[str], slack: float) -> dict:
    """The committed rule on ``rows``: the worst candidate TPR against ``goal``; the largest
    drop (default − candidate TPR) over the folders named by ``no_worse`` against ``slack``."""
    worst = min(rows, key=lambda r: r["candidate"]["tpr_at_fpr"])
    guarded = [r for r in rows if any(Path(r["folder"]).parent.name.startswith(p)
                                      or r["model"].startswith(p) for p in no_worse)]
    drops = [r["default"]["tpr_at_fpr"] - r["candidate"]["tpr_at_fpr"] for r in guarded]
    worst_drop = max(drops) if drops else 0.0
    return {"goal": goal, "worst_model": worst["model"],
            "worst_tpr": worst["candidate"]["tpr_at_fpr"],
            "tpr_met": all(r["candidate"]["tpr_at_fpr"] >= goal for r in rows),
            "no_worse_models": len(guarded), "largest_drop": round(worst_drop, 4),
            "no_worse_met": worst_drop <= slack + 1e-12,
            "met": all(r["candidate"]["tpr_at_fpr"] >= goal for r in rows)
            and worst_drop <= slack + 1e-12}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", type=Path, nargs="+", help="backdoored run folders")
    parser.add_argument("--fpr", type=float, default=0.05)
    parser.add_argument("--goal", type=float, default=0.90)
    parser.add_argument("--no-worse", nargs="*", default=[],
                        help="prefixes of the folders (or their parent folders) whose TPR may "
                             "not fall more than --slack below the default's")
    parser.add_argument("--slack", type=float, default=0.02)
    parser.add_argument("--json", type=Path, default=None)
    opts = parser.parse_args()
    torch.set_num_threads(1)
    rows = paired(opts.folders, opts.fpr)
    out = {"fpr": opts.fpr, "settings": SETTINGS, "rows": rows,
           "rule": rule(rows, opts.goal, opts.no_worse, opts.slack)}
    text = json.dumps(out, indent=2, default=float)
    print(text)
    if opts.json is not None:
        opts.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
