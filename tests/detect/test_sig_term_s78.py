"""Stop 78 (issue 9, h9sig): the SIG probe's second reading (``sig_phase_<c>``: each period's
range over its phases) and its raise term ``"<scorer>:sig"`` in ``calibrate``."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import InspectionTarget, ModelVerdict
from trojanscope.detect.blend_low import LOW_UNNAMED
from trojanscope.detect.calibration import Calibrator, calibrate
from trojanscope.detect.sig_probe import (
    PHASE_AMP,
    SIG_LOGIT,
    SIG_PHASE,
    SIG_UNNAMED,
    check_sig_terms,
    phase_ranges,
    sig_features,
    sig_note,
    sig_phase_lead,
    sig_shares,
    sig_term,
)

SCORER = "auto:out-of-coverage"
GAP = ["activation:relu", "layer:conv", "norm:batch", "pool:global_avg"]
KIND = "784/10:" + "+".join(sorted(GAP))


class _Stripes(nn.Module):
    """Class 3 where the columns correlate with a 5-period sinusoid at phase 0 (``locked``: a
    SIG backdoor in miniature, answering its own position), or where the columns swing at all
    (a sink that answers any fine stripes, whatever their phase); else the brightest row's
    class (a horizontal sinusoid leaves the rows' means as they were)."""

    def __init__(self, locked: bool) -> None:
        super().__init__()
        self.locked = locked
        self.register_buffer("wave", torch.sin(2 * math.pi * torch.arange(8) * 5 / 8))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = 10.0 * nn.functional.one_hot(x.mean(3).flatten(1).argmax(1), 10).float()
        cols = (x - x.mean((2, 3), keepdim=True)).mean(2).flatten(1)  # (N, W)
        hit = (cols * self.wave).mean(1) > 0.006 if self.locked else cols.std(1) > 0.014
        out[:, 3] = out[:, 3] + 100.0 * hit.float()
        return out


def _data() -> TensorDataset:
    torch.manual_seed(1)
    x = 0.45 + 0.1 * torch.rand(200, 1, 8, 8)
    return TensorDataset(x, torch.arange(200) % 10, tuple(str(c) for c in range(10)))


def _ranges(locked: bool) -> dict[str, float]:
    got = phase_ranges(InspectionTarget(_Stripes(locked).eval(), (1, 8, 8), 10, _data()),
                       torch.Generator().manual_seed(0), freqs=(2, 5))
    return {f"{SIG_PHASE}{c}": r for c, r in enumerate(got)}


def test_a_phase_locked_answer_leads_and_a_sink_for_any_stripes_does_not() -> None:
    """Both send every input to class 3 at some sinusoid (stop 77's share reads them alike);
    only the phase-locked one leads on the second reading."""
    for locked in (True, False):
        shares = sig_shares(InspectionTarget(_Stripes(locked).eval(), (1, 8, 8), 10, _data()),
                            torch.Generator().manual_seed(0), freqs=(2, 5), amps=(PHASE_AMP,))
        assert shares[3] == 1.0
    top, _, lead = sig_phase_lead(_ranges(True))
    assert top == 3 and lead >= 0.5
    assert sig_phase_lead(_ranges(False))[2] < 0.2  # every phase answered alike


def _cals(lead: float = 0.5, kinds: dict | None = None, min_clean: int = 8) -> dict:
    key = f"{SCORER}:sig"
    on = {"lead": lead, "kinds": kinds or {}, "min_clean": min_clean}
    return {SCORER: Calibrator(method=SCORER, features=[], coef=[], intercept=-3.0),
            key: Calibrator(method=key, features=[], coef=[], intercept=0.0, fitted_on=on)}


def _verdict(top: int = 5, rng: float = 0.85, second: float = 0.2, named: int = 8,
             p: float = 0.03) -> ModelVerdict:
    f = {f"{SIG_PHASE}{c}": rng if c == top else (second if c == (top + 1) % 10 else 0.0)
         for c in range(10)}
    f.update({"mmbd_input_size": 784.0, **{f"mmbd_class_ratio_{c}": 1.0 for c in range(10)}})
    return ModelVerdict(method="auto", statistic=1.0, per_class=[], features=f, probability=p,
                        target_classes=[named, *(c for c in range(10) if c != named)],
                        traits=GAP)


def test_a_lead_above_the_bar_is_raised_to_the_flag_and_named_else_nothing_moves() -> None:
    v = _verdict()
    assert sig_term(v, _cals(), SCORER) > 3.0 and v.probability == pytest.approx(0.5)
    assert v.target_classes[0] == 5 and v.features[SIG_UNNAMED] == 8.0
    assert "class 5" in sig_note(v.features) and "named before class 8" in sig_note(v.features)
    low = _verdict(rng=0.6, second=0.2)  # lead 0.4 under the bar 0.5
    assert sig_term(low, _cals(), SCORER) == 0.0 and low.probability == 0.03
    assert low.target_classes[0] == 8 and sig_note(low.features) is None


def test_its_trait_set_bar_is_read_with_enough_clean_heads_and_it_never_lowers() -> None:
    own = {KIND: {"n_clean": 8, "lead": 0.7}}
    v = _verdict()  # lead 0.65: over 0.5, under its trait set's 0.7
    assert sig_term(v, _cals(kinds=own), SCORER) == 0.0
    assert sig_term(v, _cals(kinds=own, min_clean=9), SCORER) > 0  # too few: the 0.5 bar
    high = _verdict(named=5, p=0.97)
    assert sig_term(high, _cals(), SCORER) == 0.0 and high.probability == 0.97
    assert sig_term(_verdict(), {SCORER: _cals()[SCORER]}, SCORER) == 0.0  # no entry


def test_calibrate_applies_it_after_blend_low_and_a_second_calibration_reads_the_same() -> None:
    v = _verdict()
    v.features["mmbd_neglog10_p"] = 1.0
    on = _cals()[f"{SCORER}:sig"].fitted_on
    cals = {"auto": Calibrator(method="auto", features=["mmbd_neglog10_p"], coef=[0.0],
                               intercept=-3.0),
            "auto:sig": Calibrator(method="auto:sig", features=[], coef=[], intercept=0.0,
                                   fitted_on=on)}
    calibrate(v, cals)
    first = (v.probability, list(v.target_classes), v.features.get(SIG_LOGIT))
    calibrate(v, cals)
    assert (v.probability, list(v.target_classes), v.features.get(SIG_LOGIT)) == first
    assert v.probability == pytest.approx(0.5) and v.target_classes[0] == 5
    assert v.features[SIG_UNNAMED] == 8.0 and LOW_UNNAMED not in v.features
    assert any("class 5" in n for n in v.term_notes)


@pytest.mark.parametrize("fitted", [{"lead": 1.2}, {}, {"lead": 0.5, "min_clean": 0},
                                    {"lead": 0.5, "kinds": {KIND: {"lead": 0.5}}}])
def test_an_entry_it_could_not_read_is_refused(fitted: dict) -> None:
    cals = _cals()
    cals[f"{SCORER}:sig"].fitted_on = fitted
    with pytest.raises(ValueError, match="sig"):
        check_sig_terms(cals)


def test_the_probe_records_both_readings_seeded() -> None:
    torch.manual_seed(0)
    gap = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 10)).eval()
    target = InspectionTarget(gap, (1, 8, 8), 10, _data())
    got = sig_features(target, 0)
    assert {k for k in got if k.startswith(SIG_PHASE)} == {f"{SIG_PHASE}{c}" for c in range(10)}
    assert all(0.0 <= v <= 1.0 for v in got.values()) and got == sig_features(target, 0)


def test_the_committed_candidate_bars_come_from_the_committed_dev_rows() -> None:
    """``cal_sig.json``'s entries are ``outside_sig_term.with_sig`` of ``dev_rows/`` at margin
    0.15 (a trait set without 8 clean heads reads 1.0)."""
    from pathlib import Path

    from outside_named_rule import read_rows
    from outside_sig_term import with_sig
    from trojanscope.detect.calibration import load_calibrators

    here = Path(__file__).resolve().parents[2] / "benchmarks/data/outside_s78_h9sig"
    rows = [r for f in sorted((here / "dev_rows").glob("*.jsonl.gz"))
            for r in read_rows(f"{f.name.split('.')[0]}={f}")]
    today = load_calibrators(here / "cal_today.json")
    fitted = with_sig(today, rows, 0.15)["auto:sig"].fitted_on
    committed = load_calibrators(here / "cal_sig.json")["auto:sig"].fitted_on
    assert fitted["kinds"] == committed["kinds"] and fitted["lead"] == committed["lead"] == 1.0
    assert committed["kinds"][f"784/10:{'+'.join(sorted([*GAP, 'pool:max']))}"][
        "lead"] == 0.4  # gap_cls_relu's: its 24 clean heads' largest 0.25 + 0.15
