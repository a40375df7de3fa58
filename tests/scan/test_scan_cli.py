"""The ``scan`` command: formats, SARIF validity, exit codes, atomic output, config and
suppressions. The command is mounted on a bare Typer app so the test does not depend on other
commands' modules."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import jsonschema
import pytest
import typer

from trojanscope.cli.commands import scan as scan_cli
from trojanscope.testing.scan_corpus import Gadget

SCHEMA = Path(__file__).resolve().parents[1] / "report" / "data" / "sarif-schema-2.1.0.json"


def run(args: list[str]) -> int:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        pass

    app.command("scan")(scan_cli.scan_command)
    try:
        return int(app(args=["scan", *args], standalone_mode=False) or 0)
    except SystemExit as exc:
        return int(exc.code or 0)


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, Path]:
    evil = tmp_path / "evil.pkl"
    evil.write_bytes(pickle.dumps(Gadget(eval, ("1",))))
    odd = tmp_path / "odd.pkl"
    odd.write_bytes(pickle.dumps(Gadget(print, ("x",))))
    clean = tmp_path / "clean.pkl"
    clean.write_bytes(pickle.dumps({"a": [1, 2]}))
    text = tmp_path / "notes.txt"
    text.write_text("just notes\n")
    return {"evil": evil, "odd": odd, "clean": clean, "text": text}


def test_exit_codes(files, capsys):
    assert run([str(files["evil"])]) == 1
    assert run([str(files["clean"])]) == 0
    assert run([str(files["odd"])]) == 0  # medium < default fail-on high
    assert run([str(files["odd"]), "--fail-on", "medium"]) == 1
    assert run([str(files["text"])]) == 3
    with pytest.raises(Exception, match="unknown severity"):
        run([str(files["clean"]), "--fail-on", "severe"])


def test_json_output_schema(files, capsys):
    assert run([str(files["evil"]), "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema"] == "trojanscope.report" and doc["schema_version"] == 1
    (finding,) = [f for f in doc["findings"] if f["rule_id"] == "TS101"]
    assert finding["severity"] == "critical"
    assert finding["evidence"]["global"] == "builtins:eval"
    assert finding["location"]["file"] == str(files["evil"])
    assert doc["summary"]["max_severity"] == "critical"


def test_sarif_validates_against_the_official_schema(files, tmp_path):
    out = tmp_path / "out.sarif"
    code = run(
        [
            str(files["evil"].parent),
            "--format",
            "sarif",
            "--output",
            str(out),
            "--min-severity",
            "info",
            "--suppress",
            f"TS150:{files['odd'].name}",
        ]
    )
    assert code == 1
    doc = json.loads(out.read_text())
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))
    results = doc["runs"][0]["results"]
    assert {r["level"] for r in results} == {"error", "warning"}
    suppressed = [r for r in results if r.get("suppressions")]
    assert suppressed and suppressed[0]["ruleId"] == "TS150"


def test_markdown_and_console(files, capsys):
    run([str(files["evil"]), "--format", "markdown"])
    assert "| critical | TS101 |" in capsys.readouterr().out
    run([str(files["evil"])])
    assert "TS101" in capsys.readouterr().out


def test_config_extends_the_lists_and_suppresses_by_digest(files, tmp_path):
    import hashlib

    digest = hashlib.sha256(files["evil"].read_bytes()).hexdigest()
    cfg = tmp_path / "rules.toml"
    cfg.write_text(
        '[[imports]]\nid = "TS101"\npatterns = ["builtins:print"]\n\n'
        f'[[suppress]]\nrule = "TS101"\nsha256 = "{digest}"\nmatch = "builtins:eval"\n'
        'reason = "reviewed: test fixture"\n'
    )
    assert run([str(files["odd"]), "--config", str(cfg)]) == 1  # print is now critical
    assert run([str(files["evil"]), "--config", str(cfg)]) == 0  # eval suppressed by digest


def test_suppressions_name_known_rules_in_configs_too(files, tmp_path):
    # review, stop 35: --suppress refused an unknown id while a config's [[suppress]] did not;
    # a plug-in's own id is declared in [[rules]] and may then be suppressed either way
    cfg = tmp_path / "typo.toml"
    cfg.write_text('[[suppress]]\nrule = "TS1O1"\nreason = "typo"\n')
    with pytest.raises(Exception, match="TS1O1"):
        run([str(files["clean"]), "--config", str(cfg)])
    plug = tmp_path / "plugin.toml"
    plug.write_text(
        '[[rules]]\nid = "PLUG1"\nname = "my-check"\nseverity = "low"\n\n'
        '[[suppress]]\nrule = "PLUG1"\nreason = "reviewed"\n'
    )
    assert run([str(files["clean"]), "--config", str(plug), "--suppress", "PLUG1:*"]) == 0


def test_bad_config_is_one_clear_error(files, tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[[imports]]\nid = 3 = 4\n")
    with pytest.raises(Exception, match="not valid TOML"):
        run([str(files["clean"]), "--config", str(cfg)])
    with pytest.raises(Exception, match="RULE:PATH_GLOB"):
        run([str(files["clean"]), "--suppress", "nocolon"])


def test_unknown_tables_in_a_config_are_refused(files, tmp_path):
    # stop 37: a misspelt [[supress]] (or any unknown table) was ignored silently, so the
    # reviewed exception never applied and nothing said why
    from trojanscope.scan.rules import load_policy

    for text, named in (
        ('[[supress]]\nrule = "TS102"\nreason = "reviewed"\n', "supress"),
        ('[nested]\nloader = ["x"]\n', "loader"),
    ):
        cfg = tmp_path / "typo.toml"
        cfg.write_text(text)
        with pytest.raises(Exception, match=f"--config .*typo.toml: .*{named}"):
            run([str(files["clean"]), "--config", str(cfg)])
        with pytest.raises(Exception, match=f"^TROJANSCOPE_SCAN_CONFIG .*{named}"):
            load_policy([cfg], label="TROJANSCOPE_SCAN_CONFIG")


def test_output_is_atomic(files, tmp_path, monkeypatch):
    out = tmp_path / "report.json"
    out.write_text("previous")

    def boom(report, fmt):
        raise RuntimeError("renderer failed")

    monkeypatch.setattr(scan_cli, "render_text", boom)
    with pytest.raises(RuntimeError):
        run([str(files["evil"]), "--format", "json", "--output", str(out)])
    assert out.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".report")] == []
