"""Data of the wrong kind for the model, refused before torch is imported.

Stop 64 left these refused only after a command's imports (16-40 s at load 12-17): a table
given to an image model, images of another size, a CSV without a label column given to a table
model, NaN inside an ``.npz``. What the model takes is told without torch by
:func:`trojanscope.io.model_kind.model_input` (a run folder's manifest, a hub config, an ONNX
graph's input shape, a tree file's first bytes and feature names); an ``.npz``'s ``x`` by its
``.npy`` header in the zip (:func:`~.early_data.npz_x`; NaN in it:
:func:`~.early_data.check_data_file`); a CSV's columns by its header row. Anything else (a
TorchScript file, whose shape needs torch; a folder of images; a plug-in's data format) is left
to the readers, which refuse it after the imports as before.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from trojanscope.cli.early_data import (
    TABLE_SUFFIXES,
    TEXT_SUFFIXES,
    check_text_data,
    csv_header,
    data_files,
    npz_x,
)
from trojanscope.errors import UserInputError
from trojanscope.io.delimited import header_problem, separator_hint
from trojanscope.io.model_kind import ModelInput, model_input
from trojanscope.io.npz_words import integer_pixels

__all__ = ["LABEL_GUESSES", "ModelInput", "check_model_data", "model_input"]

LABEL_GUESSES = ("label", "target", "class", "y")  # data.tabular.table.LABEL_GUESSES


def check_model_data(model: str | Path | None, data: dict[str, Any], *,
                     text_column: str | None = None, label_column: str | None = None,
                     reports_model: bool = False) -> None:
    """One error line where a ``data`` file (``{"--data": value}``) cannot be the model's: a
    text model's (:func:`~.early_data.check_text_data`), a table or text file for an image
    model, images of another size, an ``.npz`` for a tree file made by other code (which reads
    tables only), or a table model's CSV with no label column it can find; and (stop 67) an
    ONNX graph of ``ai.onnx.ml`` operators, which the loader refuses whatever the data (none,
    ``--data-free``, a bundled ``--dataset``: hrev), in its words (not where the command
    ``reports_model``: ``audit`` writes its report on it). Nothing where the files do not say
    or a plug-in is installed (its data format may read any file)."""
    given = any(v is not None for v in data.values())
    if not given and (reports_model or model is None):
        return
    if given:
        check_text_data(model, data, text_column)
    from trojanscope.registry_early import plugins_installed

    if plugins_installed():
        return
    if not reports_model:
        _check_readable(model)
    wants = model_input(model, folder_pick=reports_model)  # audit: a folder's one model file
    if wants is not None and wants.classical:
        if reports_model:
            return  # the audit's load step reports it; no data check for a model never read
        from trojanscope.io.onnx_header import classical_words

        raise UserInputError(classical_words(str(Path(str(model))), wants.classical))
    if not given:
        return
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
            _check_features(path, where, model, wants)
        elif wants is not None and wants.kind == "flat" and name.endswith(TABLE_SUFFIXES):
            _check_label(path, where, wants, label_column)
            _check_width(path, where, model, wants, label_column)


def _check_label(path: Path, where: str, wants: ModelInput, label_column: str | None) -> None:
    """A CSV/TSV for a table model holds its label column: ``label_column`` where given (the
    table reader's words), else one the reader finds: the manifest's, or one of
    :data:`LABEL_GUESSES`."""
    header = _columns(path)
    if header is None:
        return
    problem = header_problem(header)  # the table reader's refusal, whatever the label
    if problem:
        raise UserInputError(f"{where}: {problem}")
    hint = separator_hint(header, path)
    if label_column is not None:
        if label_column not in header:
            raise UserInputError(f"{where}: no label column {label_column!r}; columns: "
                                 f"{', '.join(header)}{hint}")
        return
    known = {wants.label} if wants.label else set()
    if not known.intersection(header) and not set(LABEL_GUESSES).intersection(header):
        raise UserInputError(f"{where}: name the label column with --label-column (columns: "
                             f"{', '.join(header)}){hint}")


def _columns(path: Path) -> list[str] | None:
    """A CSV/TSV's column names as the table reader reads them (stripped), or None."""
    if not path.name.lower().endswith((".csv", ".tsv")):
        return None
    header = csv_header(path, skip_blank=True)  # data.tabular.table skips blank lines
    return None if header is None else [name.strip() for name in header]


def _check_features(path: Path, where: str, model: Any, wants: ModelInput) -> None:
    """A CSV/TSV holds every feature a tree file names (``models.foreign_trees`` binds the
    model's features to the table's columns by name and refuses one that is not there;
    stop 65: 33 s at load 14 before it said so)."""
    columns = _columns(path) if wants.features else None
    if columns is None:
        return
    absent = [name for name in wants.features or () if name not in columns]
    if absent:
        raise UserInputError(
            f"{where}: the model's feature(s) {', '.join(map(repr, absent[:5]))}"
            f"{f' and {len(absent) - 5} more' if len(absent) > 5 else ''} are not columns of "
            f"the data ({', '.join(columns)}); {Path(str(model)).name} was trained on a table "
            "with them")


def _check_width(path: Path, where: str, model: Any, wants: ModelInput,
                 label_column: str | None) -> None:
    """A CSV/TSV for an ONNX model of one flat row of K values has at most K feature columns:
    the table reader encodes each column as one value or more (a number: one, or two where
    values are missing; a category: one per value), so more columns never fit. Fewer may (a
    categorical column widens), which is certain once the table is read: said there in the same
    words (:mod:`trojanscope.io.flat_input`; hrev, stop 67, finding 9 and stop 68)."""
    header = _columns(path)
    if header is None or wants.shape is None:
        return
    label = label_column if label_column in header else next(
        (g for g in (wants.label, *LABEL_GUESSES) if g in header), None)
    features = [c for c in header if c != label]
    if label is not None and len(features) > wants.shape[0]:
        from trojanscope.io.flat_input import table_width_words

        raise UserInputError(table_width_words(where, features, wants.shape[0], str(model)))


def _check_readable(model: str | Path | None) -> None:
    """The loader's refusal of a model that cannot be read at all, said before the imports
    (stop 69: 22-24 s after them at load 14): a 0-byte file, a hub folder whose
    ``config.json`` is not a JSON object. ``audit`` (``reports_model``) writes its report on
    such a model, so it is not asked."""
    from trojanscope.io.hf_folder import config_words, model_folder_kind, read_config

    if model is None:
        return
    path = Path(model)
    if path.is_file() and path.stat().st_size == 0:
        raise UserInputError(f"{path}: empty file, not a model")
    if model_folder_kind(path) == "huggingface":
        _, error = read_config(path)
        if error is not None:
            raise UserInputError(config_words(path, error))


def _check_images(path: Path, where: str, model: Any, wants: ModelInput | None) -> None:
    """An ``.npz``'s ``x`` of float pixels (not 0-255 bytes) and of the image model's size (its
    values: :func:`check_data_file`), of N x C x H x W (the ``.npz`` reader reads images only);
    for a model of one flat row of K values (stop 68), images of C·H·W = K values (the loader
    flattens them)."""
    described = npz_x(path)
    if described is None or wants is None or wants.kind not in ("image", "flat"):
        return
    shape, dtype, _ = described
    if dtype.kind in "iub":  # data.npz.load_npz's refusal (stop 66: after 20-30 s)
        raise UserInputError(integer_pixels(where, dtype, tuple(shape)))
    if len(shape) != 4:  # the .npz reader's too (stop 68, hrev: after 16 s for flat rows)
        from trojanscope.io.flat_input import four_dims_words

        raise UserInputError(four_dims_words(where, tuple(shape)))
    if wants.kind == "flat":
        if len(shape) == 4 and wants.shape and math.prod(shape[1:]) != wants.shape[0]:
            raise UserInputError(
                f"{where}: images of {_dims(shape[1:])} ({math.prod(shape[1:])} values), but "
                f"{model} takes rows of {wants.shape[0]} values (images flattened C x H x W); "
                "give images of the size the model was trained on")
        return
    if wants.shape is not None and len(wants.shape) == 3 and len(shape) == 4 and tuple(
            shape[1:]) == (wants.shape[2], *wants.shape[:2]) != wants.shape:
        return  # a graph taking H x W x C: the loader reads C x H x W where it transposes them
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
