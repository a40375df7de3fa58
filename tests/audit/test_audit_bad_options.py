"""A bad detector, detector parameter, calibration file or public key stops ``audit`` before
anything is written (stop 34): one error line, exit 2, no report folder. Before, the other
steps ran and an incomplete report was written, its detect or signature step an error."""

from __future__ import annotations

import pytest

from trojanscope.audit import AuditOptions
from trojanscope.cli.main import run
from trojanscope.errors import UserInputError

BAD = [
    (["--method", "nosuch"], "unknown detector 'nosuch'"),
    (["-m", "neural_cleanse", "-p", "nosuch=1"], "has no parameter(s) nosuch"),
    (["-m", "neural_cleanse", "-p", "steps=-1"], "steps must be >= 1"),
    (["-m", "neural_cleanse", "-p", "steps=abc"], "steps must be a whole number"),
    (["-p", "nosuch=1"], "has no parameter(s) nosuch"),  # auto's parameters
    (["--calibration", "{tmp}/no-such.json"], "no such calibration file"),
    (["--calibration", "{tmp}/garbage.json"], "unreadable calibration file"),
    (["--key", "{tmp}/no-such.pub"], "cannot read the public key"),
    (["--key", "{tmp}/garbage.json"], "not a PEM public key"),
]


@pytest.mark.parametrize(("args", "words"), BAD)
def test_bad_audit_options_are_one_line_and_nothing_written(run_dirs, tmp_path, capsys, args,
                                                            words):
    (tmp_path / "garbage.json").write_text("not json {")
    report = tmp_path / "report"
    code = run(["audit", str(run_dirs["clean"]), "--report", str(report), "--no-history",
                *[a.format(tmp=tmp_path) for a in args]])
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error: ")
    assert words in lines[0] and "Traceback" not in err
    assert not report.exists()


def test_auto_takes_the_parameters_of_the_text_models_detector():
    """``auto`` on a text model is text-inversion: its parameters are not refused up front."""
    from trojanscope import registry
    from trojanscope.detect.input_level.text_inputs import TEXT_AUTO

    text_only = set(registry.create("detector", TEXT_AUTO).get_params()) - set(
        registry.create("detector", "auto").get_params())
    assert text_only, "no parameter of the text detector that auto lacks"
    name = sorted(text_only)[0]
    value = registry.create("detector", TEXT_AUTO).get_params()[name]
    AuditOptions(method_params={name: value}).check()
    with pytest.raises(UserInputError, match="nosuch"):
        AuditOptions(method_params={"nosuch": 1}).check()
