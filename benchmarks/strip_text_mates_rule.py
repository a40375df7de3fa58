"""The stop-55 rule for ``strip-text -p mates=K`` (issue 15, h15; plan in
``benchmarks/data/text_s55_h15/plan.md``), read on ``strip_text_class_dump.py`` readings of
fresh MiniLM models: each model and split seed read twice on the same split and generator, once
with today's detector (no ``mates`` in the dump's params) and once with the candidate's, so the
first partner of each candidate mixture is today's partner of that mixture. The verdict is
stop 54's (``strip_text_copies_rule.rule``): on every fresh reading (model × split), (1) an
``addsent`` candidate guard TPR ≥ today's − ``--slack``, (2) ≥ 0.90 wherever today's is, (3)
every candidate guard FPR ≤ ``--guard-fpr``, or ≤ today's where today's is above it (stop 55),
(5) a ``badnl`` candidate guard TPR ≥ today's − ``--slack``; (4) the mean candidate guard TPR
over the ``addsent`` readings > today's; (6) at least ``--expect`` ``addsent`` models read with
both; and, with ``--walls`` (stop 55), (7) each candidate reading's wall (the runs script's
``walls.txt``) over the inputs it scored ≤ ``--seconds-per-input``.

    python benchmarks/strip_text_mates_rule.py DUMP... [--walls walls.txt] [--json OUT]
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import torch

from strip_text_class_report import rule_parser, write_rule
from strip_text_copies_rule import TODAY, rule
from trojanscope.detect.input_level.base import pac_threshold
from trojanscope.detect.input_level.evaluate import roc_auc, tpr_at_fpr


def label(params: dict) -> str:
    """``TODAY`` for a reading of today's detector, ``mates=K`` for the candidate's."""
    mates = int(params.get("mates", 1))
    extra = sorted(k for k in params if k != "mates")
    if extra:
        raise SystemExit(f"a reading with other parameters ({', '.join(extra)}) is neither")
    return TODAY if mates == 1 else f"mates={mates}"


def split_row(split: dict, fpr: float, confidence: float) -> dict:
    """Guard FPR / TPR at :func:`pac_threshold` of the guard half's scores, and ROC-AUC / TPR at
    FPR ≤ ``fpr`` on the held-out clean, of one split's stored scores."""
    guard, neg, trig = (torch.tensor(split[k]["score"], dtype=torch.float64)
                        for k in ("guard", "neg", "trig"))
    pos = trig[torch.tensor(split["fires"], dtype=torch.bool)]
    t = pac_threshold(guard, fpr, confidence)
    return {"guard_fpr": float((neg > t).double().mean()),
            "guard_tpr": float((pos > t).double().mean()),
            "auc": roc_auc(neg, pos), "roc_tpr": tpr_at_fpr(neg, pos, fpr), "fired": len(pos)}


def rows_of(dumps: list[Path], fpr: float, confidence: float) -> list[dict]:
    """One row per dump, model and split seed, labelled by the dump's detector."""
    rows = []
    for path in dumps:
        data = json.loads(path.read_text())
        score = label(data.get("params", {}))
        for model in data["models"]:
            for split in model["splits"]:
                rows.append({"model": model["model"], "attack": model["attack"],
                             "seed": split["seed"], "target": split["target"], "score": score,
                             **split_row(split, fpr, confidence)})
    return rows


def paired(rows: list[dict], candidate: str) -> list[dict]:
    """The rows of the (model, seed) readings that hold both today's and the candidate's."""
    have: dict = {}
    for r in rows:
        have.setdefault((r["model"], r["seed"]), set()).add(r["score"])
    both = {k for k, v in have.items() if {TODAY, candidate} <= v}
    return [r for r in rows if (r["model"], r["seed"]) in both
            and r["score"] in (TODAY, candidate)]


def fpr_check(rows: list[dict], candidate: str, bound: float) -> bool:
    """(3) as stop 55 states it: each candidate guard FPR ≤ ``bound``, or ≤ today's on the same
    reading where today's is above ``bound``."""
    today = {(r["model"], r["seed"]): r["guard_fpr"] for r in rows if r["score"] == TODAY}
    return all(r["guard_fpr"] <= max(bound, today[(r["model"], r["seed"])])
               for r in rows if r["score"] == candidate)


def seconds_per_input(dumps: list[Path], walls: Path) -> dict[str, float]:
    """Each candidate dump's reading wall (its ``dump mates_<run>`` line in ``walls``) over the
    inputs it scored (guard, held-out clean and triggered, every split)."""
    text = walls.read_text()
    out = {}
    for path in dumps:
        data = json.loads(path.read_text())
        if label(data.get("params", {})) == TODAY:
            continue
        found = re.findall(rf"^dump {re.escape(path.stem[len('dump_'):])} .*wall_s ([0-9.]+)",
                           text, flags=re.M)
        if not found:
            raise SystemExit(f"{walls}: no wall for {path.stem}")
        inputs = sum(len(s[k]["score"]) for m in data["models"] for s in m["splits"]
                     for k in ("guard", "neg", "trig"))
        out[path.stem] = float(found[-1]) / inputs
    return out


def main() -> None:
    parser = rule_parser(__doc__, slack=0.02, expect=2)
    parser.add_argument("--candidate", default="mates=2")
    parser.add_argument("--walls", type=Path, default=None)
    parser.add_argument("--seconds-per-input", type=float, default=2.5)
    opts = parser.parse_args()
    rows = paired(rows_of(opts.dumps, opts.fpr, opts.confidence), opts.candidate)
    if not rows:
        raise SystemExit("no model and split read with both today's and the candidate's detector")
    verdict = rule(rows, opts.candidate, opts.slack, opts.guard_fpr, opts.expect)
    verdict["checks"]["3_guard_fpr"] = fpr_check(rows, opts.candidate, opts.guard_fpr)
    if opts.walls is not None:
        verdict["seconds_per_input"] = seconds_per_input(opts.dumps, opts.walls)
        verdict["checks"]["7_time"] = all(v <= opts.seconds_per_input
                                          for v in verdict["seconds_per_input"].values())
    verdict["met"] = all(verdict["checks"].values())
    write_rule(opts, rows, verdict)


if __name__ == "__main__":
    main()
