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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from trojanscope.cli.early_data import (
    TABLE_SUFFIXES,
    TEXT_SUFFIXES,
    check_data_folder,
    check_text_data,
    csv_header,
    data_files,
    npz_x,
)
from trojanscope.errors import UserInputError
from trojanscope.io.delimited import header_problem, separator_hint
from trojanscope.io.model_kind import ModelInput, model_input
from trojanscope.io.npz_words import integer_pixels

__all__ = ["LABEL_GUESSES", "ModelInput", "check_label_cells", "check_model_data", "model_input"]

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
    if not reports_model:
        _check_external_data(model)
    if not given:
        if not reports_model:
            _check_opset(model)
        return
    for key, value in data.items():  # a folder no data format reads (a folder of models)
        if value is not None and Path(value).is_dir():
            with _as_audit_words(reports_model, key, value):
                check_data_folder(Path(value), str(value))
    for where, path in data_files(data):
        name = path.name.lower()
        if name.endswith(".npz") and wants is not None and wants.trees:
            raise UserInputError(f"{where}: {model} is a tree model; it needs tabular data (a "
                                 "CSV or Parquet file with a header row), not images or arrays")
        if name.endswith(".npz"):
            _check_images(path, where, model, wants)
            if wants is not None and wants.kind in ("image", "flat"):
                with _as_audit_words(reports_model, "--data", data.get("--data")):
                    _check_npz_labels(path)
        elif wants is not None and wants.kind == "image" and name.endswith(
                TEXT_SUFFIXES + TABLE_SUFFIXES):
            raise UserInputError(_image_model_words(where, model,
                                                    f"input {_dims(wants.shape)}"))
        elif wants is None and name.endswith((".csv", ".tsv")):
            _check_script_table(path, where, model, label_column, text_column)
        elif wants is not None and wants.kind == "table":
            _check_label(path, where, wants, label_column)
            _check_features(path, where, model, wants)
        elif wants is not None and wants.kind == "flat" and name.endswith(TABLE_SUFFIXES):
            _check_label(path, where, wants, label_column)
            _check_width(path, where, model, wants, label_column)
        if wants is None or wants.kind != "text":  # after the model's own columns (the order
            # the table reader refuses in: a model's missing features first)
            with _as_audit_words(reports_model, "--data", data.get("--data")):
                check_label_cells(path, label_column, text_column,
                                  wants.label if wants is not None else None)
    if not reports_model:
        _check_opset(model)


@contextmanager
def _as_audit_words(audit: bool, option: str, spec: Any) -> Iterator[None]:
    """For ``audit`` (whose data step leads a reader's refusal with the option:
    :func:`trojanscope.audit.data_check.data_error`), the refusal in those words."""
    if not audit:
        yield
        return
    from trojanscope.audit.data_check import data_error

    try:
        yield
    except UserInputError as exc:
        raise data_error(option, spec, exc) from None


def check_label_cells(path: Path, label_column: str | None, text_column: str | None = None,
                      model_label: str | None = None, *, own_schema: bool = False) -> None:
    """A CSV/TSV table whose label column has an empty cell (``""``, ``NA``, ``?`` ...): the
    table reader's refusal, in its words and with its row number
    (:func:`trojanscope.data.tabular.table.class_order`), before the imports (stop 69: 18-25 s
    after them). The label is ``label_column``, else the model's (``model_label``), else one of
    :data:`LABEL_GUESSES`, as the reader picks it. Nothing where the file is not read here as
    the reader reads it with certainty: a text table (``text_column`` given, or a ``text``
    column), a gzip or Parquet file, more than :data:`~.early_data.MAX_READ_BYTES`, text that
    is not UTF-8, ragged rows, a header the reader refuses. Then, with ``own_schema`` (the
    reader fits the table's own encoding: ``detect-data`` without ``--model``), a table of the
    label column alone."""
    import csv
    import io

    from trojanscope.cli.early_data import MAX_READ_BYTES
    from trojanscope.io.delimited import delimiter_for, is_missing

    if text_column is not None or not path.name.lower().endswith((".csv", ".tsv")):
        return
    try:
        if path.stat().st_size > MAX_READ_BYTES:
            return
        text = path.read_bytes().decode("utf-8-sig")
        rows = [r for r in csv.reader(io.StringIO(text), delimiter=delimiter_for(path)) if r]
    except (OSError, UnicodeDecodeError, csv.Error):
        return
    header = [h.strip() for h in rows[0]] if rows else []
    if (len(rows) < 2 or "text" in header or header_problem(header)
            or any(len(r) != len(header) for r in rows[1:])):
        return
    label = label_column if label_column is not None else next(
        (g for g in (model_label, *LABEL_GUESSES) if g and g in header), None)
    if label not in header:
        return
    column = header.index(label)
    row = next((n for n, r in enumerate(rows[1:], 1) if is_missing(r[column])), None)
    if row is not None:
        raise UserInputError(f"{path}: label column {label!r} row {row} is empty")
    if own_schema and header == [label]:
        raise UserInputError(f"{path}: no feature columns besides the label {label!r}")


def _image_model_words(where: str, model: Any, what: str) -> str:
    """An image model (``what``: its input, or its layers) given a table or text file."""
    return (f"{where}: {model} is an image model ({what}); it needs images (an .npz with x of "
            "shape N x C x H x W, or a folder with one sub-folder of images per class), not a "
            "table or text file")


def _check_script_table(path: Path, where: str, model: Any, label_column: str | None,
                        text_column: str | None) -> None:
    """A table given to a TorchScript file whose code defines ``Conv2d``
    (:func:`~trojanscope.io.script_graph.archive_has_conv2d`): refused as an image model, before
    the imports (stop 69: 32 s after them, where its first call failed on the rows). Not where
    the table's feature columns could be flattened square images (the model may reshape them),
    nor a text table."""
    from trojanscope.io.flat_input import image_sides
    from trojanscope.io.model_file import model_file_format
    from trojanscope.io.script_graph import archive_has_conv2d

    header = _columns(path)
    if (text_column is not None or header is None or "text" in header or model is None
            or model_file_format(Path(str(model))) != "zip"):
        return
    label = label_column if label_column in header else next(
        (g for g in LABEL_GUESSES if g in header), None)
    width = len(header) - (label is not None)
    if image_sides(width) is None and archive_has_conv2d(Path(str(model))):
        raise UserInputError(_image_model_words(where, model, "its layers are 2-D "
                                                "convolutions, read from its TorchScript code"))


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
    such a model, so it is not asked. Since stop 70 also a folder of neither kind and a file
    of no format the loader reads, in its words (:func:`~trojanscope.io.models.load_model`);
    since stop 73 a pickle-like file too, after the loader's scan (a finding rated high or
    critical is its refusal, as the loader's): a scikit-learn pipeline pickled by joblib was
    refused 18 s after the imports at load 14 (the scanner imports neither torch nor NumPy)."""
    from trojanscope.io.hf_folder import config_words, model_folder_kind, read_config
    from trojanscope.io.model_file import model_file_format, runs_code, unloadable_words

    if model is None:
        return
    path = Path(model)
    if path.is_file() and path.stat().st_size == 0:
        raise UserInputError(f"{path}: empty file, not a model")
    kind = model_folder_kind(path)
    if kind == "huggingface":
        _, error = read_config(path)
        if error is not None:
            raise UserInputError(config_words(path, error))
    if path.is_dir() and kind is None:  # stop 70: 22 s after the imports (a mitigate folder)
        raise UserInputError(f"{path}: folder has no manifest.json; pass the model file itself")
    if path.is_file() and model_file_format(path) is None:  # stop 70: a LightGBM dump, 20 s late
        if runs_code(path):
            from trojanscope.io.scan_gate import refuse_dangerous

            refuse_dangerous(path)
        raise UserInputError(unloadable_words(path))


def _check_opset(model: str | Path | None) -> None:
    """An ONNX file of an opset the loader does not read (stop 70: an export at opset 10,
    refused 24 s after the imports), in its words (:func:`~trojanscope.io.onnx_header.
    opset_words`). Asked after the data checks: a file that does not fit the data is told so
    first, as before."""
    from trojanscope.io.onnx_header import cached_header, opset_words

    path = Path(str(model)) if model is not None else None
    if path is None or not path.is_file() or path.suffix.lower() != ".onnx":
        return
    header = cached_header(path)
    refusal = None if header is None or header.opset is None else opset_words(str(path),
                                                                              header.opset)
    if refusal:
        raise UserInputError(refusal)


def _check_external_data(model: str | Path | None) -> None:
    """An ONNX file whose weights lie in an external data file that is not beside it (a dynamo
    export copied without its ``.data``): the loader's refusal in its words
    (:func:`trojanscope.io.onnx_import._load_external_data`), before the imports (stop 69: 23 s
    after them at load 13). A location that is absolute or leaves the folder is left to the
    loader, which refuses it in other words."""
    from pathlib import PurePosixPath, PureWindowsPath

    from trojanscope.io.onnx_header import cached_header

    path = Path(str(model)) if model is not None else None
    if path is None or not path.is_file() or path.suffix.lower() != ".onnx":
        return
    header = cached_header(path)
    root = path.parent.resolve()
    for location in header.external if header is not None else ():
        if (not location or PurePosixPath(location).is_absolute()
                or PureWindowsPath(location).anchor
                or not (root / location).resolve().is_relative_to(root)):
            return
        if not (root / location).is_file():
            raise UserInputError(f"{path}: external data file {location!r} not found")


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


def _check_npz_labels(path: Path) -> None:
    """An ``.npz`` of float images whose ``y`` is not one integer label a sample (a one-hot or
    two-column ``y``): the dataset's refusal in its words
    (:func:`trojanscope.data.dataset.make_dataset`), before the imports (stop 70: 19 s after
    them). Asked for an image model's data once ``x`` passed every check before it."""
    labels = npz_x(path, "y")
    if labels is None:
        return
    shape, dtype, _ = labels
    if len(shape) != 1 or dtype.kind not in "iub":
        raise UserInputError(f"{path}: 'y' must be a 1-D integer array, got dtype {dtype} "
                             f"shape {tuple(shape)}")


def _dims(shape: tuple[int, ...] | None) -> str:
    return " x ".join(str(n) for n in shape or ())
