"""sign / verify: the model-signing bundle format, tamper detection, bad keys and bundles."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
import typer

from trojanscope.cli.commands import sign as sign_cli
from trojanscope.errors import UserInputError
from trojanscope.signing import generate, load_private, load_public, sign_folder, verify_folder
from trojanscope.signing.bundle import PREDICATE_TYPE


def run(args: list[str]) -> int:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        pass

    app.command("keygen")(sign_cli.keygen_command)
    app.command("sign")(sign_cli.sign_command)
    app.command("verify")(sign_cli.verify_command)
    try:
        return int(app(args=args, standalone_mode=False) or 0)
    except SystemExit as exc:
        return int(exc.code or 0)


@pytest.fixture()
def model(tmp_path: Path) -> tuple[Path, Path, Path]:
    folder = tmp_path / "my-model"
    (folder / "sub").mkdir(parents=True)
    (folder / "weights.bin").write_bytes(b"\x01" * 5000)
    (folder / "config.json").write_text('{"a": 1}')
    (folder / "sub" / "tokenizer.json").write_text("{}")
    key = tmp_path / "key.pem"
    generate(key, tmp_path / "key.pem.pub")
    return folder, key, tmp_path / "key.pem.pub"


def test_roundtrip_and_format(model):
    folder, key, pub = model
    sig = sign_folder(folder, load_private(key))
    bundle = json.loads(sig.read_text())
    assert bundle["mediaType"] == "application/vnd.dev.sigstore.bundle.v0.3+json"
    stmt = json.loads(base64.b64decode(bundle["dsseEnvelope"]["payload"]))
    assert stmt["predicateType"] == PREDICATE_TYPE
    assert stmt["subject"][0]["name"] == "my-model"
    names = [r["name"] for r in stmt["predicate"]["resources"]]
    assert names == ["config.json", "sub/tokenizer.json", "weights.bin"]
    result = verify_folder(folder, load_public(pub))
    assert result.ok and result.verified == 3


def test_tampering_is_reported(model):
    folder, key, pub = model
    sign_folder(folder, load_private(key))
    (folder / "weights.bin").write_bytes(b"\x02" * 5000)
    (folder / "config.json").rename(folder / "config2.json")
    (folder / "sub" / "tokenizer.json").unlink()
    (folder / "extra.pkl").write_bytes(b"new")
    r = verify_folder(folder, load_public(pub))
    assert not r.ok
    assert r.modified == ["weights.bin"]
    assert r.renamed == [("config.json", "config2.json")]
    assert r.missing == ["sub/tokenizer.json"]
    assert r.added == ["extra.pkl"]


def test_wrong_key_and_forged_statement(model, tmp_path):
    folder, key, pub = model
    sig = sign_folder(folder, load_private(key))
    other = tmp_path / "other.pem"
    generate(other, tmp_path / "other.pem.pub")
    r = verify_folder(folder, load_public(tmp_path / "other.pem.pub"))
    assert not r.ok and not r.signature_valid
    bundle = json.loads(sig.read_text())
    stmt = json.loads(base64.b64decode(bundle["dsseEnvelope"]["payload"]))
    stmt["predicate"]["resources"][0]["digest"] = "00" * 32
    bundle["dsseEnvelope"]["payload"] = base64.b64encode(json.dumps(stmt).encode()).decode()
    sig.write_text(json.dumps(bundle))
    assert not verify_folder(folder, load_public(pub)).signature_valid


def test_cli_exit_codes(model, tmp_path, capsys):
    folder, key, pub = model
    assert run(["sign", str(folder), "--key", str(key)]) == 0
    assert run(["verify", str(folder), "--key", str(pub)]) == 0
    (folder / "weights.bin").write_bytes(b"x")
    capsys.readouterr()
    assert run(["verify", str(folder), "--key", str(pub), "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] is False and doc["modified"] == ["weights.bin"]
    bad = tmp_path / "bad.pem"
    bad.write_text("not a key")
    with pytest.raises(UserInputError, match="not a PEM"):
        run(["sign", str(folder), "--key", str(bad)])
    (folder / "model.sig").write_text("{broken")
    with pytest.raises(UserInputError, match="not a signature bundle"):
        run(["verify", str(folder), "--key", str(pub)])
    with pytest.raises(UserInputError, match="not a folder"):
        run(["verify", str(tmp_path / "nope"), "--key", str(pub)])


def test_keygen_refuses_to_overwrite(tmp_path):
    assert run(["keygen", str(tmp_path / "k.pem")]) == 0
    assert (tmp_path / "k.pem.pub").exists()
    with pytest.raises(UserInputError, match="refusing"):
        run(["keygen", str(tmp_path / "k.pem")])
