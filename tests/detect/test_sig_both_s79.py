"""Stop 79 (issue 9, h9sig): ``"<scorer>:sig-share"`` (the SIG probe's share reading, its grid
2-12) beside ``"<scorer>:sig"`` (the phase reading) in one raise: the phase first, the share
where the phase did not lead beyond its bar."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import InspectionTarget, ModelVerdict
from trojanscope.detect.calibration import Calibrator, calibrate
from trojanscope.detect.sig_probe import (
    FREQS,
    SIG_BY_SHARE,
    SIG_LOGIT,
    SIG_PHASE,
    SIG_SHARE,
    SIG_UNNAMED,
    check_sig_terms,
    sig_note,
    sig_shares,
    sig_term,
)

SCORER = "auto:out-of-coverage"
GAP = ["activation:relu", "layer:conv", "norm:batch", "pool:global_avg"]


class _Nine(nn.Module):
    """Class 3 where the columns correlate with a sinusoid of 9 periods across 28 pixels at
    some phase (a SIG backdoor of a short period, answering every phase alike); else the
    brightest of the first ten rows' class."""

    def __init__(self) -> None:
        super().__init__()
        j = torch.arange(28, dtype=torch.float32)
        self.register_buffer("waves", torch.stack([torch.sin(2 * math.pi * j * 9 / 28),
                                                   torch.cos(2 * math.pi * j * 9 / 28)]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = 10.0 * nn.functional.one_hot(x.mean(3).flatten(1)[:, :10].argmax(1), 10).float()
        cols = (x - x.mean((2, 3), keepdim=True)).mean(2).flatten(1)  # (N, W)
        power = ((cols @ self.waves.T) ** 2).sum(1).sqrt() / 14  # the period-9 amplitude
        out[:, 3] = out[:, 3] + 100.0 * (power > 0.05).float()
        return out


def test_the_share_grid_reads_period_counts_stop_77_did_not() -> None:
    """Stop 77's grid (3-8, 10, 12) did not read 9 and 11, where fresh 9222's missed SIG
    backdoors lie: a head answering period 9 alone reads 1.0 on the grid 2-12, not there."""
    torch.manual_seed(1)
    x = 0.3 + 0.4 * torch.rand(200, 1, 28, 28)
    data = TensorDataset(x, torch.arange(200) % 10, tuple(str(c) for c in range(10)))
    target = InspectionTarget(_Nine().eval(), (1, 28, 28), 10, data)
    now = sig_shares(target, torch.Generator().manual_seed(0))
    before = sig_shares(target, torch.Generator().manual_seed(0), freqs=(3, 4, 5, 6, 7, 8, 10, 12))
    assert tuple(range(2, 13)) == FREQS and now[3] == 1.0 and before[3] < 0.5


def _cals(phase_bar: float = 0.5, share_bar: float | None = 0.5) -> dict:
    def entry(key: str, lead: float) -> Calibrator:
        return Calibrator(method=key, features=[], coef=[], intercept=0.0,
                          fitted_on={"lead": lead, "kinds": {}, "min_clean": 8})

    out = {SCORER: Calibrator(method=SCORER, features=[], coef=[], intercept=-3.0),
           f"{SCORER}:sig": entry(f"{SCORER}:sig", phase_bar)}
    if share_bar is not None:
        out[f"{SCORER}:sig-share"] = entry(f"{SCORER}:sig-share", share_bar)
    return out


def _verdict(phase: tuple[int, float], share: tuple[int, float], named: int = 8,
             p: float = 0.03) -> ModelVerdict:
    f = {f"{SIG_PHASE}{c}": phase[1] if c == phase[0] else 0.0 for c in range(10)}
    f.update({f"{SIG_SHARE}{c}": share[1] if c == share[0] else 0.0 for c in range(10)})
    f.update({"mmbd_input_size": 784.0, **{f"mmbd_class_ratio_{c}": 1.0 for c in range(10)}})
    return ModelVerdict(method="auto", statistic=1.0, per_class=[], features=f, probability=p,
                        target_classes=[named, *(c for c in range(10) if c != named)],
                        traits=GAP)


def test_the_share_raises_where_the_phase_does_not_lead_beyond_its_bar() -> None:
    v = _verdict(phase=(2, 0.3), share=(5, 0.9))  # a short period: every phase alike
    assert sig_term(v, _cals(), SCORER) > 3.0 and v.probability == pytest.approx(0.5)
    assert v.target_classes[0] == 5 and v.features[SIG_BY_SHARE] == 1.0
    assert "one horizontal sinusoid sends 90%" in sig_note(v.features)
    alone = _verdict(phase=(2, 0.3), share=(5, 0.9))  # no share entry: stop 78's term alone
    assert sig_term(alone, _cals(share_bar=None), SCORER) == 0.0 and alone.probability == 0.03


def test_the_phase_goes_first_and_under_both_bars_nothing_moves() -> None:
    v = _verdict(phase=(4, 0.7), share=(6, 0.9))
    assert sig_term(v, _cals(), SCORER) > 3.0
    assert v.target_classes[0] == 4 and SIG_BY_SHARE not in v.features
    assert "at one phase than at another" in sig_note(v.features)
    under = _verdict(phase=(4, 0.4), share=(6, 0.4))
    assert sig_term(under, _cals(), SCORER) == 0.0 and under.target_classes[0] == 8
    assert sig_note(under.features) is None and SIG_BY_SHARE not in under.features


def test_calibrating_twice_reads_the_same_with_both_entries() -> None:
    v = _verdict(phase=(2, 0.3), share=(5, 0.9))
    v.features["mmbd_neglog10_p"] = 1.0
    cals = {k.replace(f"{SCORER}", "auto"): c for k, c in _cals().items()}
    cals["auto"] = Calibrator(method="auto", features=["mmbd_neglog10_p"], coef=[0.0],
                              intercept=-3.0)
    calibrate(v, cals)
    first = (v.probability, list(v.target_classes), v.features.get(SIG_LOGIT),
             v.features.get(SIG_BY_SHARE))
    calibrate(v, cals)
    assert (v.probability, list(v.target_classes), v.features.get(SIG_LOGIT),
            v.features.get(SIG_BY_SHARE)) == first
    assert first[1][0] == 5 and first[3] == 1.0 and v.features[SIG_UNNAMED] == 8.0


@pytest.mark.parametrize("fitted", [{"lead": 1.2}, {}, {"lead": 0.5, "min_clean": 0}])
def test_a_share_entry_it_could_not_read_is_refused(fitted: dict) -> None:
    cals = _cals()
    cals[f"{SCORER}:sig-share"].fitted_on = fitted
    with pytest.raises(ValueError, match="sig-share"):
        check_sig_terms(cals)


def test_the_committed_candidate_bars_come_from_the_committed_dev_rows() -> None:
    """``cal_both.json``'s four entries are ``outside_sig_both.with_both`` of
    ``dev_rows79.jsonl.gz`` read the chosen way (quarter phases, margin 0.15)."""
    from pathlib import Path

    from _common import read_jsonl
    from outside_sig_both import CHOSEN, VARIANTS, joined, with_both
    from trojanscope.detect.calibration import load_calibrators

    here = Path(__file__).resolve().parents[2] / "benchmarks/data/outside_s79_h9sig"
    extra, fine, terms = VARIANTS[CHOSEN[0]]
    rows = joined(read_jsonl(here / "dev_rows79.jsonl.gz"), extra, fine)
    fitted = with_both(load_calibrators(here / "cal_today.json"), rows, CHOSEN[1], terms)
    committed = load_calibrators(here / "cal_both.json")
    for key in ("auto:sig", "auto:sig-share", "auto:out-of-coverage:sig-share"):
        assert fitted[key].fitted_on["kinds"] == committed[key].fitted_on["kinds"]
        assert committed[key].fitted_on["lead"] == 1.0
    relu_bn_max = "784/10:" + "+".join(sorted([*GAP, "pool:max"]))
    assert committed["auto:sig-share"].fitted_on["kinds"][relu_bn_max]["lead"] == 0.85
