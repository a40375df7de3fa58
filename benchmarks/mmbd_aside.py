"""Clean models flagged on MM-BD's own statistic, read apart from the raise terms (issue 9,
stop 55: h9B).

Candidate V changes only where the two gated raise terms start; a clean model whose calibrator
already flags it *before* any raise term (the probability before raise >= 0.5: MM-BD's own
statistic, with the trigger-search and probe features where the wider calibrator reads them) is
flagged alike under today's file and V, and no start can reach it (seed 79's clean ``bn_cnn-00``,
stop 54 h9C). This module names those models and gives a population's figures with them set
aside, so a rule can count that failure separately from what V is about.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from foreign_zoo_detect import verdict_of
from r13p_lofo import GOAL_AUC, GOAL_CE, figures
from rule_s54c_check import meets
from trojanscope.detect.calibration import Calibrator, calibrate

ASIDE = "without_mmbd_clean"  # the figures' key with those models set aside
GOAL = (GOAL_AUC, GOAL_CE)


def unraised(row: dict, cals: dict[str, Calibrator]) -> tuple[float, float]:
    """(probability before any raise term, final probability) of a stored run under ``cals``."""
    verdict = calibrate(verdict_of(row["report"]), cals)
    final = float(verdict.probability)
    return float(verdict.features.get("probability_unraised", final)), final


def mmbd_clean(rows: list[dict], cals: dict[str, Calibrator]) -> list[str]:
    """The clean models of ``rows`` whose probability before any raise term is >= 0.5 under
    ``cals`` (``s<seed>:<name>``, as ``figures`` names models)."""
    return sorted(f"s{r['seed']}:{r['name']}" for r in rows
                  if not r["backdoored"] and unraised(r, cals)[0] >= 0.5)


def with_aside(rows: list[dict], cals: dict[str, Calibrator], aside: list[str]) -> dict:
    """``figures`` of ``rows`` under ``cals``, with ``mmbd_clean`` (the models in ``aside``) and
    ``ASIDE``: the same figures without them (None where none is left: a family whose only
    model is such a clean one, stop 57)."""
    kept = [r for r in rows if f"s{r['seed']}:{r['name']}" not in aside]
    return {**figures(rows, cals), "mmbd_clean": list(aside),
            ASIDE: figures(kept, cals) if kept else None}


def fails_only_on_mmbd(f: dict) -> bool:
    """A family that misses the goal, but meets it once its MM-BD-flagged clean models are set
    aside: its only failure is a clean model no raise start can reach."""
    return (bool(f.get("mmbd_clean")) and f.get(ASIDE) is not None and not meets(f, GOAL)
            and meets(f[ASIDE], GOAL))
