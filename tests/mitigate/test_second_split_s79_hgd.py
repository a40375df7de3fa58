"""Stop 79 (hgd): ``mitigate``'s second split. Where ``gated``'s CA guard stopped the second
stage, the run goes again with ``seed + 1`` and the second run is kept only where its guard did
not stop it; where the guard did not stop, nothing more runs. The choice reads the method's own
report, never the held-out figures. No model is trained: a stub method reports how its stage
ended by seed and marks the model with the seed it ran on."""

from __future__ import annotations

import pytest
import torch
from test_first_contact_s73 import _cnn
from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.mitigate.base import Mitigation
from trojanscope.mitigate.run import mitigate
from trojanscope.mitigate.second_split import GUARD_STOP, guard_stopped


class _Stopped(Mitigation):
    """A method whose second stage is stopped by the guard on the seeds in ``stopped``; it
    sets the model's last bias to the seed it ran on, so the kept run can be told."""

    name = "gated"
    min_samples = 1

    def __init__(self, stopped: tuple[int, ...] = (0,), skipped: tuple[int, ...] = ()) -> None:
        self.stopped, self.skipped = stopped, skipped
        self.seeds: list[int] = []

    def purify(self, model: nn.Module, clean: TensorDataset | None, seed: int) -> nn.Module:
        self.seeds.append(seed)
        with torch.no_grad():
            model[-1].bias.fill_(float(seed))
        action = GUARD_STOP if seed in self.stopped else "all rounds"
        self.report_ = {"action": "treated with ftsam",
                        "unlearn": {"action": action, "rounds": 2 + seed}}
        if seed in self.skipped:  # the probe skipped the stage: no rounds (the original back)
            self.report_["unlearn"] = {"action": SKIPPED}
        return model


SKIPPED = "skipped: no backdoor left to unlearn (reverted to the original model)"


def _clean() -> TensorDataset:
    torch.manual_seed(1)
    y = torch.arange(3).repeat(40)
    return TensorDataset(torch.rand(len(y), 1, 8, 8), y, class_names=("a", "b", "c"), name="c")


def _run(method: _Stopped, **kwargs) -> object:
    return mitigate(_cnn(equal=True), method, _clean(), input_shape=(1, 8, 8), **kwargs)


def test_the_second_split_is_kept_where_its_guard_did_not_stop() -> None:
    method = _Stopped(stopped=(0,))
    result = _run(method, second_split=True)
    assert method.seeds == [0, 1]
    assert float(result.model[-1].bias[0].detach()) == 1.0  # the seed-1 run's model
    assert result.decided["second_split"] == {
        "first": {"seed": 0, "action": GUARD_STOP, "rounds": 2}, "kept": "second",
        "second": {"seed": 1, "action": "all rounds", "rounds": 3}}
    assert result.notes[0].startswith("clean data split (seed 1)")  # the kept run's figures
    assert "that run is kept" in result.notes[-1] and "seed 0, round 2" in result.notes[-1]
    assert not guard_stopped(result.decided)


def test_the_time_is_both_runs() -> None:
    from trojanscope.mitigate.run import MitigationResult
    from trojanscope.mitigate.second_split import retried

    def result(seed: int) -> MitigationResult:
        stage = {"action": GUARD_STOP if seed == 0 else "all rounds", "rounds": 3}
        return MitigationResult(nn.Identity(), "gated", {}, 100, 100, None, {}, {},
                                elapsed_s=10.0 + seed, notes=[], cpu_s=5.0 + seed,
                                decided={"unlearn": stage})

    kept = retried(result, 0)
    assert (kept.elapsed_s, kept.cpu_s) == (21.0, 11.0)


def test_the_first_run_is_kept_where_the_guard_stops_both() -> None:
    method = _Stopped(stopped=(0, 1))
    result = _run(method, second_split=True)
    assert method.seeds == [0, 1]
    assert float(result.model[-1].bias[0].detach()) == 0.0
    assert result.decided["second_split"]["kept"] == "first"
    assert result.notes[0].startswith("clean data split (seed 0)")
    assert "the guard stopped it too (round 3): the first run is kept" in result.notes[-1]


def test_a_second_split_whose_stage_did_not_run_is_not_kept() -> None:
    """Stop 79's fresh read: five second splits skipped the stage (the probe found "no backdoor
    left") and handed back the original model; the first version kept them (ASR 100%)."""
    method = _Stopped(stopped=(0,), skipped=(1,))
    result = _run(method, second_split=True)
    assert method.seeds == [0, 1] and float(result.model[-1].bias[0].detach()) == 0.0
    assert result.decided["second_split"]["kept"] == "first"
    assert result.decided["second_split"]["second"] == {"seed": 1, "action": SKIPPED,
                                                        "rounds": None}
    assert f"its second stage did not run ('{SKIPPED}'): the first run is kept" in (
        result.notes[-1])


@pytest.mark.parametrize("second_split", [True, False])
def test_nothing_more_runs_where_the_guard_did_not_stop(second_split: bool) -> None:
    method = _Stopped(stopped=())
    result = _run(method, second_split=second_split)
    assert method.seeds == [0]
    assert "second_split" not in result.decided
    assert result.notes == _run(_Stopped(stopped=())).notes


def test_off_by_default_a_stopped_run_stands() -> None:
    method = _Stopped(stopped=(0,))
    result = _run(method)
    assert method.seeds == [0] and guard_stopped(result.decided)


def test_the_held_out_figures_are_not_read_to_choose(monkeypatch) -> None:
    """The kept run is the same whatever the held-out figures say: a measure that makes the
    second run look worse still keeps it (its guard did not stop)."""
    import trojanscope.mitigate.run as run_module

    calls: list[int] = []
    real = run_module.measure

    def worse_later(model, held, triggered):
        calls.append(1)
        out = real(model, held, triggered)
        out["ca"] = 1.0 if len(calls) <= 2 else 0.0  # the first run's figures look best
        return out

    monkeypatch.setattr(run_module, "measure", worse_later)
    result = _run(_Stopped(stopped=(0,)), second_split=True)
    assert result.decided["second_split"]["kept"] == "second" and result.after["ca"] == 0.0


@pytest.mark.parametrize(("given", "asked"), [([], None), (["--second-split"], True),
                                               (["--one-split"], False)])
def test_the_cli_passes_the_flag_or_the_default(tmp_path, monkeypatch, backdoored_run,
                                                tiny_test, given, asked) -> None:
    """``mitigate`` passes ``--second-split``/``--one-split`` as given, and without either
    :data:`~trojanscope.mitigate.second_split.SECOND_SPLIT` (read there, the one place)."""
    from test_holdout_default_s74 import cli_mitigate

    from trojanscope.errors import UserInputError
    from trojanscope.mitigate import second_split

    seen: dict = {}

    def stop(*_args, **kwargs):
        seen.update(kwargs)
        raise UserInputError("stopped here")

    import trojanscope.mitigate.zoo_eval  # noqa: F401  (binds mitigate at import: first)

    monkeypatch.setattr("trojanscope.mitigate.run.mitigate", stop)
    for default in (True, False):
        monkeypatch.setattr(second_split, "SECOND_SPLIT", default)
        where = tmp_path / str(default)
        where.mkdir()
        assert cli_mitigate(where, backdoored_run, tiny_test, *given) == 2
        assert seen["second_split"] is (default if asked is None else asked)


def test_a_data_free_run_says_the_second_split_had_nothing_to_split() -> None:
    """Stop 79 review (hrev): ``mitigate RUN --data-free --second-split`` dropped the option
    unsaid; it now ends with one note, and the run is the one-split run."""

    class _Free(Mitigation):
        name, needs_data = "clp", False

        def purify(self, model: nn.Module, clean: TensorDataset | None, seed: int) -> nn.Module:
            return model

    result = mitigate(_cnn(equal=True), _Free(), None, input_shape=(1, 8, 8), second_split=True)
    assert result.notes[-1].startswith("second split: not run: clp ran data-free")
    plain = mitigate(_cnn(equal=True), _Free(), None, input_shape=(1, 8, 8))
    assert result.notes[:-1] == plain.notes


def test_the_guard_writes_the_words_second_split_reads() -> None:
    """One constant for the CA guard's stop (stop 79 lead, hrev's named item): rewording the
    second stage's action can no longer turn ``--second-split`` off unsaid."""
    import inspect

    from trojanscope.mitigate import adaptive, second_split

    assert adaptive.GUARD_STOP is second_split.GUARD_STOP
    assert '"stopped by the CA guard"' not in inspect.getsource(adaptive)
