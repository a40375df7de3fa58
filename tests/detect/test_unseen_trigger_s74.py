"""Stop 74 (hfix; hcmd's first contact, "Named" (5)): ``detect-inputs runs/badnets --triggered
runs/badnets --method scale-up`` read ROC-AUC 0.4486 and no sentence said the method does not
see the trigger. At or below ROC-AUC 0.6 on the fired inputs one line says so and names the
method to try; above it nothing is added."""

from __future__ import annotations

import io
from pathlib import Path
from types import SimpleNamespace

import pytest
from rich.console import Console

import trojanscope.cli.commands.detect_inputs as cmd
import trojanscope.detect.input_level.evaluate as evaluate_mod
import trojanscope.io.manifest as manifest_mod
import trojanscope.mitigate.triggers as triggers_mod
from trojanscope.detect.input_level.evaluate import TriggeredEvaluation
from trojanscope.detect.input_level.unseen import CHANCE_AUC, unseen_words


def _figures(method: str, auc: float) -> TriggeredEvaluation:
    return TriggeredEvaluation(method=method, roc_auc=auc, tpr_at_fpr=0.0, fpr=0.01,
                               guard_tpr=0.0, guard_fpr=0.0, roc_auc_all=auc, positives=448,
                               triggered=448, negatives=500, forward_passes_per_input=5,
                               fit_s=0.1, score_s_per_input=0.001)


@pytest.mark.parametrize(("method", "auc", "text", "named"), [
    ("scale-up", 0.4486, False, "try the default, --method auto (mahalanobis)"),
    ("scale-up", CHANCE_AUC, False, "try the default, --method auto (mahalanobis)"),
    ("mahalanobis", 0.5, False, "try --method strip or --method ensemble"),
    ("span-text", 0.55, True, "try the default, --method auto (strip-text)"),
    ("strip-text", 0.3, True, "try --method span-text")])
def test_chance_is_said_with_a_method_to_try(method, auc, text, named) -> None:
    line = unseen_words(_figures(method, auc).as_dict(), text=text)
    assert line is not None and line.startswith(f"{method} does not see this trigger: ROC-AUC ")
    assert named in line and "docs/detect-inputs.md" in line


@pytest.mark.parametrize("auc", [0.61, 1.0, float("nan")])
def test_no_line_above_chance_or_unmeasured(auc) -> None:
    assert unseen_words(_figures("scale-up", auc).as_dict(), text=False) is None


def test_the_cli_reports_and_prints_it(monkeypatch, tmp_path: Path) -> None:
    """``evaluate`` (the ``--triggered`` path) adds the line to the JSON and the text prints it,
    with the run, its data and the measurement stubbed (the figures are what is read)."""
    monkeypatch.setattr(cmd, "_check_run", lambda run: None)
    monkeypatch.setattr(manifest_mod, "read_manifest", lambda run: SimpleNamespace(attack={}))
    monkeypatch.setattr(triggers_mod, "attack_from_spec", lambda spec: None)
    monkeypatch.setattr(cmd, "clean_dataset", lambda *a: None)
    for auc, seen in ((0.4486, False), (0.98, True)):
        monkeypatch.setattr(evaluate_mod, "evaluate_triggered",
                            lambda *a, auc=auc, **k: _figures("scale-up", auc))
        report = cmd.evaluate(SimpleNamespace(module=None), tmp_path, None,
                              SimpleNamespace(name="scale-up"), 0.01, 0)
        assert ("not_seen" not in report) is seen
        out = io.StringIO()
        monkeypatch.setattr(cmd, "stdout_console",
                            lambda out=out: Console(file=out, width=300, force_terminal=False))
        cmd.print_table({"triggered": report})
        assert ("scale-up does not see this trigger: ROC-AUC 0.4486" in out.getvalue()) is not seen
