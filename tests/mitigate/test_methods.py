"""Every registered mitigation meets the contract (generated from the registry), and the
shared layer helpers do what the pruning methods rely on."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from trojanscope import registry
from trojanscope.errors import UserInputError
from trojanscope.mitigate.base import (
    KeepPruned,
    Mitigation,
    channel_pruned,
    hidden_layers,
    zero_channels,
)
from trojanscope.mitigate.run import attack_triggered, mitigate

METHODS = registry.names("mitigation")
FAST = {"epochs": 2, "teacher_epochs": 1, "rounds": 1}  # what a method takes of these, for speed


def fast(name: str) -> Mitigation:
    """``name`` with what it takes of ``FAST``; a method that treats through another (gated's
    ``then``, FT-SAM at 40 epochs by default) gets that one at ``FAST`` too: the same code path
    in fewer steps (stop 61: gated's contract 29.8 -> 20.6 CPU-s)."""
    cls = registry.get("mitigation", name)
    method = cls(**{k: v for k, v in FAST.items() if k in cls.param_names()})
    if isinstance(getattr(method, "inner", None), Mitigation):
        method.inner = fast(method.inner.name)
    return method


def test_the_issue_methods_are_registered() -> None:
    assert {"finetune", "fineprune", "clp", "anp", "nad", "ibau", "ftsam"} <= set(METHODS)


@pytest.mark.parametrize("name", METHODS)
def test_mitigation_contract(name: str, backdoored_run, tiny_test, shared_inspections) -> None:
    """A gated or adaptive method's detections go through the worker's inspection memo (stop
    62): its second apply inspects the same model with the same data and seed as its first
    (only models with the same weights share; a treatment that did not repeat itself would
    give other weights, a detection of their own and the assertion below). The detectors'
    own determinism is ``test_detector_contract.py``'s ``test_inspect_contract``."""
    method = fast(name)
    assert isinstance(method, Mitigation) and method.name == name
    model = backdoored_run.model
    before = {k: v.clone() for k, v in model.state_dict().items()}
    out = method.apply(model, tiny_test, seed=3)
    again = fast(name).apply(model, tiny_test, seed=3)
    assert out is not model and not out.training
    for k, v in model.state_dict().items():  # the caller's model is untouched
        assert torch.equal(v, before[k]), k
    for k, v in out.state_dict().items():  # the same seed gives the same model
        assert torch.equal(v, again.state_dict()[k]), k
    assert torch.isfinite(out(tiny_test.x[:4])).all()
    if method.needs_data:
        with pytest.raises(UserInputError, match="needs clean data"):
            method.apply(model, None)
        with pytest.raises(UserInputError, match=f"at least {method.min_samples}"):
            method.apply(model, tiny_test.subset(list(range(method.min_samples - 1))))


def test_methods_that_train_change_the_weights(backdoored_run, tiny_test) -> None:
    model = backdoored_run.model
    for name in ("finetune", "nad", "ibau", "ftsam"):
        out = fast(name).apply(model, tiny_test)
        moved = sum(float((a - b).detach().abs().sum()) for a, b in
                    zip(out.parameters(), model.parameters(), strict=True))
        assert moved > 0, name


def test_ibau_removes_the_tiny_backdoor(backdoored_run, tiny_test) -> None:
    """The strongest method on our zoo must also work on the tiny fixture (a test that fails
    when the unlearning does nothing)."""
    result = mitigate(backdoored_run.model, registry.create("mitigation", "ibau"), tiny_test,
                      trigger_of=attack_triggered(backdoored_run.attack))
    assert result.before["asr"] > 0.8
    assert result.after["asr"] < 0.5 * result.before["asr"]


def _conv_bn() -> nn.Module:
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(),
                         nn.Linear(4 * 6 * 6, 5), nn.ReLU(), nn.Linear(5, 3)).eval()


def test_zero_channels_silences_conv_and_its_batchnorm() -> None:
    model = _conv_bn()
    zero_channels(model, "0", [1, 3])
    assert channel_pruned(model, "0").tolist() == [1, 3]
    out = model[:2](torch.rand(2, 1, 8, 8))
    assert torch.all(out[:, [1, 3]] == 0) and torch.any(out[:, 0] != 0)


def test_hidden_layers_leave_out_the_output_layer() -> None:
    assert [n for n, _ in hidden_layers(_conv_bn())] == ["0", "4"]
    with pytest.raises(UserInputError, match="convolution or linear"):
        hidden_layers(nn.Sequential(nn.Flatten(), nn.Linear(3, 2)))


def test_keep_pruned_zeroes_again_after_a_step() -> None:
    model = _conv_bn()
    zero_channels(model, "0", [2])
    with torch.no_grad():
        model[0].weight.add_(1.0)
    KeepPruned({"0": torch.tensor([2])}).on_batch_end(type("S", (), {"model": model})())
    assert channel_pruned(model, "0").tolist() == [2]


def test_clp_prunes_an_outlying_channel_without_data() -> None:
    model = _conv_bn()
    with torch.no_grad():
        model[0].weight[2] *= 50  # one channel with a huge Lipschitz bound
    out = registry.create("mitigation", "clp", u=1.0).apply(model, None)
    assert 2 in channel_pruned(out, "0").tolist()
    assert channel_pruned(model, "0").numel() == 0


def test_goal_per_model() -> None:
    from trojanscope.mitigate.zoo_eval import MitigationRow, summarise

    rows = [MitigationRow("a", "badnets", True, 200, 0.97, 0.955, 0.99, 0.02, 3.0),
            MitigationRow("b", "badnets", True, 200, 0.97, 0.94, 0.99, 0.0, 5.0),  # CA -3
            MitigationRow("c", "sig", True, 200, 0.97, 0.97, 0.99, 0.05, 1.0),  # ASR 5%
            MitigationRow("d", None, False, 200, 0.97, 0.955, None, None, 9.0)]  # clean -1.5
    assert [r.meets_goal for r in rows] == [True, False, False, False]
    s = summarise(rows)
    assert s["backdoored_meeting_goal"] == "1/3" and s["clean_meeting_goal"] == "0/1"
    assert s["max_asr_after"] == 0.05 and s["median_s"] == 4.0


def test_a_loss_of_exactly_two_points_in_float32_meets_the_goal() -> None:
    """16 of 800 images lost reads 0.0200000405 in float32 shares (2454/sparse-004 at stop 56
    was counted a miss); 17 of 800 is one image past the bar."""
    from trojanscope.mitigate.zoo_eval import MitigationRow

    def row(before: int, after: int, asr: int = 4) -> MitigationRow:
        share = lambda k, n: float(torch.tensor(k / n, dtype=torch.float32))  # noqa: E731
        return MitigationRow("m", "sparse", True, 200, share(before, 800), share(after, 800),
                             0.99, share(asr, 720), 1.0)

    assert row(736, 720).ca_before - row(736, 720).ca_after > 0.02 + 1e-9  # the old reading
    assert row(736, 720).meets_goal
    assert not row(736, 719).meets_goal
    assert not row(736, 730, asr=15).meets_goal  # 15 of 720 triggered images: 2.08%


def test_a_run_records_its_cpu_seconds_beside_the_wall_time(backdoored_run) -> None:
    """Since issue 12 stop 62 a run (and every zoo row) records the process's CPU seconds: a
    method that waits 0.3 s shows the wait in the wall time, not in the CPU time, so a busy
    machine's queueing is read apart from the work."""
    import time

    from trojanscope.mitigate.base import Mitigation
    from trojanscope.mitigate.zoo_eval import MitigationRow, median_cpu

    class Waits(Mitigation):
        name = "waits"
        needs_data = False

        def purify(self, model, clean, seed):
            time.sleep(0.3)
            return model

    result = mitigate(backdoored_run.model, Waits(), None)
    assert result.elapsed_s >= 0.3 and 0.0 <= result.cpu_s < 0.2
    assert result.as_dict()["cpu_s"] == result.cpu_s
    old = MitigationRow("a", None, False, 200, 0.9, 0.9, None, None, 3.0)  # a row before stop 62
    assert old.cpu_s is None and median_cpu([old]) is None
    rows = [old, MitigationRow("b", None, False, 200, 0.9, 0.9, None, None, 3.0, 2.0),
            MitigationRow("c", None, False, 200, 0.9, 0.9, None, None, 9.0, 4.0)]
    assert median_cpu(rows) == 3.0
