"""``trojanscope keygen`` / ``sign DIR`` / ``verify DIR``: Ed25519 signatures over a model
folder in the OpenSSF model-signing bundle format."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from trojanscope.cli.common import OutputFormat, command, print_json, stderr_console, stdout_console


def keygen_command(
    out: Path = typer.Argument(..., help="Private key path; the public key goes to OUT.pub."),
) -> None:
    """Create an Ed25519 key pair for `sign` (private key PEM, mode 0600) and `verify`."""
    from trojanscope.signing import generate

    public = out.with_name(out.name + ".pub")
    generate(out, public)
    stderr_console().print(f"wrote {out} (private) and {public} (public)")


def sign_command(
    folder: Path = typer.Argument(..., help="Model folder to sign."),
    key: Path = typer.Option(..., "--key", help="Ed25519 private key (PEM)."),
    signature: Path | None = typer.Option(None, "--signature",
                                          help="Bundle path (default DIR/model.sig)."),
) -> None:
    """Hash every file of FOLDER and write a signed manifest next to it."""
    from trojanscope.errors import UserInputError
    from trojanscope.signing import load_private, sign_folder

    if not folder.is_dir():
        raise UserInputError(f"{folder}: not a folder")
    password = os.environ.get("TROJANSCOPE_KEY_PASSWORD")
    path = sign_folder(folder, load_private(key, password.encode() if password else None),
                       signature)
    stderr_console().print(f"signed {folder} → {path}")


def verify_command(
    folder: Path = typer.Argument(..., help="Model folder to verify."),
    key: Path = typer.Option(..., "--key", help="Ed25519 public key (PEM)."),
    signature: Path | None = typer.Option(None, "--signature",
                                          help="Signature bundle (default DIR/model.sig)."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", "-f"),
) -> None:
    """Check the signature and every file. Exit 0 verified, 1 verification failed, 2 error."""
    from trojanscope.errors import UserInputError
    from trojanscope.signing import load_public, verify_folder

    if not folder.is_dir():
        raise UserInputError(f"{folder}: not a folder")
    result = verify_folder(folder, load_public(key), signature)
    if fmt is OutputFormat.json:
        print_json(result.to_dict())
    else:
        out = stdout_console()
        for problem in result.problems:
            out.print(f"[red]bad signature[/red]: {problem}")
        if not result.key_matches:
            out.print("[red]key mismatch[/red]: the bundle names a different signing key")
        for name in result.modified:
            out.print(f"[red]modified[/red] {name}")
        for name in result.missing:
            out.print(f"[red]missing[/red]  {name}")
        for name in result.added:
            out.print(f"[red]added[/red]    {name}")
        for old, new in result.renamed:
            out.print(f"[red]renamed[/red]  {old} → {new}")
        out.print(("[green]verified[/green]" if result.ok else "[red]verification failed[/red]")
                  + f": {result.verified} file(s) match")
    if not result.ok:
        raise SystemExit(1)


command("keygen", order=100)(keygen_command)
command("sign", order=101)(sign_command)
command("verify", order=102)(verify_command)
