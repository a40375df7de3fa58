"""Save and load models safely.

Saved form (a folder): ``model.safetensors`` (weights, no code), ``manifest.json`` (architecture
and provenance), and exports for other tools: ``model.torchscript.pt`` and ``model.onnx``.

Loading accepts that folder, a ``.safetensors`` file with a manifest beside it, TorchScript,
ONNX (converted to a differentiable module), or an ``nn.Module`` through the API. A user's
file is never unpickled: plain PyTorch checkpoints are read with ``weights_only=True`` only.
"""

from __future__ import annotations

import io
import json
import os
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save_file
from torch import nn

from trojanscope import registry
from trojanscope.errors import UserInputError
from trojanscope.io.hashing import sha256_file
from trojanscope.io.hf_folder import model_folder_kind
from trojanscope.io.manifest import MANIFEST_NAME, Manifest, read_manifest
from trojanscope.io.model_file import (
    checkpoint_words,
    model_file_format,
    torchscript_members,
    unloadable_words,
)

if TYPE_CHECKING:
    from trojanscope.detect.base import ModelVerdict

WEIGHTS_NAME = "model.safetensors"
TORCHSCRIPT_NAME = "model.torchscript.pt"
ONNX_NAME = "model.onnx"
TREE_LIBRARIES = {"xgboost": "XGBoost", "lightgbm": "LightGBM"}  # load_foreign's names
UNKNOWN_SHAPE = "the model's input shape is unknown: give clean data or a manifest"


@dataclass
class LoadedModel:
    """A model ready for inspection, with what is known about its inputs and classes."""

    module: nn.Module
    format: str
    source: str
    input_shape: tuple[int, ...] | None = None
    class_names: list[str] | None = None
    manifest: Manifest | None = None
    files: dict[str, str] = field(default_factory=dict)

    @property
    def num_classes(self) -> int | None:
        return len(self.class_names) if self.class_names else None


# -- saving -----------------------------------------------------------------------------------
def save_model(
    folder: str | Path, model: nn.Module, manifest: Manifest, *, exports: bool = True
) -> Manifest:
    """Write weights, exports and the manifest (with every file's SHA-256) into ``folder``.

    ``folder`` should be a fresh temporary folder (see :func:`trojanscope.io.atomic.atomic_dir`);
    the returned manifest is the one written.
    """
    folder = Path(folder)
    model = model.eval()
    save_native = getattr(model, "save_native", None)
    if save_native is not None:  # boosted trees: the library's own code-free format
        save_native(folder)
    else:
        state = {k: v.detach().contiguous().clone() for k, v in model.state_dict().items()}
        save_file(
            state, str(folder / WEIGHTS_NAME),
            metadata={"format": "pt", "arch": manifest.arch.name},
        )
    save_files = getattr(model, "save_files", None)
    if save_files is not None:  # e.g. a Hugging Face config.json beside the weights
        save_files(folder, manifest.class_names)
    if exports and save_native is None and getattr(model, "exportable", True):
        make_example = getattr(model, "example_input", None)
        example = make_example(2) if make_example else torch.rand(2, *manifest.input_shape)
        export_torchscript(model, example, folder / TORCHSCRIPT_NAME)
        export_onnx(model, example, folder / ONNX_NAME)
    files = {
        p.name: sha256_file(p)
        for p in sorted(folder.iterdir())
        if p.is_file() and p.name != MANIFEST_NAME
    }
    manifest = manifest.model_copy(update={"files": files})
    (folder / MANIFEST_NAME).write_text(
        json.dumps(manifest.model_dump(mode="json"), indent=2) + "\n"
    )
    return manifest


def quiet_trace(model: nn.Module, example: torch.Tensor) -> torch.jit.ScriptModule:
    """``model`` traced on ``example``, the tracer's warnings silenced (the purified copies'
    :class:`~trojanscope.mitigate.save.MarkedScript` wraps the same trace)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return torch.jit.trace(model, example)


def export_torchscript(model: nn.Module, example: torch.Tensor, path: Path) -> None:
    """Trace ``model`` to TorchScript (deprecated upstream in favour of torch.export, but still
    the format most scanners and serving stacks read)."""
    quiet_trace(model, example).save(str(path))


def export_onnx(model: nn.Module, example: torch.Tensor, path: Path) -> None:
    """Export to ONNX with a dynamic batch dimension (the fast TorchScript-based exporter,
    falling back to the torch.export-based one where the former is unavailable)."""
    kwargs = {"input_names": ["input"], "output_names": ["logits"]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            torch.onnx.export(
                model,
                (example,),
                str(path),
                dynamo=False,
                dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
                **kwargs,
            )
        except (TypeError, RuntimeError):
            torch.onnx.export(
                model,
                (example,),
                str(path),
                dynamo=True,
                dynamic_shapes=({0: torch.export.Dim("batch")},),
                **kwargs,
            )


# -- loading ----------------------------------------------------------------------------------
def build_from_manifest(manifest: Manifest, weights: Path) -> nn.Module:
    """Rebuild the registered architecture and load safetensors weights into it (strictly)."""
    args = dict(manifest.arch.args)
    args.setdefault("input_shape", tuple(manifest.input_shape))
    args["input_shape"] = tuple(args["input_shape"])
    args.setdefault("num_classes", manifest.num_classes)
    for_folder = getattr(registry.get("arch", manifest.arch.name), "args_for_folder", None)
    if for_folder is not None:
        args = for_folder(args, weights.parent)
    check = getattr(registry.get("arch", manifest.arch.name), "check_weights", None)
    if check is not None:  # a header read, before an architecture of many parts is built
        try:
            with safe_open(str(weights), framework="pt") as fh:
                keys = list(fh.keys())
        except (SafetensorError, OSError, ValueError) as exc:
            raise UserInputError(f"{weights}: not a readable safetensors file ({exc})") from None
        try:
            check(args, keys)
        except ValueError as exc:
            raise UserInputError(f"{weights}: {exc}") from None
    module = registry.create("arch", manifest.arch.name, **args)
    try:
        state = load_file(str(weights))
    except (SafetensorError, OSError, ValueError) as exc:
        raise UserInputError(f"{weights}: not a readable safetensors file ({exc})") from None
    try:
        missing, unexpected = module.load_state_dict(state, strict=False)
    except RuntimeError as exc:  # shape mismatches
        detail = str(exc).splitlines()[-1].strip()
        raise UserInputError(
            f"{weights}: weights do not match architecture {manifest.arch.name!r} ({detail})"
        ) from None
    if missing or unexpected:
        raise UserInputError(
            f"{weights}: weights do not match architecture {manifest.arch.name!r} "
            f"(missing {sorted(missing)[:3]}, unexpected {sorted(unexpected)[:3]})"
        )
    return module.eval()


def load_model(path: str | Path, *, scan: bool = True) -> LoadedModel:
    """Load a model from a folder written by ``attack``/``train``, a Hugging Face
    classification folder (:mod:`trojanscope.io.hf_load`), a ``.safetensors`` file with a
    manifest beside it, a TorchScript archive, an ONNX file, or an XGBoost/LightGBM file made
    by other code (:mod:`trojanscope.models.foreign_trees`); format is read from content.

    The files it reads are scanned first (:mod:`trojanscope.io.scan_gate`): a finding rated
    high or critical refuses the model. ``scan=False`` only where the caller scanned them
    already (``audit``'s scan step, with the user's policy)."""
    from trojanscope.io.scan_gate import refuse_dangerous

    path = Path(path)
    if not path.exists():
        raise UserInputError(f"{path}: no such file or folder")
    if path.is_dir():
        kind = model_folder_kind(path)
        if kind == "huggingface":
            from trojanscope.io.hf_load import load_hf_folder, read_files

            if scan:  # the whole folder (its layout rules need every file); findings in
                # files the loader never reads (training_args.bin) only warn
                refuse_dangerous(path, reads=read_files(path))
            return load_hf_folder(path)
        if kind is None:
            raise UserInputError(
                f"{path}: folder has no {MANIFEST_NAME}; pass the model file itself"
            )
        if scan:  # what is loaded: the manifest and the weights (not the exports)
            refuse_dangerous(path, [path / MANIFEST_NAME, *_loaded_files(path)])
        manifest = read_manifest(path)
        native = _native_file(manifest, path)
        if native is not None:
            return native
        weights = path / WEIGHTS_NAME
        if not weights.is_file():
            raise UserInputError(f"{path}: folder has a manifest but no {WEIGHTS_NAME}")
        return _from_manifest(manifest, weights, str(path))
    if path.stat().st_size == 0:
        raise UserInputError(f"{path}: empty file, not a model")
    fmt = model_file_format(path)  # by its bytes, as the early checks tell it
    if fmt == "zip":
        # read once: scanned and loaded from these bytes in a sandboxed child
        data = path.read_bytes()
        if scan:
            refuse_dangerous(path, data=data)
        return _load_torch_zip(path, data)
    if scan:
        beside = path.parent / MANIFEST_NAME
        refuse_dangerous(path, [path, beside] if fmt == "safetensors" and beside.is_file()
                         else [path])
    if fmt == "safetensors":
        if not (path.parent / MANIFEST_NAME).is_file():
            raise UserInputError(
                f"{path}: safetensors weights need a {MANIFEST_NAME} beside them "
                "to name the architecture"
            )
        return _from_manifest(read_manifest(path.parent), path, str(path))
    if fmt == "onnx":
        from trojanscope.io.onnx_import import load_onnx

        module = load_onnx(path)
        return LoadedModel(module.eval(), "onnx", str(path), module.input_shape)
    if fmt in TREE_LIBRARIES:  # a user's XGBoost/LightGBM file, bound to the table's columns later
        from trojanscope.models.foreign_trees import load_foreign

        module = load_foreign(path, TREE_LIBRARIES[fmt])
        return LoadedModel(module.eval(), fmt, str(path))
    raise UserInputError(unloadable_words(path))


def _loaded_files(folder: Path) -> list[Path]:
    """The files a run folder's model is read from: safetensors (with a text model's
    ``config.json`` and tokenizer files), or the one file of a native format (boosted trees),
    whichever is there; never the exports."""
    from trojanscope.io.hf_folder import CONFIG_NAME, TOKENIZER_NAMES

    found = [folder / WEIGHTS_NAME] if (folder / WEIGHTS_NAME).is_file() else []
    skip = {MANIFEST_NAME, WEIGHTS_NAME, TORCHSCRIPT_NAME, ONNX_NAME}
    if not found:  # a native file's name is the architecture's (read after the scan)
        found = [p for p in sorted(folder.iterdir()) if p.is_file() and p.name not in skip
                 and p.suffix.lower() in (".json", ".ubj", ".txt", ".model")]
    else:  # a text model (minilm) rebuilds from the run folder's config and tokenizer
        found += [folder / n for n in (CONFIG_NAME, *TOKENIZER_NAMES)
                  if (folder / n).is_file()]
    return found


def _native_file(manifest: Manifest, folder: Path) -> LoadedModel | None:
    """A model saved in its library's own format (boosted trees), or None for safetensors."""
    cls = registry.get("arch", manifest.arch.name)
    file_name = getattr(cls, "file_name", "")
    if not file_name or not hasattr(cls, "load_native"):
        return None
    path = folder / file_name
    if not path.is_file():
        raise UserInputError(f"{folder}: folder has a manifest but no {file_name}")
    args = {k: v for k, v in manifest.arch.args.items() if k not in ("input_shape", "num_classes")}
    module = cls.load_native(path, manifest.num_classes, **args)
    if list(module.input_shape) != list(manifest.input_shape):
        raise UserInputError(
            f"{path}: the model takes {module.input_shape[0]} features, the manifest says "
            f"{manifest.input_shape}"
        )
    return LoadedModel(module, cls.arch_name(), str(folder), tuple(manifest.input_shape),
                       list(manifest.class_names), manifest, dict(manifest.files))


def _from_manifest(manifest: Manifest, weights: Path, source: str) -> LoadedModel:
    return LoadedModel(
        build_from_manifest(manifest, weights),
        "safetensors",
        source,
        tuple(manifest.input_shape),
        list(manifest.class_names),
        manifest,
        dict(manifest.files),
    )


def refuse_shapeless_torchscript(path: str | Path) -> None:
    """``detect --data-free`` on one TorchScript file: refused with :data:`UNKNOWN_SHAPE`, as
    :func:`trojanscope.detect.base.prepare_target` refuses it (an archive records no input
    shape), but after only the checks :func:`load_model` makes first (the scan, then the
    archive's static checks, each in its own words) and before the sandboxed child and the
    detectors' imports (stop 76 hfix3: 5.4 CPU s for that one line). Nothing for any other
    model (a folder, an ONNX or safetensors file: the readers decide)."""
    from trojanscope.io.scan_gate import refuse_dangerous

    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0 or model_file_format(path) != "zip":
        return
    data = path.read_bytes()
    refuse_dangerous(path, data=data)
    _torchscript_payload(path, data)
    raise UserInputError(UNKNOWN_SHAPE)


def _load_torch_zip(path: Path, raw: bytes) -> LoadedModel:
    """A TorchScript archive from ``raw`` (the file's bytes, read once): the static checks,
    then a worker in the sandboxed child (:mod:`trojanscope.io.ts_sandbox`) that loads the same
    bytes, holds the model and answers calls: this process gets a
    :class:`~trojanscope.io.ts_proxy.SandboxedModule` and never loads the archive itself."""
    import hashlib

    from trojanscope.io.ts_proxy import SandboxedModule

    payload = _torchscript_payload(path, raw)
    digest = hashlib.sha256(payload).hexdigest()
    try:
        module = SandboxedModule(payload, digest, str(path))
    except RuntimeError as exc:  # torch's own load error, in the child
        raise UserInputError(
            f"{path}: not a loadable TorchScript archive ({str(exc).splitlines()[0]})"
        ) from None
    return LoadedModel(module.eval(), "torchscript", str(path))


def _torchscript_payload(path: Path, raw: bytes) -> bytes:
    """The archive's static checks (a corrupt zip, a plain checkpoint, code torch would run
    unchecked, no fork for the sandbox), each one error line; returns the bytes the sandboxed
    child loads (what the check read, written afresh)."""
    from trojanscope.scan.torchscript_code import archive_problems, rewritten

    data = io.BytesIO(raw)  # checked and loaded from the same bytes
    try:
        with zipfile.ZipFile(data) as zf:
            names = [n.lower() for n in zf.namelist()]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise UserInputError(f"{path}: corrupt zip archive ({exc})") from None
    if torchscript_members(names):
        problems = archive_problems(data)
        if problems:  # torch.jit.load would run it: refused before anything is compiled
            member, what = problems[0]
            raise UserInputError(
                f"{path}: TorchScript archive refused before loading: {member}: {what} "
                "(it could reach files, the network or raw memory, or cannot be checked; "
                "TS208 in `trojanscope scan`)"
            )
        data.seek(0)
        # what the check read, written afresh: torch sees no other members; the child's worker
        # loads exactly these bytes (a crash there refuses the model) and keeps them loaded
        payload = rewritten(data).getvalue()
        if not hasattr(os, "fork"):
            raise UserInputError(f"{path}: TorchScript runs only in a sandboxed child process, "
                                 "which needs fork (not available here, e.g. Windows); convert "
                                 "the model to ONNX or safetensors with a manifest")
        return payload
    if any(n.endswith("data.pkl") for n in names):
        raise UserInputError(checkpoint_words(path))
    raise UserInputError(
        f"{path}: a zip archive that is neither TorchScript nor a PyTorch checkpoint"
    )


def images_for_flat_input(loaded: LoadedModel, dataset: object) -> None:
    """Give an ONNX model that takes one flat row of C·H·W values (a scikit-learn
    ``MLPClassifier`` fitted on flattened images, exported by skl2onnx) the images of a
    dataset of C x H x W, flattened in that order (:meth:`OnnxModule.take_images`); nothing
    for any other model or data."""
    take_image_shape(loaded, tuple(getattr(dataset, "input_shape", None) or ()))


def take_image_shape(loaded: LoadedModel, shape: tuple[int, ...]) -> None:
    """:func:`images_for_flat_input` for images of ``shape`` (C, H, W) held as a tensor
    (``detect-inputs``' inputs, stop 68 hrev)."""
    take = getattr(loaded.module, "take_images", None)
    if take is not None and len(shape) == 3 and take(shape):
        loaded.input_shape = shape


def outside_calibration(module: nn.Module) -> str | None:
    """Why no calibration speaks for a verdict on ``module``, or None: a scikit-learn network
    read through skl2onnx's probability branch (stop 68) was trained by another recipe than
    every calibration zoo's models (torch, trojanscope's), so its probability is a score to
    review, never called backdoored (the detector's ``score_only``)."""
    read = getattr(module, "output_read", None)
    if not read:
        return None
    return (f"a scikit-learn classifier read from its skl2onnx graph ({read}): no calibration "
            "holds models trained that way, so the probability is a ranking score to review, "
            "not a calibrated one")


def mark_outside_calibration(module: nn.Module, verdict: ModelVerdict) -> None:
    """Set a verdict on ``module`` (before calibration) to ``score_only`` with
    :func:`outside_calibration`'s note where that names a reason; nothing otherwise. Every
    detector's :meth:`~trojanscope.detect.base.ModelDetector.inspect` asks it, so ``detect``,
    ``audit``, ``zoo`` and ``mitigate``'s gate read the same verdict (stop 68, hrev)."""
    said = outside_calibration(module)
    if said is not None:
        verdict.score_only = True
        verdict.detector_notes.append(said)


def from_module(
    module: nn.Module,
    *,
    input_shape: tuple[int, ...] | None = None,
    class_names: list[str] | None = None,
) -> LoadedModel:
    """Wrap an in-memory ``nn.Module`` for the same code paths as a loaded file."""
    return LoadedModel(module.eval(), "module", type(module).__name__, input_shape, class_names)
