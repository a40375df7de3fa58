"""``benchmarks/tabular_s67_h16d_rule.py --dev``: a candidate read on part of a spent base is
paired with the default's stored rows by set, not by order."""

from __future__ import annotations

import pytest

from tabular_s67_h16d_rule import dev_pairs


def _row(seed: int | None, tpr: float, fpr: float, poison: int = 10) -> dict:
    return {"dataset": "lending-club", "attack": "tabular-conjunction" if seed else "(none)",
            "target": 0, "seed": seed, "poison": poison if seed else 0, "tpr": tpr, "fpr": fpr}


def test_dev_pairs_match_by_set_and_count_gains_and_losses() -> None:
    default = [_row(None, float("nan"), 0.008), _row(1, 0.0, 0.008), _row(2, 1.0, 0.01),
               _row(3, 1.0, 0.01)]
    candidate = [_row(3, 1.0, 0.012), _row(1, 1.0, 0.009), _row(2, 0.5, 0.01),
                 _row(None, float("nan"), 0.008)]
    out = dev_pairs(default, candidate)
    assert (out["dirty"], out["found_default"], out["found_candidate"]) == (3, 2, 2)
    assert [k[3] for k in out["gained"]] == [1] and [k[3] for k in out["lost"]] == [2]
    assert [c[0][3] for c in out["changed"]] == [3, 1, 2]  # the clean set's FPR is unchanged
    assert out["worst_fpr"] == pytest.approx(0.012)


def test_dev_pairs_refuse_a_set_the_default_did_not_read() -> None:
    with pytest.raises(SystemExit, match="no default row"):
        dev_pairs([_row(1, 1.0, 0.0)], [_row(2, 1.0, 0.0)])
