"""``strip-text``'s ``least_share`` (issue 15, stop 65, opt-in): beside the group rank's threshold
(``occlude_rule="lost"``), a second one on the depth ``-log10`` of the least an input keeps of its
class without its worst window, for inputs ranked at least ``least_gate`` in their group, the
guard's FPR budget shared between the two; the benchmark's ``second:W:S`` reads the same flags."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

from trojanscope import registry
from trojanscope.detect.input_level.base import fit_guard, pac_threshold
from trojanscope.detect.input_level.span_occlusion import worst_window
from trojanscope.errors import UserInputError

from .test_span_text import PAD, Trigger, rows
from .test_strip_text_lost import LOST, SPECIAL, fitted

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from span_text_report import second_threshold

SECOND = {**LOST, "least_share": 0.5, "least_gate": 0.0}  # a share and gate the toy feels


def guarded(fit: torch.Tensor, **params):
    det = fitted(fit, **params)
    return det, fit_guard(Trigger(), det, fit, fpr=0.2, generator=torch.Generator().manual_seed(0))


def test_the_two_thresholds_share_the_budget_and_flag_what_the_benchmark_flags() -> None:
    fit, new = rows(60, 4), torch.cat([rows(40, 6), rows(6, 7, trigger=True)])
    model = Trigger()
    with torch.no_grad():
        lost, guard_lost = guarded(fit, **LOST)
        det, guard = guarded(fit, **SECOND)
        ranks = {"guard": det.fit_ranks_.double(), "neg": lost.score(new).double()}
        least = {s: worst_window(model, x, model(x).argmax(1), 3, 1, 64, PAD, SPECIAL)[0].double()
                 for s, x in (("guard", fit), ("neg", new))}
        scores, flagged = guard.check(new)
    depth = -torch.log10(least["guard"])
    assert guard.threshold == pac_threshold(ranks["guard"], 0.1, 0.95)  # 1 - 0.5 of 0.2
    assert det.depth_bar_ == pac_threshold(depth, 0.1, 0.95)
    assert guard.threshold >= guard_lost.threshold  # less budget, a higher bar
    ranks["trig"], least["trig"] = ranks["neg"], least["neg"]  # the benchmark wants three sets
    want = second_threshold(ranks, least, 0.2, 0.95, share=0.5, gate=0.0)["neg"] > 0
    assert flagged.tolist() == want.tolist()
    lifted = scores >= 2.0  # past the second threshold: above every rank
    assert bool(lifted.any()) and bool((-torch.log10(least["neg"][lifted]) > det.depth_bar_).all())
    assert bool(flagged[40:].all())


def test_off_by_default_off_the_transformer_default_and_before_a_guard() -> None:
    fit, new = rows(30, 4), rows(10, 5)
    with torch.no_grad():
        plain, det = fitted(fit, **LOST), fitted(fit, **{**LOST, "least_share": 0.2})
        # stop 66: None resolves to 0 where occlude is not the transformer default's (3, not 5)
        assert plain.resolved_params()["least_share"] == 0.0
        assert det.resolved_params()["least_share"] == 0.2
        assert torch.equal(det.score(new), plain.score(new))  # no guard yet: the ranks
        assert det.forward_passes_per_input == plain.forward_passes_per_input


@pytest.mark.parametrize("params, says", [
    ({"least_share": 1.0}, "least_share must be a number >= 0 and < 1, got 1.0"),
    ({"least_share": -0.1}, "least_share must be a number >= 0.0 and <= 1.0, got -0.1"),
    ({"least_share": 0.2, "least_gate": 1.5}, "least_gate must be a number >= 0.0 and <= 1.0"),
    ({"least_share": 0.2, "calibrate": "folds"}, "least_share sets its threshold on the "
     "detector's own scores: it needs calibrate=own, got calibrate='folds'"),
    ({"least_share": 0.2, "occlude": 0}, "least_share reads the worst window of the grouped "
     "rules: it needs occlude_rule lost or deep"),
    ({"least_share": 0.2, "occlude": 3, "occlude_rule": "beyond"}, "got occlude=3, "
     "occlude_rule='beyond'"),
])
def test_bad_values_are_refused_by_name(params: dict, says: str) -> None:
    with pytest.raises(ValueError, match=None) as err:
        registry.create("input-detector", "strip-text", **params)
    assert says in str(err.value)


def test_a_model_where_no_grouped_rule_resolves_is_refused_at_fit() -> None:
    det = registry.create("input-detector", "strip-text", n=4, least_share=0.2)
    with pytest.raises(UserInputError, match="least_share needs occlude_rule lost or deep"):
        det.fit(Trigger(), rows(20, 4), generator=torch.Generator().manual_seed(0))
