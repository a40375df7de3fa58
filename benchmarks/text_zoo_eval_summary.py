"""Summarise a ``trojanscope zoo eval --json`` file of a text zoo (issue 15's figures): ROC-AUC,
cross-entropy, backdoored and clean flagged at 0.5 over all models; the same per family — each
recipe of ``benchmarks/foreign_text_zoo.py`` (its clean and backdoored models, by name prefix)
and each attack (its models against every clean model) — with the worst family (highest
cross-entropy) named; and the median seconds per model over all and per architecture
(``text_rows_time.py``: ``kim-cnn`` / ``mean-pooled``). No detector runs here.

    python benchmarks/text_zoo_eval_summary.py ZOOEVAL.json [ZOOEVAL.json ...] [--json summary.json]

Several files are scored as one population (their model names must differ).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import print_json
from text_rows_time import times
from trojanscope.detect.evaluate import ZooRow, score_rows


def recipe(row: ZooRow) -> str | None:
    """The foreign recipe a model's name starts with (``cnn-min2-rare-word-004`` →
    ``cnn-min2``), or ``None`` for names without one (trojanscope's own zoo)."""
    kind = "clean" if not row.backdoored else re.escape(str(row.attack))
    m = re.match(rf"^(.+)-{kind}-\d+$", row.name)
    return m.group(1) if m else None


def summary(rows: list[ZooRow], threshold: float = 0.5) -> dict:
    """Scores over ``rows`` (at least one clean and one backdoored model)."""
    s = score_rows(rows, threshold)
    return {"models": s["n_models"], "backdoored": s["n_backdoored"],
            "roc_auc": round(s["roc_auc"], 4), "cross_entropy": round(s["cross_entropy"], 4),
            "backdoored_flagged": sum(r.backdoored and r.probability >= threshold for r in rows),
            "clean_flagged": sum(not r.backdoored and r.probability >= threshold for r in rows)}


def families(rows: list[ZooRow]) -> dict[str, list[ZooRow]]:
    """Every recipe's models, and every attack's models with all clean ones."""
    out: dict[str, list[ZooRow]] = {}
    for name in sorted({recipe(r) for r in rows} - {None}):
        out[f"recipe {name}"] = [r for r in rows if recipe(r) == name]
    clean = [r for r in rows if not r.backdoored]
    for attack in sorted({r.attack for r in rows if r.backdoored}):
        out[f"attack {attack}"] = [r for r in rows if r.attack == attack and r.backdoored] + clean
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("zoo_eval", type=Path, nargs="+")
    parser.add_argument("--json", type=Path, default=None)
    opts = parser.parse_args()
    payloads = [json.loads(p.read_text()) for p in opts.zoo_eval]
    rows = [ZooRow(**r) for payload in payloads for r in payload["rows"]]
    if len({r.name for r in rows}) != len(rows):
        parser.error("the files share model names: they cannot be pooled")
    fams = {k: summary(v) for k, v in families(rows).items()}
    worst = max(fams, key=lambda k: fams[k]["cross_entropy"])
    out = {"zoo": [p["zoo"] for p in payloads], "method": sorted({p["method"] for p in payloads}),
           "all": summary(rows),
           "families": fams, "worst_family": worst,
           "time": times([{"name": r.name, "elapsed_s": r.elapsed_s} for r in rows]),
           "models": [{"name": r.name, "backdoored": r.backdoored, "attack": r.attack,
                       "probability": round(r.probability, 4),
                       "elapsed_s": round(r.elapsed_s, 2)} for r in rows]}
    print_json(out, opts.json)


if __name__ == "__main__":
    main()
