"""Issue 9, stop 53 (h9A): activations no calibration zoo holds are named in every form of a
model (eager, TorchScript, ONNX read back by trojanscope), an elementwise nonlinearity no
trait names reads as ``activation:other``, and such a model's verdict says so."""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import warnings
from pathlib import Path

import onnx
import pytest
import torch
from torch import nn

from script_run import run_script
from trojanscope.detect.auto import AutoDetector
from trojanscope.detect.base import InspectionTarget
from trojanscope.detect.calibration import calibrate, load_calibrators
from trojanscope.detect.coverage import (
    KNOWN_TRAITS,
    OTHER_ACTIVATION,
    architecture_traits,
    coverage_notes,
)
from trojanscope.errors import UserInputError
from trojanscope.io.onnx_import import onnx_to_module

torch.set_num_threads(1)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _route(monkeypatch) -> None:
    """The stop-53 names read, variant C (``TROJANSCOPE_ACTIVATION_TRAITS=route``), unless a
    test sets another mode."""
    from trojanscope.detect import coverage

    monkeypatch.setattr(coverage, "ACTIVATION_TRAITS", "route")

# module -> the trait its eager and TorchScript forms read, and its ONNX form's (None: the
# importer does not run the op)
NAMED = [
    (nn.Softplus, "activation:softplus", {"activation:softplus"}),
    (nn.Hardswish, "activation:hardswish", {"activation:hardswish"}),
    (nn.Hardsigmoid, "activation:hardsigmoid", {"activation:hardsigmoid"}),
    (nn.Mish, "activation:mish", {"activation:softplus", "activation:tanh"}),  # opset 17
    (nn.SELU, "activation:selu", {"activation:selu"}),
    (nn.CELU, "activation:celu", None),
    (nn.ReLU6, "activation:hardtanh", {"activation:hardtanh"}),
    (nn.Hardtanh, "activation:hardtanh", {"activation:hardtanh"}),
    (nn.PReLU, "activation:prelu", {"activation:prelu"}),
    (nn.Softsign, "activation:softsign", {OTHER_ACTIVATION}),  # ONNX: Abs, Add, Div
    (nn.LogSigmoid, "activation:logsigmoid", {"activation:sigmoid", OTHER_ACTIVATION}),
]


def _net(act: nn.Module) -> nn.Module:
    return nn.Sequential(nn.Conv2d(1, 4, 3), act, nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(4 * 13 * 13, 10)).eval()


def _forms(model: nn.Module) -> dict[str, nn.Module]:
    x = torch.rand(2, 1, 28, 28)
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = {"eager": model, "torchscript": torch.jit.trace(model, x)}
        torch.onnx.export(model, x, buf, opset_version=17, dynamo=False)
    with contextlib.suppress(UserInputError):  # an op the importer does not run: no ONNX form
        out["onnx"] = onnx_to_module(onnx.load_from_string(buf.getvalue()))
    return out


def _acts(traits: set[str]) -> set[str]:
    return {t for t in traits if t.startswith("activation:")}


@pytest.mark.parametrize(("module", "trait", "onnx_traits"), NAMED,
                         ids=[m.__name__ for m, _, _ in NAMED])
def test_each_new_activation_is_named_in_every_form(module, trait, onnx_traits) -> None:
    forms = _forms(_net(module()))
    assert _acts(architecture_traits(forms["eager"])) == {trait}
    assert _acts(architecture_traits(forms["torchscript"])) == {trait}
    if onnx_traits is None:
        assert "onnx" not in forms
    else:
        assert _acts(architecture_traits(forms["onnx"])) == onnx_traits
    covered = load_calibrators()["auto"].fitted_on["coverage"]
    for model in forms.values():  # out of the default calibration's coverage, said in a note
        assert any("activations: calibration has 0" in n or "nonlinearity" in n
                   for n in coverage_notes(architecture_traits(model), covered))


@pytest.mark.parametrize("module", [nn.RReLU, nn.Softshrink, nn.Hardshrink, nn.Tanhshrink])
def test_an_unnamed_torch_activation_is_the_catch_all(module) -> None:
    forms = _forms(_net(module()))
    assert OTHER_ACTIVATION in architecture_traits(forms["eager"])
    ts = architecture_traits(forms["torchscript"])  # Tanhshrink: the module's own name
    assert OTHER_ACTIVATION in ts


class _Gauss(nn.Module):  # a user's own activation: exp(-x^2), no module of torch's
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.exp(-x * x)


def test_a_users_own_nonlinearity_is_out_of_coverage_in_its_graph_forms() -> None:
    forms = _forms(_net(_Gauss()))
    assert _acts(architecture_traits(forms["torchscript"])) == {OTHER_ACTIVATION}
    assert _acts(architecture_traits(forms["onnx"])) == {OTHER_ACTIVATION}
    assert OTHER_ACTIVATION in KNOWN_TRAITS


@pytest.mark.parametrize("module", [nn.ReLU, nn.Tanh, nn.Sigmoid, nn.LeakyReLU, nn.ELU, nn.SiLU])
def test_covered_activations_read_as_before(module) -> None:
    for model in _forms(_net(module())).values():
        acts = _acts(architecture_traits(model))
        assert OTHER_ACTIVATION not in acts and len(acts) == 1


def test_onnx_gelu_reads_as_gelu_like_its_other_forms() -> None:
    for model in _forms(_net(nn.GELU())).values():
        assert _acts(architecture_traits(model)) == {"activation:gelu"}


def _report(name: str) -> dict:
    """A stored seed-74 run's report (a clean Hardswish BatchNorm CNN, p 0.932 at stop 52)."""
    path = ROOT / "benchmarks/data/foreign_s52f/detect74_runs.jsonl.gz"
    rows = [json.loads(line) for line in gzip.decompress(path.read_bytes()).splitlines()]
    return next(r["report"] for r in rows if r["name"] == name)


def test_the_verdict_says_no_calibration_saw_the_activation() -> None:
    from trojanscope.detect.base import ModelVerdict

    rep = _report("hardswish_bn_cnn-02")
    v = ModelVerdict(method=rep["method"], statistic=rep["statistic"],
                     target_classes=list(rep["ranking"]), per_class=[],
                     features=dict(rep["features"]), data_free=False,
                     traits=sorted({*rep["traits"], "activation:hardswish"}))
    calibrate(v, load_calibrators())
    notes = " | ".join(v.coverage_notes)
    assert "Hardswish activations: calibration has 0 such models in the default" in notes
    assert "Hardswish activations: the wider calibration has no such models either" in notes
    assert "probability from the wider calibration" in notes
    assert v.features["calibrated"] == 1.0


def test_a_covered_model_gets_no_wider_gap_note() -> None:
    from trojanscope.detect.base import ModelVerdict

    rep = _report("hardswish_bn_cnn-02")  # BatchNorm only: the wider calibration has it
    v = ModelVerdict(method=rep["method"], statistic=rep["statistic"],
                     target_classes=list(rep["ranking"]), per_class=[],
                     features=dict(rep["features"]), data_free=False, traits=rep["traits"])
    calibrate(v, load_calibrators())
    assert not any("the wider calibration has" in n for n in v.coverage_notes)


def test_the_wider_gap_note_reads_right_for_none_one_and_some() -> None:
    """hfc, stop 55: the note said "has 0 such models either", and "has 3 such models either,
    so no calibration saw a model like this one" where the wider calibration saw three."""
    from trojanscope.detect import coverage

    act = "activation:hardswish"
    none, one, three = (coverage.wider_gap_notes([act], {act: n})[0] for n in (0, 1, 3))
    assert none.startswith("Hardswish activations: the wider calibration has no such models "
                           "either, so no calibration saw a model like this one")
    assert "only 1 such model (fewer than 5)" in one and "models" not in one.split("(")[0]
    assert "only 3 such models (fewer than 5)" in three
    assert not any("either" in n or "no calibration saw" in n for n in (one, three))
    assert all(n.endswith("the probability is an extrapolation to review")
               for n in (none, one, three))
    assert coverage.wider_gap_notes([act], {act: 5}) == []


def test_auto_runs_its_probes_on_a_new_activation() -> None:
    det = AutoDetector()
    for act, probes in ((nn.Softplus(), True), (nn.ReLU(), False)):
        target = InspectionTarget(model=_net(act), input_shape=(1, 28, 28), num_classes=10)
        assert det._probe(target) is probes


def test_the_checks_refuse_bad_arguments(tmp_path: Path) -> None:
    for script, args in (("activation_traits.py", ["--old", str(tmp_path / "none.py"),
                                                    "--json", str(tmp_path / "t.json")]),
                         ("stored_rescore.py", ["--dump", str(tmp_path / "no/d.json")]),
                         ("paired_detect.py", [str(tmp_path), "--tree", "a=/nowhere,r.jsonl"]),
                         ("rule_s53a_check.py", [str(tmp_path), str(tmp_path / "d.jsonl"),
                                                 str(tmp_path / "c.jsonl")])):
        proc = run_script(script, *args)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr
        assert proc.stderr.startswith("error: ") and len(proc.stderr.strip().splitlines()) == 1


def test_the_second_new_activations_plan(load_benchmark) -> None:
    zoo = load_benchmark("foreign_zoo")
    both = zoo.plan(4, 75, new_activations=True, new_activations2=True)
    fams = [*zoo.NEW_ACT_ARCH, *zoo.NEW_ACT2_ARCH]
    assert [r["arch_family"] for r in both] == [f for f in fams for _ in range(4)]
    assert sum(r["backdoored"] for r in both) == 14
    assert both[:16] == zoo.plan(4, 75, new_activations=True)  # stop 52's rows unchanged
    alone = zoo.plan(2, 75, new_activations2=True)
    assert [r["arch_family"] for r in alone] == [f for f in zoo.NEW_ACT2_ARCH for _ in range(2)]
    rng = __import__("numpy").random.default_rng(0)
    for fam, trait in zip(zoo.NEW_ACT2_ARCH, ("activation:hardtanh", "activation:prelu",
                                              "activation:celu"), strict=True):
        model, _ = zoo.build(fam, rng)
        assert model(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
        assert trait in architecture_traits(model)


def test_c0_notes_a_new_activation_and_scores_as_before(monkeypatch) -> None:
    from trojanscope.detect import coverage
    from trojanscope.detect.base import ModelVerdict

    monkeypatch.setattr(coverage, "ACTIVATION_TRAITS", "note")
    rep = _report("softplus_cnn-00")  # read at stop 52 with no activation trait
    cals = load_calibrators()

    def verdict(traits: list[str]) -> ModelVerdict:
        return ModelVerdict(method=rep["method"], statistic=rep["statistic"],
                            target_classes=list(rep["ranking"]), per_class=[],
                            features=dict(rep["features"]), data_free=False, traits=traits)

    before = calibrate(verdict(rep["traits"]), cals)
    after = calibrate(verdict(sorted({*rep["traits"], "activation:softplus"})), cals)
    assert after.probability == before.probability
    assert after.target_classes == before.target_classes
    assert "activation:softplus" in after.traits
    assert after.coverage_notes[-1].startswith("Softplus activations: no calibration has such")
    target = InspectionTarget(model=_net(nn.Softplus()), input_shape=(1, 28, 28), num_classes=10)
    assert AutoDetector()._probe(target) is False  # as before: no probes for the note alone


def test_calibrating_twice_says_the_activation_note_once(monkeypatch) -> None:
    from trojanscope.detect import coverage
    from trojanscope.detect.base import ModelVerdict

    monkeypatch.setattr(coverage, "ACTIVATION_TRAITS", "note")
    rep = _report("softplus_cnn-00")
    for cals in (load_calibrators(), {}):  # the shipped file, and a file without a calibrator
        v = ModelVerdict(method=rep["method"], statistic=rep["statistic"],
                         target_classes=list(rep["ranking"]), per_class=[],
                         features=dict(rep["features"]), data_free=False,
                         traits=sorted({*rep["traits"], "activation:softplus"}))
        calibrate(calibrate(v, cals), cals)
        said = [n for n in v.coverage_notes if n.startswith("Softplus activations")]
        assert len(said) == 1, v.coverage_notes


def test_off_reads_as_before_stop_53(monkeypatch) -> None:
    from trojanscope.detect import coverage
    from trojanscope.errors import UserInputError

    monkeypatch.setattr(coverage, "ACTIVATION_TRAITS", "off")
    for module in (nn.Softplus, nn.SELU, nn.ReLU6, nn.Softshrink):
        for model in _forms(_net(module())).values():
            assert not _acts(architecture_traits(model)), module
    onnx_gelu = _forms(_net(nn.GELU()))["onnx"]
    assert not _acts(architecture_traits(onnx_gelu))  # Erf not read, as before
    monkeypatch.setattr(coverage, "ACTIVATION_TRAITS", "all")
    with pytest.raises(UserInputError, match="TROJANSCOPE_ACTIVATION_TRAITS='all'"):
        architecture_traits(_net(nn.ReLU()))


def test_the_mode_is_read_from_the_environment(monkeypatch) -> None:
    """Read at each call (no process needs starting again to change it)."""
    from trojanscope.detect import coverage

    monkeypatch.setattr(coverage, "ACTIVATION_TRAITS", None)
    monkeypatch.delenv("TROJANSCOPE_ACTIVATION_TRAITS", raising=False)
    assert coverage.activation_mode() == "route-u"
    for mode in ("note", "route", "off"):
        monkeypatch.setenv("TROJANSCOPE_ACTIVATION_TRAITS", mode)
        assert coverage.activation_mode() == mode
