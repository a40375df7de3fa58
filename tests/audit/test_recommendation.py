"""An audit that rates a backdoor high or critical recommends a mitigation, with commands that
run as printed, in every report format; a clean model gets none."""

from __future__ import annotations

import io
import json
import shlex

import pytest
from rich.console import Console

from trojanscope.audit import AuditOptions, run_audit
from trojanscope.cli.main import run
from trojanscope.mitigate.auto import AUTO_FOREIGN, AUTO_WITH_DATA
from trojanscope.report.audit_console import print_audit_summary
from trojanscope.report.audit_text import render_audit
from trojanscope.report.model import Severity


@pytest.fixture(scope="module")
def results(audited):
    """The default audits of both tiny models (``audited``: shared with test_reports)."""
    return (audited("backdoored", seed=0, command="trojanscope audit x"),
            audited("clean", seed=0, command="trojanscope audit x"))


def test_high_rating_recommends_a_mitigation_everywhere(results, tmp_path, monkeypatch) -> None:
    bad, _ = results
    assert bad.rating.level >= Severity.HIGH
    advice = json.loads(render_audit(bad, "json"))["recommendation"]
    assert advice["method"] == AUTO_WITH_DATA
    assert advice["commands"][0].startswith("trojanscope mitigate")
    # already rated backdoored: gated is forced, so neither its gate nor its probe hands the
    # model back untreated (the old command left both to decide again)
    assert f"--method {AUTO_WITH_DATA} --method-param force=1 " in advice["commands"][0]
    assert advice["commands"][0] in render_audit(bad, "markdown")
    assert advice["commands"][0] in render_audit(bad, "html")
    buf = io.StringIO()
    print_audit_summary(bad, Console(file=buf, width=300))
    assert advice["commands"][0] in buf.getvalue()
    monkeypatch.chdir(tmp_path)  # the command writes beside where it runs
    assert run(shlex.split(advice["commands"][0])[1:]) == 0


def test_clean_model_gets_no_recommendation(results) -> None:
    _, good = results
    assert good.to_dict()["recommendation"] is None
    assert "mitigate" not in render_audit(good, "markdown")


def test_a_torchscript_model_gets_commands_for_its_own_format(run_dirs, backdoored_run, tmp_path,
                                                             history_db,
                                                             monkeypatch) -> None:
    """A backdoored model handed over as TorchScript: purify it (TorchScript comes back), then
    audit the purified archive — both commands run as printed."""
    import numpy as np

    data = tmp_path / "clean.npz"
    np.savez(data, x=backdoored_run.test.x.numpy(), y=backdoored_run.test.y.numpy())
    model = run_dirs["backdoored"] / "model.torchscript.pt"
    result = run_audit(model, AuditOptions(data=data, seed=0))
    assert result.rating.level >= Severity.HIGH
    advice = result.to_dict()["recommendation"]
    purify, audit_again = advice["commands"]
    assert advice["method"] == AUTO_FOREIGN  # a model handed over: the recipe-free default
    assert "backdoored-mitigated/model.torchscript.pt " in audit_again
    monkeypatch.chdir(tmp_path)
    # as printed, in fewer steps: one epoch of one round (stop 61: rounds=1, a third of the
    # treatment's rounds; its three default rounds run in test_adaptive.py's removal test)
    assert run([*shlex.split(purify)[1:], "--method-param", "epochs=1",
                "--method-param", "rounds=1"]) == 0
    assert run([*shlex.split(audit_again)[1:], "--format", "json"]) in (0, 1)
