"""Stop 79 (issue 9, h9sig): the SIG probe's phase reading at eighth-period steps for short
periods, and ``"<scorer>:sig-share"`` (the share reading) beside ``"<scorer>:sig"`` (the phase
reading) in one raise: the phase first, the share where the phase did not lead beyond its bar."""

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
    phase_ranges,
    sig_note,
    sig_term,
)

SCORER = "auto:out-of-coverage"
GAP = ["activation:relu", "layer:conv", "norm:batch", "pool:global_avg"]


class _Between(nn.Module):
    """Class 3 where the columns swing as ``(-1)^j`` with an amplitude between 0.5 and 0.8 of
    the sinusoid's (a period of two pixels at an odd eighth phase: sin(pi/4) = 0.71; the quarter
    phases give 0 or 1); else the brightest row's class."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = 10.0 * nn.functional.one_hot(x.mean(3).flatten(1)[:, :10].argmax(1), 10).float()
        cols = (x - x.mean((2, 3), keepdim=True)).mean(2).flatten(1)  # (N, W)
        sign = (-1.0) ** torch.arange(cols.shape[1])
        swing = (cols * sign).mean(1).abs() / 0.25  # a share of the amplitude (range 1)
        out[:, 3] = out[:, 3] + 100.0 * ((swing > 0.5) & (swing < 0.8)).float()
        return out


def _data() -> TensorDataset:
    torch.manual_seed(1)
    x = 0.49 + 0.02 * torch.rand(200, 1, 16, 16)
    x[:, 0, 15, 0], x[:, 0, 15, 1] = 0.0, 1.0  # the data's range: 0-1
    return TensorDataset(x, torch.arange(200) % 10, tuple(str(c) for c in range(10)))


def test_eighth_steps_read_a_short_period_the_quarter_steps_do_not() -> None:
    """At 8 periods across 16 pixels every quarter-step phase gives a swing of 0 or 1; only
    the eighth steps (from FINE_FROM on) reach the model's band."""
    target = InspectionTarget(_Between().eval(), (1, 16, 16), 10, _data())
    quarter = phase_ranges(target, torch.Generator().manual_seed(0), freqs=(8,), fine_from=None)
    fine = phase_ranges(target, torch.Generator().manual_seed(0), freqs=(8,))
    assert quarter[3] == 0.0 and fine[3] >= 0.85  # 0.1 at every quarter step, 1.0 between
    assert tuple(range(2, 13)) == FREQS  # the share's grid reads 9 and 11 too


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


def test_the_eighth_phases_are_the_quarter_phases_and_their_midpoints() -> None:
    from trojanscope.detect.sig_probe import FINE_PHASES, PHASES

    assert set(PHASES) <= set(FINE_PHASES) and len(FINE_PHASES) == 8
    assert FINE_PHASES[1] == pytest.approx(math.pi / 4)
