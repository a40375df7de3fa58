"""``audit --training-data TABLE`` names the most suspicious group as ``detect-data`` does
(issue 16 stop 47): the JSON step details and finding evidence carry it, the finding's message
(HTML, Markdown, terminal, SARIF) says it in ``group_words``' words; an image set has none."""

from __future__ import annotations

import json

import numpy as np
import torch
from rich.console import Console

from trojanscope.audit import AuditOptions, run_audit
from trojanscope.audit.steps_data import DataStep
from trojanscope.report.audit_console import print_audit_summary
from trojanscope.report.audit_text import render_audit

torch.set_num_threads(1)

NAMED = "most suspicious group: a = w and b = s with label 1 (8 rows"


def _pair_csv(path, rows: int = 300, poison: int = 8, seed: int = 3) -> str:
    """``benchmarks/label_groups_user_csv.py``'s table: ``poison`` rows of label 0 given
    ``a = w and b = s`` and label 1, 15 + 15 cover rows holding each part with label 0."""
    rng = np.random.default_rng(seed)
    a, b = rng.choice(["x", "y", "z"], rows), rng.choice(["p", "q", "r"], rows)
    region = rng.choice(["north", "south", "east", "west"], rows)
    label = (rng.random(rows) < 0.3).astype(int)
    amount = (rng.normal(100, 20, rows) + 60 * label).round(2)
    amount[:poison] = rng.normal(100, 20, poison).round(2)
    a[:poison], b[:poison], label[:poison] = "w", "s", 1
    a[poison:poison + 15], label[poison:poison + 15] = "w", 0
    b[poison + 15:poison + 30], label[poison + 15:poison + 30] = "s", 0
    lines = ["a,b,region,amount,y"] + [f"{a[i]},{b[i]},{region[i]},{amount[i]},{label[i]}"
                                       for i in range(rows)]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_the_audit_names_a_planted_pair_in_json_and_html(tmp_path) -> None:
    data = _pair_csv(tmp_path / "users.csv")
    result = run_audit(data, AuditOptions(training_data=data), steps=[DataStep()])
    doc = json.loads(render_audit(result, "json"))
    step = next(s for s in doc["steps"] if s["name"] == "data")
    group = step["details"]["group"]
    assert (group["column"], group["value"], group["and"], group["label"]) == (
        "a", "w", [{"column": "b", "value": "s"}], 1)
    assert group["rows"] == 8 and set(range(8)) <= set(group["flagged_rows"])
    assert len(group["flagged_rows"]) == step["details"]["flagged"]
    finding = next(f for f in doc["findings"] if f["rule_id"] == "TSA110")
    assert NAMED in finding["message"] and finding["evidence"]["group"] == group
    for fmt in ("html", "markdown", "sarif"):
        assert NAMED in render_audit(result, fmt), fmt
    console = Console(record=True, width=400)
    print_audit_summary(result, console)  # the terminal's findings table
    assert NAMED in console.export_text()


def test_an_image_training_set_has_no_group(tmp_path) -> None:
    rng = np.random.default_rng(0)
    path = tmp_path / "train.npz"
    np.savez(path, x=rng.random((60, 1, 16, 16), dtype=np.float32),
             y=np.arange(60, dtype=np.int64) % 4)
    # spectral flags a share of every class: a TSA110 finding without a group
    options = AuditOptions(training_data=str(path), data_method="spectral")
    result = run_audit(str(path), options, steps=[DataStep()])
    step = result.steps[0]
    assert step.status.value == "ok" and step.details["flagged"] > 0, step.details
    assert "group" not in step.details and len(step.findings) == 1
    assert all("group" not in f.evidence for f in step.findings)
    for fmt in ("html", "markdown", "sarif", "json"):
        assert "most suspicious group" not in render_audit(result, fmt), fmt


def test_the_training_table_reads_the_label_column_given(tmp_path) -> None:
    """``--label-column`` names ``--training-data``'s label too (stop 72 hrev: a table
    labelled ``Status`` was refused, asking for the ``--label-column`` given)."""
    path = tmp_path / "users.csv"
    _pair_csv(path)
    path.write_text(path.read_text().replace(",y\n", ",Status\n", 1))
    options = AuditOptions(training_data=str(path), label_column="Status")
    result = run_audit(str(path), options, steps=[DataStep()])
    step = result.steps[0]
    assert step.status.value == "ok", step.details
    assert step.details["group"]["rows"] == 8


def test_a_label_column_the_training_table_lacks_is_data_s_alone(tmp_path) -> None:
    """Where the training table has no column of that name, its own label is read, as before
    stop 72 (``--label-column`` named ``--data``'s)."""
    data = _pair_csv(tmp_path / "users.csv")
    options = AuditOptions(training_data=data, label_column="Status")
    result = run_audit(data, options, steps=[DataStep()])
    assert result.steps[0].status.value == "ok" and result.steps[0].details["group"]["rows"] == 8
