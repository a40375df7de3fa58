"""Signatures in the OpenSSF model-signing format (v1.0 predicate): a Sigstore bundle (v0.3 JSON)
holding a DSSE envelope over an in-toto statement. The statement's subject is the model (its
folder name) with a SHA-256 over all file digests; the predicate lists every file and digest.

The model-signing library only signs with ECDSA keys; this module writes the same format with
Ed25519 (the DSSE signature is Ed25519 over the PAE encoding) and verifies it offline.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from trojanscope.errors import UserInputError
from trojanscope.io.atomic import write_text_atomic
from trojanscope.io.json_file import load_json
from trojanscope.signing.digests import DEFAULT_IGNORE, hash_tree, root_digest
from trojanscope.signing.keys import key_hint

BUNDLE_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json"
PAYLOAD_TYPE = "application/vnd.in-toto+json"
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://model_signing/signature/v1.0"
DEFAULT_SIGNATURE = "model.sig"


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE pre-authentication encoding."""
    t = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)


def statement(model_name: str, digests: dict[str, str], ignore: list[str]) -> dict[str, Any]:
    resources = [{"name": name, "algorithm": "sha256", "digest": digests[name]}
                 for name in sorted(digests)]
    return {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": model_name, "digest": {"sha256": root_digest(digests)}}],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "serialization": {"method": "files", "hash_type": "sha256", "allow_symlinks": True,
                              "ignore_paths": ignore},
            "resources": resources,
        },
    }


def sign_folder(folder: Path, key: Ed25519PrivateKey, signature: Path | None = None) -> Path:
    """Hash every file in ``folder`` and write the signed bundle (default ``folder/model.sig``)."""
    signature = signature or folder / DEFAULT_SIGNATURE
    ignore = sorted({*DEFAULT_IGNORE, *signature_ignore(folder, signature)})
    digests = hash_tree(folder, ignore)
    if not digests:  # a signature over nothing would verify anything put there later
        raise UserInputError(f"{folder}: no files to sign")
    payload = json.dumps(statement(folder.resolve().name, digests, ignore),
                         separators=(",", ":"), sort_keys=True).encode()
    sig = key.sign(pae(PAYLOAD_TYPE, payload))
    bundle = {
        "mediaType": BUNDLE_MEDIA_TYPE,
        "verificationMaterial": {"publicKey": {"hint": key_hint(key.public_key())},
                                 "tlogEntries": []},
        "dsseEnvelope": {
            "payload": base64.b64encode(payload).decode(),
            "payloadType": PAYLOAD_TYPE,
            "signatures": [{"sig": base64.b64encode(sig).decode(), "keyid": ""}],
        },
    }
    write_text_atomic(signature, json.dumps(bundle, indent=2) + "\n")
    return signature


def signature_ignore(folder: Path, signature: Path) -> list[str]:
    """The signature file's path relative to ``folder`` (to leave out of digests), if inside."""
    try:
        return [signature.resolve().relative_to(folder.resolve()).as_posix()]
    except ValueError:
        return []


@dataclass
class Verification:
    """Outcome of :func:`verify_folder`; ``ok`` only when the signature and every file match."""

    signature_valid: bool
    key_matches: bool
    model_name: str = ""
    verified: int = 0
    modified: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    renamed: list[tuple[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.signature_valid and self.key_matches and not (
            self.modified or self.missing or self.added or self.renamed or self.problems)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "signature_valid": self.signature_valid,
                "key_matches": self.key_matches, "model": self.model_name,
                "verified": self.verified, "modified": self.modified, "missing": self.missing,
                "added": self.added, "renamed": [list(p) for p in self.renamed],
                "problems": self.problems}


def _load_bundle(signature: Path) -> dict[str, Any]:
    try:
        bundle = load_json(signature)  # size-capped, nesting checked
        env = bundle["dsseEnvelope"]
        _ = env["payload"], env["signatures"][0]["sig"], env["payloadType"]
    except FileNotFoundError:
        raise UserInputError(f"{signature}: no signature file (run `trojanscope sign` first)") \
            from None
    except (OSError, ValueError, KeyError, IndexError, TypeError) as exc:
        raise UserInputError(f"{signature}: not a signature bundle ({type(exc).__name__})") \
            from None
    if bundle.get("mediaType") != BUNDLE_MEDIA_TYPE:
        raise UserInputError(f"{signature}: unexpected mediaType {bundle.get('mediaType')!r}")
    return bundle


def verify_folder(folder: Path, key: Ed25519PublicKey,
                  signature: Path | None = None) -> Verification:
    """Check the bundle's signature with ``key`` and compare the signed digests with the files."""
    signature = signature or folder / DEFAULT_SIGNATURE
    bundle = _load_bundle(signature)
    env = bundle["dsseEnvelope"]
    try:
        payload = base64.b64decode(env["payload"], validate=True)
        sig = base64.b64decode(env["signatures"][0]["sig"], validate=True)
    except ValueError:
        raise UserInputError(f"{signature}: payload or signature is not base64") from None
    hint = bundle.get("verificationMaterial", {}).get("publicKey", {}).get("hint")
    result = Verification(signature_valid=True, key_matches=hint in (None, "", key_hint(key)))
    try:
        key.verify(sig, pae(env["payloadType"], payload))
    except InvalidSignature:
        result.signature_valid = False
        result.problems.append("the signature does not match the signed statement and key")
        return result
    stmt = json.loads(payload)
    if stmt.get("_type") != STATEMENT_TYPE or stmt.get("predicateType") != PREDICATE_TYPE:
        result.problems.append("unexpected statement or predicate type")
        return result
    signed = {r["name"]: r["digest"] for r in stmt["predicate"]["resources"]}
    root = root_digest(signed)
    result.model_name = stmt["subject"][0]["name"]
    if stmt["subject"][0]["digest"]["sha256"] != root:
        result.problems.append("the subject digest does not match the listed files")
    ignore = list(stmt["predicate"]["serialization"].get("ignore_paths", []))
    current = hash_tree(folder, {*ignore, *signature_ignore(folder, signature)})
    missing = sorted(set(signed) - set(current))
    added = sorted(set(current) - set(signed))
    by_digest: dict[str, list[str]] = {}
    for name in added:
        by_digest.setdefault(current[name], []).append(name)
    for name in missing:
        candidates = by_digest.get(signed[name])
        if candidates:
            new = candidates.pop(0)
            result.renamed.append((name, new))
            added.remove(new)
        else:
            result.missing.append(name)
    result.added = added
    for name in sorted(set(signed) & set(current)):
        if signed[name] == current[name]:
            result.verified += 1
        else:
            result.modified.append(name)
    return result
