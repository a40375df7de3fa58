"""The audit's data options checked before any step runs: ``--data`` and ``--training-data``
go through the loaders ``detect`` and ``detect-data`` use, so a file they refuse (NaN, wrong
shape, labels out of range, unreadable) stops the audit with one error line and exit 2 before
anything is scanned, loaded or written — bad input, not an incomplete report (docs/audit.md).

What only the model can tell (input shape, number of classes, a table's schema) is checked by
the detect step once the model is loaded; :func:`user_data_error` turns its refusal into the
same kind of error, which the pipeline lets through instead of recording a step error.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from trojanscope.errors import DataInputError, UserInputError

if TYPE_CHECKING:
    from trojanscope.audit.pipeline import AuditOptions
    from trojanscope.detect.data.inputs import SuspectData


def check_audit_data(options: AuditOptions, target: str | Path | None = None) -> None:
    """Load ``--data`` and ``--training-data`` as their steps will; refuse what fails. Once
    per set of data options: the audits of a registry share the check (its options carry it,
    to worker processes too). With ``target`` a text model (:func:`reads_text`), a CSV/TSV/JSONL
    ``--data`` is read as its sentences up front, as the detect step reads it (stop 63: it
    passed as a table and was refused after the scan and the load, or refused naming a
    categorical column)."""
    text = target is not None and reads_text(target)
    asked = (options.data, options.split, options.label_column, options.text_column,
             options.training_data, text,
             _stamp(options.data), _stamp(options.training_data))
    if options.data_checked == asked:
        return
    if options.data is not None and (text or not _needs_model_schema(options.data)):
        from trojanscope.data.resolve import load_dataset
        from trojanscope.detect.inputs import default_split, text_file_column

        column = text_file_column(options.data, options.text_column) if text \
            else options.text_column
        with user_data_error("--data", options.data):
            load_dataset(
                options.data,
                default_split(options.data, options.split),
                label_column=options.label_column,
                text_column=column,
            )
    if options.training_data is not None:
        training_data(options)
    options.data_checked = asked


def training_data(options: AuditOptions) -> SuspectData:
    """``--training-data``, loaded once: the up-front check keeps what it loaded on
    ``options`` and the data step takes it from there (``audit-registry`` reads the file once
    for all its models in one process, not once per model and step). A table's label column is
    ``--label-column``'s where the file has that column (:func:`training_label`), and a text
    file's text ``--text-column``'s, as ``detect-data`` reads them."""
    spec = (str(options.training_data), _stamp(options.training_data))
    if options.training_loaded is not None and options.training_loaded[0] == spec:
        return options.training_loaded[1]
    from trojanscope.detect.data.inputs import load_suspect

    with user_data_error("--training-data", options.training_data):
        loaded = load_suspect(options.training_data, training_label(options),
                              options.text_column)
        _check_counts(loaded, options.data_method)
    options.training_loaded = (spec, loaded)
    return loaded


def training_label(options: AuditOptions) -> str | None:
    """``--label-column`` for ``--training-data``: the column it names, unless the file is a
    CSV/TSV whose header lacks it (then the table reader's own choice, as before stop 72: the
    name was ``--data``'s). Stop 72 (hrev): the training table was read without it, so one
    labelled ``Class`` was refused, asking for the ``--label-column`` that had been given."""
    from trojanscope.cli.early_data import csv_header

    label, path = options.label_column, Path(str(options.training_data))
    header = csv_header(path, skip_blank=True) if label and path.is_file() else None
    return None if header is not None and label not in [h.strip() for h in header] else label


def _check_counts(suspect: SuspectData, method: str) -> None:
    """The samples per class the data step's method needs, checked as ``detect-data`` checks
    them before training a feature model: a set too small stops the audit before the first
    step, not after every model step ran (the data step trains its own feature model:
    ``with_features`` is False). Methods that read the rows or sentences themselves train
    nothing and keep their own check, in the data step (``shared-values`` needs no counts)."""
    import numpy as np

    from trojanscope.detect.data.run import make_detector, resolve_detector

    data = suspect.data
    detector = resolve_detector(make_detector(method), data, with_features=False)
    if getattr(detector, "needs_model", True):
        detector.check_labels(np.asarray(data.labels), data.num_classes)


def reads_text(target: str | Path) -> bool:
    """Whether ``target`` is a text model, read from its JSON files alone (nothing loaded):
    what :func:`trojanscope.io.model_kind.model_input` says (a run's manifest naming a
    tokenizer, also beside a ``.safetensors`` file; a Hugging Face folder the loader reads as a
    text classifier; an image one is refused when loaded)."""
    from trojanscope.io.model_kind import model_input

    found = model_input(target)
    return found is not None and found.kind == "text"


def _stamp(spec: str | Path | None) -> tuple[int, int] | None:
    """A file's modification time and size (None for a dataset name; a folder's own, which a
    file rewritten inside it does not change): a file rewritten between two audits with the
    same options is read and checked again."""
    if spec is None:
        return None
    try:
        stat = Path(spec).stat()
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size)


@contextmanager
def user_data_error(option: str, spec: str | Path) -> Iterator[None]:
    """Re-raise a refusal of the user's data as :class:`DataInputError` naming the option."""
    try:
        yield
    except UserInputError as exc:
        raise data_error(option, spec, exc) from None


def data_error(option: str, spec: str | Path, exc: Exception) -> DataInputError:
    """``exc`` as a :class:`DataInputError` that names ``option`` (and the file, when the
    message does not already)."""
    message = str(exc)
    if message.startswith(f"{option}:") or message.startswith(f"{option} "):
        return DataInputError(message)  # named already
    where = f"{option}: " if str(spec) in message else f"{option} {spec}: "
    return DataInputError(where + message)


def _needs_model_schema(spec: str | Path) -> bool:
    """A table or text file (CSV, Parquet, JSON lines) is read with the model's own schema
    and encoder, so only the detect step, with the model loaded, can check it."""
    from trojanscope import registry
    from trojanscope.data.files import detect_format

    path = Path(str(spec))
    if not path.is_file():
        return False
    try:
        fmt = detect_format(path)
    except UserInputError:
        return False  # unreadable or unknown: the loader says so, up front
    if fmt is None:
        return False
    return bool(getattr(registry.get("data-format", fmt), "takes_label_column", False))
