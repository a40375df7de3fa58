"""Ed25519 keys in PEM files: generate, load (with one clear error line on bad input)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from trojanscope.errors import UserInputError
from trojanscope.io.atomic import check_output_file, write_bytes_atomic


def generate(private_path: Path, public_path: Path) -> None:
    """Write a new Ed25519 key pair (PKCS#8 / SubjectPublicKeyInfo PEM; private key 0600)."""
    for path in (private_path, public_path):
        if path.exists():
            raise UserInputError(f"{path} exists; refusing to overwrite a key")
        check_output_file(path, "key file")
    key = Ed25519PrivateKey.generate()
    write_bytes_atomic(private_path, key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    private_path.chmod(0o600)
    write_bytes_atomic(public_path, public_pem(key.public_key()))


def public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def key_hint(key: Ed25519PublicKey) -> str:
    """SHA-256 of the public key PEM, as model-signing records it in the bundle."""
    return hashlib.sha256(public_pem(key)).hexdigest()


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        reason = "it is a folder" if path.is_dir() else exc.strerror
        raise UserInputError(f"--key {path}: cannot read the {what} ({reason})") from None


def load_private(path: Path, password: bytes | None = None) -> Ed25519PrivateKey:
    raw = _read(path, "private key")
    try:
        key = serialization.load_pem_private_key(raw, password)
    except (ValueError, TypeError) as exc:
        raise UserInputError(f"--key {path}: not a PEM private key ({exc})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise UserInputError(f"--key {path}: expected an Ed25519 key, got "
                             f"{type(key).__name__.lstrip('_')}")
    return key


def load_public(path: Path) -> Ed25519PublicKey:
    raw = _read(path, "public key")
    try:
        key = serialization.load_pem_public_key(raw)
    except ValueError:
        try:  # a private key also carries the public key
            return load_private(path).public_key()
        except UserInputError:
            raise UserInputError(f"--key {path}: not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise UserInputError(f"--key {path}: expected an Ed25519 key")
    return key
