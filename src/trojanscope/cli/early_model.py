"""Data of the wrong kind for the model, refused before torch is imported.

Stop 64 left these refused only after a command's imports (16-40 s at load 12-17): a table
given to an image model, images of another size, a CSV without a label column given to a table
model, NaN inside an ``.npz``. The model's kind and input shape are told without torch where its
own files say them: a run folder's ``manifest.json`` (``input_shape``; ``text`` for a text
model, ``tabular`` with its label column for a table model) or an XGBoost/LightGBM file's first
bytes (the scanner's recognisers); an ``.npz``'s ``x`` by its ``.npy`` header in the zip
(:func:`~.early_data.npz_x`; NaN in it: :func:`~.early_data.check_data_file`). Anything else
(an ONNX or TorchScript file, whose shape needs their libraries; a folder of images; a
plug-in's data format) is left to the readers, which refuse it after the imports as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trojanscope.cli.early_data import (
    TABLE_SUFFIXES,
    TEXT_SUFFIXES,
    check_text_data,
    csv_header,
    data_files,
    npz_x,
    read_head,
)
from trojanscope.errors import UserInputError

LABEL_GUESSES = ("label", "target", "class", "y")  # data.tabular.table.LABEL_GUESSES


@dataclass(frozen=True)
class ModelInput:
    """What a model reads, as its files say: ``image`` (``shape`` C, H, W), ``table`` (its
    ``label`` column where a manifest names it) or ``text``."""

    kind: str
    shape: tuple[int, ...] | None = None
    label: str | None = None
    trees: bool = False  # an XGBoost/LightGBM file made by other code (models.foreign_trees)


def model_input(model: str | Path | None) -> ModelInput | None:
    """The model's input kind from its JSON files or first bytes alone; None where they do not
    say (an ONNX or TorchScript file, a missing path, a manifest that does not read)."""
    if model is None:
        return None
    path = Path(model)
    manifest = _manifest(path)
    if manifest is not None:
        return _from_manifest(manifest)
    if path.is_file():
        from trojanscope.scan.tree_fmt import LightGBMFormat, XGBoostFormat

        head = read_head(path, 64)
        if any(fmt.matches(head, path.name) for fmt in (XGBoostFormat(), LightGBMFormat())):
            return ModelInput("table", trees=True)
    return None


def _manifest(path: Path) -> dict[str, Any] | None:
    """A run folder's manifest (or the one beside a ``.safetensors`` file), read as JSON."""
    from trojanscope.io.hf_folder import model_folder_kind

    if model_folder_kind(path) == "run":
        file = path / "manifest.json"
    elif path.is_file() and path.suffix.lower() == ".safetensors":
        file = path.parent / "manifest.json"
    else:
        return None
    from trojanscope.io.json_file import load_json  # a size cap; deep nesting a ValueError

    try:
        raw = load_json(file)
    except (OSError, ValueError):
        return None  # the loader says what is wrong with it
    return raw if isinstance(raw, dict) else None


def _from_manifest(manifest: dict[str, Any]) -> ModelInput | None:
    if manifest.get("text"):
        return ModelInput("text")
    tabular = manifest.get("tabular")
    if isinstance(tabular, dict):
        label = tabular.get("label")
        return ModelInput("table", label=label if isinstance(label, str) else None)
    shape = manifest.get("input_shape")
    if (isinstance(shape, list) and len(shape) == 3
            and all(isinstance(n, int) and n > 0 for n in shape)):
        return ModelInput("image", tuple(shape))
    return None


def check_model_data(model: str | Path | None, data: dict[str, Any], *,
                     text_column: str | None = None, label_column: str | None = None) -> None:
    """One error line where a ``data`` file (``{"--data": value}``) cannot be the model's: a
    text model's (:func:`~.early_data.check_text_data`), a table or text file for an image
    model, images of another size, an ``.npz`` for a tree file made by other code (which reads
    tables only), or a table model's CSV with no label column it can find.
    Nothing where the files do not say or a plug-in is
    installed (its data format may read any file)."""
    if all(v is None for v in data.values()):
        return
    check_text_data(model, data, text_column)
    from trojanscope.registry_early import plugins_installed

    if plugins_installed():
        return
    wants = model_input(model)
    for where, path in data_files(data):
        name = path.name.lower()
        if name.endswith(".npz") and wants is not None and wants.trees:
            raise UserInputError(f"{where}: {model} is a tree model; it needs tabular data (a "
                                 "CSV or Parquet file with a header row), not images or arrays")
        if name.endswith(".npz"):
            _check_images(path, where, model, wants)
        elif wants is not None and wants.kind == "image" and name.endswith(
                TEXT_SUFFIXES + TABLE_SUFFIXES):
            raise UserInputError(
                f"{where}: {model} is an image model (input {_dims(wants.shape)}); it needs "
                "images (an .npz with x of shape N x C x H x W, or a folder with one "
                "sub-folder of images per class), not a table or text file")
        elif wants is not None and wants.kind == "table":
            _check_label(path, where, wants, label_column)


def _check_label(path: Path, where: str, wants: ModelInput, label_column: str | None) -> None:
    """A CSV/TSV for a table model holds its label column: ``label_column`` where given (the
    table reader's words), else one the reader finds: the manifest's, or one of
    :data:`LABEL_GUESSES`."""
    if not path.name.lower().endswith((".csv", ".tsv")):
        return
    header = csv_header(path)
    if header is None:
        return
    header = [name.strip() for name in header]  # as data.tabular.table.read_csv reads it
    if label_column is not None:
        if label_column not in header:
            raise UserInputError(f"{where}: no label column {label_column!r}; columns: "
                                 f"{', '.join(header)}")
        return
    known = {wants.label} if wants.label else set()
    if not known.intersection(header) and not set(LABEL_GUESSES).intersection(header):
        raise UserInputError(f"{where}: name the label column with --label-column (columns: "
                             f"{', '.join(header)})")


def _check_images(path: Path, where: str, model: Any, wants: ModelInput | None) -> None:
    """An ``.npz``'s ``x`` of the image model's size (its values: :func:`check_data_file`)."""
    described = npz_x(path)
    if described is None or wants is None or wants.kind != "image":
        return
    shape = described[0]
    if len(shape) == 4 and (shape[3], *shape[1:3]) == wants.shape != tuple(shape[1:]):
        raise UserInputError(  # the npz reader's hint, which this check would otherwise hide
            f"{where}: 'x' has shape {tuple(shape)}, which looks channels-last (N, H, W, C); "
            f"{model} takes N x {_dims(wants.shape)}: use x.transpose(0, 3, 1, 2)")
    if len(shape) == 4 and tuple(shape[1:]) != wants.shape:
        raise UserInputError(
            f"{where}: images of shape {_dims(shape[1:])}, but {model} takes {_dims(wants.shape)} "
            "(C x H x W); give data of the size the model was trained on")


def _dims(shape: tuple[int, ...] | None) -> str:
    return " x ".join(str(n) for n in shape or ())
