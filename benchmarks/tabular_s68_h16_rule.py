"""Issue 16 stop 68's rule (h16): LightGBM's trees read with ``-p box_rank=bound_lightgbm -p
box_target=deficit`` (candidate C68) and scored by the shipped file, judged on three 200-row
files per fresh model against today's default.

Stop 67's rule (``tabular_s67_h16_rule.py``: R = D but for each LightGBM tree's reading,
replaced by its candidate reading on the same file; conditions 1-10 as there, the README line
read as R = D: an XGBoost model, which the candidate reads as today, checked on the files read
both ways), with one more (``benchmarks/data/tabular_s68_h16/plan.md``):

2b. credit-default's XGBoost readings (clean and backdoored): cross-entropy R <= D, and the
    higher cross-entropy of its target-0 and target-1 families R <= D's.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s68_h16_rule.py --calibration C.json \
        --file0 D_CD.json D_LC.json ... --cand0 D_CD.json D_LC.json R_CD.json R_LC.json ... \
        --whole W_CD.json W_LC.json --readme README.json ...
"""

from __future__ import annotations

from tabular_s64_h16_rule import CD
from tabular_s67_h16_rule import main as s67_main
from tabular_small_clean import _ce

LIBRARY = "xgboost"  # the library the stop's condition 2b names


def library_ce(rows: list[dict], lib: str = LIBRARY) -> tuple[float, float, str]:
    """Credit-default's ``lib`` readings: their cross-entropy, and the higher of its target-0
    and target-1 families' (backdoors towards the class with every clean tree of ``lib``)."""
    mine = [r for r in rows if r["table"] == CD and r["arch"] == lib]
    worst = []
    for t in (0, 1):
        fam = [r for r in mine if not r["backdoored"] or r["target"] == t]
        if any(r["backdoored"] for r in fam):
            worst.append((_ce(fam), f"{lib} target {t}"))
    ce, name = max(worst) if worst else (float("nan"), "none")
    return (_ce(mine) if mine else float("nan")), ce, name


def library_conditions(d: list[dict], r: list[dict]) -> list[tuple[str, str, bool]]:
    """Condition 2b: both sides of credit-default's XGBoost cross-entropy and its worse
    target family."""
    (all_r, fam_r, name_r), (all_d, fam_d, name_d) = library_ce(r), library_ce(d)
    return [(f"2b credit-default {LIBRARY} CE R <= D", f"{all_r:.3f} vs {all_d:.3f}",
             all_r <= all_d),
            (f"2b credit-default {LIBRARY}'s worse target family CE R <= D",
             f"{fam_r:.3f} ({name_r}) vs {fam_d:.3f} ({name_d})", fam_r <= fam_d)]


if __name__ == "__main__":
    s67_main(__doc__, library_conditions)
