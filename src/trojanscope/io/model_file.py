"""What format a single model file holds, told by its bytes as the loader tells it.

:func:`trojanscope.io.models.load_model` and the early checks before torch
(:func:`trojanscope.io.model_kind.model_input`) ask this one function, so a renamed file (an
ONNX export named ``.bin``, safetensors weights named ``.pt``, a TorchScript archive named
``.onnx``) gets the same answer early and late (stop 66: the early checks went by the suffix,
the loader by the bytes). Standard library only; the tree recognisers are the scanner's.
"""

from __future__ import annotations

from pathlib import Path

ZIP_MAGIC = b"PK\x03\x04"  # a torch zip: TorchScript or a plain checkpoint
HEAD_BYTES = 64  # the tree recognisers and the ONNX producer read as many
ONNX_SUFFIX = ".onnx"

__all__ = ["format_loads", "loads_as_model", "model_file_format", "torch_zip_kind",
           "torchscript_members"]


def model_file_format(path: str | Path) -> str | None:
    """``zip``, ``safetensors``, ``onnx``, ``xgboost`` or ``lightgbm``: the loader that
    :func:`~trojanscope.io.models.load_model` gives a file, in its order (a zip archive that is
    not safetensors; safetensors; ONNX by its suffix, its first bytes or, where no producer
    says so, its top level walked as a ``ModelProto`` (stop 68); a tree file by its first
    bytes); None for a file none of them reads (or that cannot be read)."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(HEAD_BYTES)
        size = path.stat().st_size
    except OSError:
        return None
    safetensors = is_safetensors(head, size)
    if head.startswith(ZIP_MAGIC) and not safetensors:
        return "zip"
    if safetensors:
        return "safetensors"
    if path.suffix.lower() == ONNX_SUFFIX or looks_like_onnx(head):
        return "onnx"
    if head[:1] == b"\x08":  # no producer in its first bytes: the whole top level walked
        from trojanscope.io.onnx_header import walks_as_model

        if walks_as_model(path):
            return "onnx"
    from trojanscope.scan.tree_fmt import LightGBMFormat, XGBoostFormat

    for fmt in (XGBoostFormat(), LightGBMFormat()):
        if fmt.matches(head, path.name):
            return fmt.kind
    return None


def is_safetensors(head: bytes, size: int) -> bool:
    """A safetensors file: an 8-byte little-endian header length shorter than the file, then
    the JSON header's ``{``."""
    return len(head) >= 9 and head[8:9] == b"{" and int.from_bytes(head[:8], "little") < size


def looks_like_onnx(head: bytes) -> bool:
    """An ONNX ``ModelProto`` without the suffix: field 1 (``ir_version``, a varint; tag byte
    0x08) first, and a producer naming pytorch or onnx near the start (ONNX has no magic)."""
    return head[:1] == b"\x08" and (b"pytorch" in head.lower() or b"onnx" in head.lower())


def torchscript_members(names: list[str]) -> bool:
    """Whether a torch zip's member names (lower case) are a TorchScript archive's (code or
    constants, which the loader checks and then runs in its sandbox), not a plain checkpoint's
    ``data.pkl`` alone, an ``.npz`` or another archive (all of which the loader refuses)."""
    return (any("/code/" in f"/{n}" for n in names)
            or any(n.endswith("constants.pkl") for n in names))


def torch_zip_kind(path: str | Path) -> str | None:
    """``torchscript`` or ``checkpoint`` (``data.pkl`` without code, which the loader refuses
    in its own words) for a torch zip, by its member names; None for another zip (an ``.npz``)
    or one that does not read."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            names = [n.lower() for n in zf.namelist()]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    if torchscript_members(names):
        return "torchscript"
    return "checkpoint" if any(n.endswith("data.pkl") for n in names) else None


def loads_as_model(path: str | Path) -> bool:
    """Whether :func:`~trojanscope.io.models.load_model` takes ``path`` to a loader rather than
    refusing it by its format at once: ONNX that is not a graph of ``ai.onnx.ml`` operators the
    loader refuses, an XGBoost or LightGBM file, safetensors with a ``manifest.json`` beside it,
    or a TorchScript zip (:func:`torch_zip_kind`). The loader may still refuse what is inside."""
    fmt = model_file_format(path)
    return format_loads(path, fmt, torch_zip_kind(path) if fmt == "zip" else None)


def format_loads(path: str | Path, fmt: str | None, zip_kind: str | None = None) -> bool:
    """:func:`loads_as_model` for a file whose :func:`model_file_format` (and, for a zip,
    :func:`torch_zip_kind`) was read already: ``audit``'s pick of a folder's one model file
    reads each once (:mod:`trojanscope.io.model_pick`)."""
    path = Path(path)
    if fmt == "safetensors":
        from trojanscope.io.manifest import MANIFEST_NAME

        return (path.parent / MANIFEST_NAME).is_file()
    if fmt == "zip":
        return zip_kind == "torchscript"
    if fmt == "onnx":
        from trojanscope.io.onnx_header import read_header

        header = read_header(path)
        return header is None or not header.classical
    return fmt is not None


CODE_RUNNING_SUFFIXES = (".pkl", ".pickle", ".joblib", ".h5", ".hdf5", ".keras", ".dill")
SKLEARN_MODULE = b"sklearn."  # a pickle's class reference to scikit-learn (GLOBAL/STACK_GLOBAL)
LIGHTGBM_DUMP = b'"tree_info"'  # a key of LightGBM's dump_model() JSON, near its start
# torch.save(..., _use_new_zipfile_serialization=False)'s first pickle: protocol 2, the LONG1
# magic number 0x1950a86a20f9469cfc6c (a legacy, non-zip PyTorch checkpoint; stop 73, hfix)
TORCH_LEGACY_MAGIC = b"\x80\x02\x8a\nl\xfc\x9cF\xf9 j\xa8P\x19"
# joblib.dump(..., compress=...)'s streams: the pickle inside is read for its words (stop 73)
JOBLIB_CODECS = ("zlib", "gzip", "bzip2", "xz", "lzma")


def runs_code(path: Path, head: bytes | None = None) -> bool:
    """Whether a file of no format the loader reads looks like one loaded by running code
    (a pickle's first byte, or a pickle, joblib or Keras suffix): the scanner speaks first."""
    if head is None:
        with open(path, "rb") as fh:
            head = fh.read(1)
    return head[:1] == b"\x80" or path.suffix.lower() in CODE_RUNNING_SUFFIXES


def unloadable_words(path: Path) -> str:
    """The loader's refusal of a file of no format it reads (said before the imports too, by
    ``cli.early_model``): what it takes, and why a pickle-like file is never loaded; for
    LightGBM's ``dump_model()`` JSON (stop 70), the file LightGBM's loader reads instead; for
    a pickle naming scikit-learn classes (stop 73: a user's joblib pipeline was told only that
    it is never loaded), which of scikit-learn's models trojanscope reads, and how; a pickle
    joblib compressed (``compress=3``) is read through its codec for those words (stop 73,
    hrev: such a pipeline was told only that it is never loaded)."""
    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
    if head.startswith(TORCH_LEGACY_MAGIC):
        return checkpoint_words(path)
    pickled = runs_code(path, head)
    if pickled:
        head += expanded_head(head)
    words = (f"{path}: not a model trojanscope can load (expected a trojanscope model folder, "
             "safetensors+manifest, TorchScript, ONNX, or an XGBoost or LightGBM model file)")
    if pickled:
        words += ("; this format is loaded by running code stored in it (pickle, joblib, "
                  "Keras), which trojanscope never does: `trojanscope scan` shows what it "
                  "would run")
        if SKLEARN_MODULE in head:
            words += ("; of scikit-learn it reads an MLPClassifier exported by skl2onnx "
                      "(to_onnx(model, X[:1]), no scaler in front) and tree ensembles as "
                      "XGBoost JSON/UBJSON or LightGBM text files (save_model): a scikit-learn "
                      "forest, boosting model or pipeline cannot be checked yet")
    elif LIGHTGBM_DUMP in head:
        words += ("; a LightGBM dump_model() JSON describes the trees but is not a model file: "
                  "save the booster with booster.save_model('model.txt')")
    return words


def checkpoint_words(path: Path) -> str:
    """The refusal of a plain PyTorch checkpoint, zip or legacy (stop 73, hfix: a legacy one
    got the generic pickle refusal), recognised by its bytes, never unpickled."""
    return (f"{path}: a plain PyTorch checkpoint holds weights without the architecture; "
            "convert it to TorchScript, ONNX or safetensors with a manifest (loading it "
            "unpickles it: `trojanscope scan` it first, convert with weights_only=True)")


def expanded_head(head: bytes, limit: int = 1 << 16) -> bytes:
    """Up to ``limit`` bytes of what ``head`` expands to where it starts a compressed stream
    joblib writes (:data:`JOBLIB_CODECS`), by the scanner's decompressors; else, or on a
    damaged stream, nothing. Nothing is unpickled."""
    import lzma
    import zlib

    from trojanscope.scan.compressed import new_decompressor
    from trojanscope.scan.sniff import sniff

    kind = sniff(head)
    if kind not in JOBLIB_CODECS:
        return b""
    try:
        return new_decompressor(kind).decompress(head, limit)
    except (zlib.error, lzma.LZMAError, OSError, EOFError, ValueError):
        return b""
