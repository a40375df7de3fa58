"""The ``pool:none`` trait (convolutions, no pooling layer) and its opt-in coverage check
(issue 9, stop 41: a clean strided-pooling LeNet scored by the max-pool-only calibrator)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import torch

from trojanscope.detect.calibration import Calibrator, calibrate
from trojanscope.detect.coverage import NO_POOL, architecture_traits, coverage_notes
from trojanscope.detect.mmbd import MMBD
from trojanscope.io.models import load_model
from trojanscope.models import create_model

MAX_ONLY = {"activation:relu": 120, "layer:conv": 87, "pool:max": 87}  # the shipped 'auto's


def test_strided_convolutions_read_as_no_pool_native_and_torchscript(tmp_path: Path) -> None:
    strided = create_model("lenet5", (1, 28, 28), 10, activation="relu", pool="stride").eval()
    assert architecture_traits(strided) == {"activation:relu", "layer:conv", NO_POOL}
    torch.jit.trace(strided, torch.rand(1, 1, 28, 28)).save(str(tmp_path / "m.pt"))
    assert NO_POOL in architecture_traits(load_model(tmp_path / "m.pt").module)
    pooled = create_model("lenet5", (1, 28, 28), 10, activation="relu", pool="max")
    assert NO_POOL not in architecture_traits(pooled)
    assert NO_POOL not in architecture_traits(create_model("mlp", (1, 28, 28), 10))


def test_no_pool_is_read_only_where_the_coverage_records_it() -> None:
    traits = {"activation:relu", "layer:conv", NO_POOL}
    assert coverage_notes(traits, MAX_ONLY) == []  # a file fitted before stop 41: as before
    assert coverage_notes(traits, {**MAX_ONLY, NO_POOL: 0}) == [
        "convolutions without a pooling layer (strided): calibration has 0 such models"]
    assert coverage_notes(traits, {**MAX_ONLY, NO_POOL: 19}) == []


def test_a_file_that_records_no_pool_sends_a_strided_cnn_to_the_wider_calibrator() -> None:
    model = create_model("lenet5", (1, 28, 28), 10, activation="relu", pool="stride").eval()
    verdict = MMBD(n_starts=2, steps=3).inspect(model, None, input_shape=(1, 28, 28), seed=0)
    default = Calibrator("mmbd", ["mmbd_neglog10_p"], [0.0], 3.0, {"coverage": MAX_ONLY})
    wider = Calibrator("mmbd:out-of-coverage", ["mmbd_neglog10_p"], [0.0], -3.0,
                       {"coverage": {**MAX_ONLY, NO_POOL: 19}, "n_models": 140})
    calibrate(verdict, {"mmbd": default, "mmbd:out-of-coverage": wider})
    assert verdict.probability > 0.9 and verdict.coverage_notes == []
    recorded = Calibrator("mmbd", ["mmbd_neglog10_p"], [0.0], 3.0,
                          {"coverage": {**MAX_ONLY, NO_POOL: 0}})
    calibrate(verdict, {"mmbd": recorded, "mmbd:out-of-coverage": wider})
    assert verdict.probability < 0.1
    assert verdict.coverage_notes[0].startswith("convolutions without a pooling layer")


ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "benchmarks" / "data" / "foreign_s41"


def test_the_candidate_file_takes_the_clean_strided_lenet_to_the_wider_calibrator(
        tmp_path: Path) -> None:
    """The own-engine clean ReLU ``lenet5`` with strided pooling (seed 500 variants, clean-001)
    as ``detect -p probes=always`` reported it: p 0.866 under the shipped file (the default
    calibrator, fitted on max-pooled CNNs only), under the candidate the wider one's p < 0.5."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    # stop 42 shipped the candidate: the file shipped at stop 49 (its committed copy, so a later
    # refit of other entries moves only ``test_calibration_stop49``) records the count in the
    # five calibrators fitted on pooled CNNs only, and marking it again changes nothing
    from no_pool_check import candidate, score
    from trojanscope.detect.coverage import NO_POOL

    stop49_path = DATA.parent / "calibration_stop49.json"
    shipped = json.loads(stop49_path.read_text())
    recorded = sorted(k for k, c in shipped.items()
                      if NO_POOL in ((c.get("fitted_on") or {}).get("coverage") or {}))
    assert recorded == ["auto", "auto:data-free", "mmbd", "neural_cleanse", "trigger_search"]
    assert candidate(stop49_path, tmp_path / "cand.json") == []
    assert json.loads((tmp_path / "cand.json").read_text()) == shipped
    # the image calibrators only: issue 16 replaced a tabular entry after stop 42 (stop 43)
    stop41 = json.loads((DATA / "calibration-stop41-nopool-candidate.json").read_text())
    images = {k: v for k, v in shipped.items()  # stop 45 added a text term (issue 15)
              if not k.startswith(("tabular", "text-inversion:raise:unk"))}
    assert set(stop41) == set(shipped) - {"text-inversion:raise:unk"}
    assert {k: v for k, v in stop41.items() if not k.startswith("tabular")} == images
    # the file shipped before (every recorded count removed) is what the candidate marks
    before = json.loads(json.dumps(shipped))
    for key in recorded:
        del before[key]["fitted_on"]["coverage"][NO_POOL]
    (tmp_path / "before.json").write_text(json.dumps(before))
    assert sorted(candidate(tmp_path / "before.json", tmp_path / "cand2.json")) == recorded
    # ``score``'s "shipped" is today's file (the candidate); "candidate" here the file before
    row, = score([DATA / "own500_clean001_lenet5_stride_probes.json"], tmp_path / "before.json")
    assert row["candidate"]["calibrator"] == "auto" and row["candidate"]["p"] > 0.8
    assert row["shipped"]["calibrator"] == "auto:out-of-coverage"
    assert row["shipped"]["p"] < 0.5
    # without the probes' features the wider calibrator cannot read it: the default's p stays
    row, = score([DATA / "own500_clean001_lenet5_stride_default.json"], tmp_path / "before.json")
    assert row["candidate"]["p"] == row["shipped"]["p"]


class _FunctionalPool(torch.nn.Module):
    """Pools by ``F.max_pool2d`` / ``F.avg_pool2d`` in ``forward`` (no pooling module), or not
    at all (``how`` None: a stride-2 convolution)."""

    def __init__(self, how: str | None) -> None:
        super().__init__()
        self.how = how
        self.conv = torch.nn.Conv2d(1, 4, 3, stride=1 if how else 2, padding=1)
        self.fc = torch.nn.Linear(4 * 14 * 14, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.nn.functional.relu(self.conv(x))
        if self.how == "max":
            h = torch.nn.functional.max_pool2d(h, 2)
        elif self.how == "avg":
            h = torch.nn.functional.avg_pool2d(h, 2)
        return self.fc(h.flatten(1))


class _Untraceable(_FunctionalPool):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.nn.functional.relu(self.conv(x))
        if h.sum() > 0:  # control flow on a value: torch.fx cannot trace it
            h = h * 1.0
        return self.fc(h.flatten(1))


def test_functional_pooling_reads_the_same_eager_and_torchscript(tmp_path: Path) -> None:
    """Stop 41's review hR4: ``F.max_pool2d`` read as ``pool:none`` eager but ``pool:max`` as
    TorchScript. Now neither form of a functionally pooled model reads ``pool:none``, and both
    forms of a strided one do; an eager forward that cannot be traced claims no absence."""
    torch.set_num_threads(1)
    for how, no_pool in (("max", False), ("avg", False), (None, True)):
        eager = _FunctionalPool(how).eval()
        torch.jit.trace(eager, torch.rand(1, 1, 28, 28)).save(str(tmp_path / "f.pt"))
        scripted = load_model(tmp_path / "f.pt").module
        assert (NO_POOL in architecture_traits(eager)) is no_pool, how
        assert (NO_POOL in architecture_traits(scripted)) is no_pool, how
    assert NO_POOL not in architecture_traits(_Untraceable(None).eval())


def test_merge_keeps_the_candidate_runs_and_recalibrates_the_rest(tmp_path: Path) -> None:
    """``no_pool_check.py merge`` (stop 42): seed 51's committed runs under the candidate file,
    one of them replaced by a run made under it; the others keep their probability (stop 41:
    the candidate moves none of them) and are marked recalibrated."""
    import gzip

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from no_pool_check import merge

    with gzip.open(DATA / "detect51_runs.jsonl.gz", "rt") as f:
        rows = [json.loads(line) for line in f][:6]
    (tmp_path / "d.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    again = {**rows[2], "probability": 0.123, "options": ["--calibration", "C", "-p",
                                                          "probes=always"]}
    (tmp_path / "r.jsonl").write_text(json.dumps(again) + "\n")
    cand = DATA / "calibration-stop41-nopool-candidate.json"
    taken = merge(tmp_path / "d.jsonl", tmp_path / "r.jsonl", cand, tmp_path / "m.jsonl")
    out = [json.loads(line) for line in (tmp_path / "m.jsonl").read_text().splitlines()]
    assert taken == [rows[2]["name"]] and out[2] == again
    for before, after in zip(rows, out, strict=True):
        if after is out[2]:
            continue
        assert abs(after["probability"] - before["probability"]) < 1e-9, before["name"]
        assert after["options"][-1] == f"recalibrated:{cand.name}" and after["report"] is None


def test_a_refit_on_pooled_cnns_records_a_zero_no_pool_count() -> None:
    """Stop 42: ``count_traits`` (what ``zoo calibrate`` records) keeps ``pool:none: 0`` where
    the zoo has convolutional models, so a refit of the shipped file does not drop it."""
    from trojanscope.detect.coverage import count_traits

    pooled = {"activation:relu", "layer:conv", "pool:max"}
    assert count_traits([pooled] * 3)[NO_POOL] == 0
    assert count_traits([pooled, {"activation:relu", "layer:conv", NO_POOL}])[NO_POOL] == 1
    assert NO_POOL not in count_traits([{"activation:relu"}] * 3)  # no convolution: no count


class _OtherPool(torch.nn.Module):
    """Pools by an operation without a pool trait of its own (adaptive max, 1-d, Lp pooling),
    as a function in ``forward`` or as a module."""

    def __init__(self, how: str) -> None:
        super().__init__()
        self.how = how
        self.conv = torch.nn.Conv2d(1, 4, 3, padding=1)
        self.pool = {"AdaptiveMaxPool2d": torch.nn.AdaptiveMaxPool2d(14),
                     "LPPool2d": torch.nn.LPPool2d(2, 2)}.get(how)
        self.fc = torch.nn.Linear(4 * 14 * 14, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.nn.functional.relu(self.conv(x))
        if self.pool is not None:
            h = self.pool(h)
        elif self.how == "adaptive_max_pool2d":
            h = torch.nn.functional.adaptive_max_pool2d(h, 14)
        else:  # max_pool1d along the flattened rows
            h = torch.nn.functional.max_pool1d(h.flatten(2), 4).view(-1, 4, 14, 14)
        return self.fc(h.flatten(1))


@pytest.mark.parametrize("how", ["adaptive_max_pool2d", "max_pool1d", "AdaptiveMaxPool2d",
                                 "LPPool2d"])
def test_pooling_without_a_pool_trait_is_not_no_pool_eager_or_torchscript(
        tmp_path: Path, how: str) -> None:
    """Review hR2 (stop 43): ``pool:none`` means no pooling layer, and both forms of one model
    read it alike. Before, ``F.adaptive_max_pool2d`` / ``F.max_pool1d`` read ``pool:none`` as
    TorchScript only (their ops carry no pool trait) and ``nn.AdaptiveMaxPool2d`` /
    ``nn.LPPool2d`` modules read it eager (their class names carry none)."""
    torch.set_num_threads(1)
    eager = _OtherPool(how).eval()
    torch.jit.trace(eager, torch.rand(1, 1, 28, 28)).save(str(tmp_path / "p.pt"))
    scripted = load_model(tmp_path / "p.pt").module
    assert NO_POOL not in architecture_traits(eager)
    assert NO_POOL not in architecture_traits(scripted)
