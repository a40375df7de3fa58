"""The audit pipeline: steps, stop-before-loading, signatures, integrity, rating, errors."""

from __future__ import annotations

import json
import shutil
from importlib import resources

import jsonschema
import pytest

from trojanscope.audit import AuditOptions, AuditStep, StepStatus, default_steps, run_audit
from trojanscope.audit.rules import builtin_rules
from trojanscope.errors import UserInputError
from trojanscope.report.model import Severity
from trojanscope.report.taxonomy import classify

SCHEMA = json.loads(
    resources.files("trojanscope.audit").joinpath("audit.schema.json").read_text()
)


def validate(doc: dict) -> None:
    jsonschema.validate(json.loads(json.dumps(doc)), SCHEMA)


def statuses(result) -> dict[str, str]:
    return {s.name: s.status.value for s in result.steps}


@pytest.fixture(scope="module")
def default_audits(run_dirs, audited):
    """One default audit (seed 0) of each tiny model, shared by the tests that read it (and,
    through ``audited``, by the other files that read the same audit)."""
    return {name: audited(name, seed=0) for name in run_dirs}


def test_backdoored_folder_fails_with_evidence(default_audits):
    result = default_audits["backdoored"]
    assert statuses(result) == {"scan": "ok", "signature": "ok", "integrity": "ok", "bom": "ok",
                                "load": "ok", "detect": "ok", "record": "skipped",
                                "data": "skipped"}
    assert result.detection is not None and result.detection["probability"] >= 0.5
    assert result.rating.level >= Severity.HIGH and result.verdict == "fail"
    assert any(f.rule_id == "TSA100" for f in result.findings)
    assert result.detection["suspected_target"] == 2  # the planted target
    assert {"trigger_class2_mask.png", "trigger_class2_applied.png"} <= set(result.images)
    assert "bom.cdx.json" in result.artifacts
    assert result.data["source"] == "synthetic" and len(result.data["sha256"]) == 64
    assert result.exit_code(Severity.HIGH) == 1
    validate(result.to_dict())


def test_clean_folder_passes(default_audits):
    # Default thresholds: the detection itself must rate the clean model low.
    result = default_audits["clean"]
    backdoored = default_audits["backdoored"].detection["probability"]
    assert result.detection["probability"] < AuditOptions.inconclusive_at < backdoored
    assert result.rating.level == Severity.LOW, result.rating.reasons
    assert result.verdict == "pass" and result.exit_code(Severity.HIGH) == 0
    assert result.rating.reasons and "no backdoor detected" in result.rating.reasons[0]
    validate(result.to_dict())


def test_same_seed_same_document(run_dirs, audited):
    """Two audits with one seed, made apart: the worker's shared default audit (``audited``;
    made here if no test made it before) and a fresh one (stop 61: one audit fewer)."""
    a = audited("clean", seed=0).to_dict()
    b = run_audit(run_dirs["clean"], AuditOptions(seed=0)).to_dict()
    assert a["detection"]["probability"] == b["detection"]["probability"]
    assert a["detection"]["per_class"] == b["detection"]["per_class"]


def test_critical_file_is_never_loaded(run_dirs, tmp_path, evil_pickle):
    marker = tmp_path / "ran"
    folder = tmp_path / "vendor"
    shutil.copytree(run_dirs["clean"], folder)
    (folder / "extra_weights.pkl").write_bytes(evil_pickle(marker))
    result = run_audit(folder)
    assert result.rating.level == Severity.CRITICAL and result.verdict == "fail"
    assert statuses(result)["load"] == "skipped" and statuses(result)["detect"] == "skipped"
    assert "not loaded" in result.step("load").reason
    assert result.detection is None and not marker.exists()
    code = [f for f in result.findings if f.severity == Severity.CRITICAL]
    assert code and classify(code[0].rule_id, result.rules)["atlas"][0]["id"] == "AML.T0010"
    validate(result.to_dict())


def test_single_malicious_file(tmp_path, evil_pickle):
    marker = tmp_path / "ran"
    path = tmp_path / "model.pt"
    path.write_bytes(evil_pickle(marker))
    result = run_audit(path)
    assert result.rating.level == Severity.CRITICAL
    assert statuses(result)["signature"] == "skipped" and statuses(result)["bom"] == "skipped"
    assert not marker.exists()


def test_a_model_that_cannot_load_is_a_step_error(tmp_path):
    # a step that fails for a reason other than the user's data: an incomplete report
    path = tmp_path / "model.onnx"
    path.write_bytes(b"not an onnx graph")
    result = run_audit(path)
    load = result.step("load")
    assert load.status is StepStatus.error and result.step("detect").status is StepStatus.skipped
    assert result.exit_code(Severity.HIGH) == 2 and result.verdict == "incomplete"
    assert result.rating.level == Severity.MEDIUM
    assert any("behaviour not checked" in r for r in result.rating.reasons)


def test_data_free_audit(run_dirs):
    result = run_audit(run_dirs["backdoored"], AuditOptions(data_free=True))
    assert result.detection["data_free"] is True and result.data["data_free"] is True


@pytest.mark.parametrize("bad", ["missing", "empty-dir", "empty-file"])
def test_bad_targets_are_user_errors(tmp_path, bad):
    path = tmp_path / bad
    if bad == "empty-dir":
        path.mkdir()
    elif bad == "empty-file":
        path.write_bytes(b"")
    with pytest.raises(UserInputError, match=str(path.name)):
        run_audit(path)


@pytest.mark.parametrize(
    "options",
    [AuditOptions(threshold=0.0), AuditOptions(threshold=0.5, critical_at=0.4),
     AuditOptions(split="dev"), AuditOptions(data="x", data_free=True)],
)
def test_out_of_range_options(run_dirs, options):
    with pytest.raises(UserInputError):
        run_audit(run_dirs["clean"], options)


def file_steps() -> list[AuditStep]:
    """The audit's steps up to loading the model (scan, signature, integrity, bom, load):
    what the signature tests read, without the detection of a model they do not read (stop
    61: the tampering test 12.1 -> 0.8 CPU-s)."""
    steps = [s for s in default_steps() if s.name not in ("detect", "record", "data")]
    assert [s.name for s in steps] == ["scan", "signature", "integrity", "bom", "load"]
    return steps


def test_signature_and_tampering(run_dirs, tmp_path):
    from trojanscope.signing import generate, load_private, sign_folder

    folder = tmp_path / "signed"
    shutil.copytree(run_dirs["clean"], folder)
    generate(tmp_path / "k.pem", tmp_path / "k.pub")
    sign_folder(folder, load_private(tmp_path / "k.pem"))
    ok = run_audit(folder, AuditOptions(key=tmp_path / "k.pub"), steps=file_steps())
    assert ok.step("signature").details["ok"] is True
    assert not [f for f in ok.findings if f.rule_id.startswith("TSA2")]
    unchecked = run_audit(folder, steps=file_steps())
    assert any(f.rule_id == "TSA203" for f in unchecked.findings)

    weights = folder / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 1  # one flipped bit in the last weight
    weights.write_bytes(bytes(data))
    tampered = run_audit(folder, AuditOptions(key=tmp_path / "k.pub"), steps=file_steps())
    rules = {f.rule_id for f in tampered.findings}
    assert {"TSA201", "TSA210"} <= rules
    assert tampered.rating.level >= Severity.HIGH


def test_key_without_signature_is_high(run_dirs, tmp_path):
    from trojanscope.signing import generate

    generate(tmp_path / "k.pem", tmp_path / "k.pub")
    result = run_audit(run_dirs["clean"], AuditOptions(key=tmp_path / "k.pub"),
                       steps=file_steps())
    assert any(f.rule_id == "TSA200" and f.severity == Severity.HIGH for f in result.findings)


def test_folder_without_manifest_picks_its_model_file(run_dirs, tmp_path):
    folder = tmp_path / "vendor"
    folder.mkdir()
    shutil.copy(run_dirs["backdoored"] / "model.onnx", folder / "model.onnx")
    result = run_audit(folder, AuditOptions(data="synthetic"))
    assert result.step("load").details["format"] == "onnx"
    assert statuses(result)["integrity"] == "skipped"
    assert result.detection["probability"] >= 0.5


def test_steps_plug_in(run_dirs):
    class CountClasses(AuditStep):
        name, title = "count", "Count classes"

        def skip_reason(self, ctx):
            return None if ctx.loaded is not None else "no model"

        def run(self, ctx, step):
            step.details["classes"] = ctx.loaded.num_classes

    result = run_audit(run_dirs["clean"], steps=[*default_steps()[:5], CountClasses()])
    assert result.step("count").details == {"classes": 4}
    assert result.step("detect") is None
    assert any("behaviour not checked" in r for r in result.rating.reasons)


def test_taxonomy():
    rules = builtin_rules()
    assert [t["id"] for t in classify("TSA100", rules)["atlas"]] == ["AML.T0018", "AML.T0020"]
    assert "Backdoor poisoning" in classify("TSA100", rules)["nist"][0]
    assert classify("TS900", rules) == {"atlas": [], "nist": []}
    assert classify("TS101", rules)["atlas"][1]["id"] == "AML.T0011.000"


def test_key_for_a_single_file_is_an_error_not_a_pass(run_dirs, tmp_path):
    from trojanscope.signing import generate

    generate(tmp_path / "k.pem", tmp_path / "k.pub")
    quiet = {"threshold": 1.0, "critical_at": 1.0, "inconclusive_at": 1.0}  # isolate the step
    result = run_audit(run_dirs["clean"] / "model.onnx",
                       AuditOptions(key=tmp_path / "k.pub", **quiet))
    assert result.step("signature").status is StepStatus.error
    assert result.exit_code(Severity.CRITICAL) == 2 and result.verdict == "incomplete"


def test_signing_does_not_change_the_model_digest(run_dirs, tmp_path):
    from trojanscope.audit.pipeline import model_digests
    from trojanscope.signing import generate, load_private, sign_folder

    folder = tmp_path / "m"
    shutil.copytree(run_dirs["clean"], folder)
    before, _ = model_digests(folder)
    generate(tmp_path / "k.pem", tmp_path / "k.pub")
    sign_folder(folder, load_private(tmp_path / "k.pem"))
    after, files = model_digests(folder)
    assert before == after and "model.sig" not in files


def test_a_scan_that_does_not_finish_blocks_loading(run_dirs):
    from trojanscope.audit.steps_files import ScanStep
    from trojanscope.audit.steps_model import LoadStep

    class BrokenScan(ScanStep):
        def run(self, ctx, step):
            ctx.blocked = "the file scan did not finish; nothing is loaded unscanned"
            raise RuntimeError("scanner crashed")

    result = run_audit(run_dirs["clean"], steps=[BrokenScan(), LoadStep()])
    assert result.step("scan").status is StepStatus.error
    assert "internal error: RuntimeError: scanner crashed" in result.step("scan").reason
    assert result.step("load").status is StepStatus.skipped


def test_bad_scanner_config_fails_before_any_work(run_dirs, tmp_path):
    bad = tmp_path / "rules.toml"
    bad.write_text("this is not toml [")
    with pytest.raises(UserInputError):
        run_audit(run_dirs["clean"], AuditOptions(scan_configs=[bad]))


def test_custom_scanner_rules_keep_the_schema(run_dirs, tmp_path, evil_pickle):
    config = tmp_path / "rules.toml"
    config.write_text('[[imports]]\nid = "X001"\nname = "house-rule"\nseverity = "critical"\n'
                      'why = "our rule"\npatterns = ["os:system", "posix:system"]\n')
    path = tmp_path / "model.pt"
    path.write_bytes(evil_pickle(tmp_path / "ran"))
    result = run_audit(path, AuditOptions(scan_configs=[config]))
    assert any(f.rule_id == "X001" for f in result.findings)
    assert classify("X001", result.rules)["atlas"]  # an import rule: code runs on load
    assert classify("X001", builtin_rules())["atlas"] == []  # not in the built-ins: no guess
    validate(result.to_dict())


def test_fifo_is_refused(tmp_path):
    import os

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(UserInputError, match="not a regular file"):
        run_audit(fifo)


def test_a_raised_flag_says_so_in_the_finding(run_dirs, monkeypatch, shared_inspections):
    """A probability auto:raise lifted is named as such in the audit's finding (and so in its
    reports), with the class the raise's evidence points to; the old finding said nothing.
    (The raise is patched into calibration, after the inspection: the inspection is the
    default audit's, through the worker's memo; stop 62.)"""
    from trojanscope.detect import calibration

    real = calibration.calibrate

    def raised(verdict, calibrators=None):
        real(verdict, calibrators)
        verdict.features.update({"probability_unraised": 0.31, "raise_logit": 4.0,
                                 "empty_share_gap": 0.29, "empty_top_class": 0.0})
        verdict.probability = 0.96
        return verdict

    monkeypatch.setattr(calibration, "calibrate", raised)
    result = run_audit(run_dirs["backdoored"], AuditOptions(seed=0))
    finding = next(f for f in result.findings if f.rule_id == "TSA100")
    assert "probability raised from 0.310" in finding.message
    assert "class 0 is reached far more often" in finding.message
    assert result.step("detect").details["raised"].startswith("probability raised from 0.310")
    validate(result.to_dict())
