"""Model folder signing and verification (OpenSSF model-signing bundle format, Ed25519 keys)."""

from trojanscope.signing.bundle import Verification, sign_folder, verify_folder
from trojanscope.signing.digests import hash_tree, sha256_file
from trojanscope.signing.keys import generate, load_private, load_public

__all__ = ["Verification", "generate", "hash_tree", "load_private", "load_public", "sha256_file",
           "sign_folder", "verify_folder"]
