"""``gated``'s ``dense_fall`` (issue 12, stop 80 hwc): where ``dense_gate`` opened (a dense image
model rated below the gate), the residual probe opens the second stage only on the reversed
trigger's fall; a striped perturbation alone hands the input model back. On spent user run 340a
the stripe (0.208) opened the stages at a class whose trigger kept 0.842 of its success, and
they cost 6.93 points. Hand-wired models from ``test_gated_unlearn``."""

from __future__ import annotations

import pytest
import torch
from test_gated_unlearn import Clean, data, two_stages
from test_nothing_left import flag
from test_stripe_projection import stages_run

from trojanscope import registry
from trojanscope.errors import UserInputError
from trojanscope.mitigate import residual

torch.set_num_threads(1)

# what the probe read on spent user run 340a (class 5, target 8; stop 80 development)
RUN_340A = {"trigger_before": 0.792, "trigger_after": 0.667, "kept": 0.842,
            "perturbation": 0.208}
# and on 271a (its target, the weak run the stages took to the goal)
RUN_271A = {"trigger_before": 0.565, "trigger_after": 0.087, "kept": 0.154,
            "perturbation": 0.087}


def _same(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    sb = b.state_dict()
    return all(torch.equal(v, sb[k]) for k, v in a.state_dict().items())


@pytest.mark.parametrize(("probe", "p", "fall", "runs"), [
    (RUN_340A, 0.005, 1, False),  # opened, the stripe alone: the input model back
    (RUN_340A, 0.005, 0, True),   # off: the stripe opens the stage, as today
    (RUN_340A, 0.9, 1, True),     # flagged: dense_gate did not open, the probe as today
    (RUN_271A, 0.011, 1, True),   # opened, the trigger fell: the stage runs
])
def test_under_an_opened_gate_only_the_trigger_fall_opens_the_stage(monkeypatch, probe, p,
                                                                     fall, runs) -> None:
    model, clean = Clean().eval(), data()
    monkeypatch.setattr(residual, "residual", lambda *a, **k: dict(probe))
    calls = stages_run(monkeypatch)
    flag(monkeypatch, p)
    method = two_stages(dense_fall=fall, dense_project=0, warp=0, stripe_gate=0)
    out = method.apply(model, clean)
    assert bool(calls) is runs
    said = method.report_.get("dense_fall")
    if fall and p < 0.2:
        assert said["kept"] == probe["kept"]
        assert said["action"].startswith("the stripe alone" if not runs else "none:")
    else:
        assert said is None
    if not runs:
        assert not method.treated and _same(out, model)


def test_off_by_default_and_a_bad_value_is_refused_in_one_line() -> None:
    assert registry.create("mitigation", "gated").dense_fall is False
    with pytest.raises(UserInputError, match="dense_fall"):
        registry.create("mitigation", "gated", dense_fall=2)
