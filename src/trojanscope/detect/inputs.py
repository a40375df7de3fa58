"""Which clean data a detector gets: the user's file or bundled set, the dataset the model's
manifest names, or none (data-free) — shared by ``detect`` and ``audit``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from trojanscope import registry
from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ModelDetector
from trojanscope.errors import UserInputError
from trojanscope.io.models import LoadedModel


@dataclass
class CleanData:
    """The clean data chosen (``None``: data-free) and a sentence saying where it came from."""

    dataset: TensorDataset | None
    source: str | None
    note: str
    split: str | None = None


def default_split(source: str | Path, split: str | None) -> str:
    """The split to use: ``split`` when given; else the whole of a user's file or folder (all
    the clean data the user has) and the ``test`` split of a bundled dataset."""
    if split is not None:
        return split
    return "test" if str(source) in registry.names("dataset") else "all"


def choose_clean_data(
    loaded: LoadedModel,
    detector: ModelDetector,
    source: str | Path | None,
    split: str | None = None,
    *,
    data_free: bool = False,
    fall_back_to_data_free: bool = False,
    label_column: str | None = None,
    text_column: str | None = None,
) -> CleanData:
    """Resolve the clean data for ``detector`` on ``loaded``.

    ``source`` (a path or a bundled dataset name) wins; otherwise the data the model's manifest
    names (:func:`manifest_data`); otherwise data-free when allowed, else a clear error.
    ``split`` ``None`` means :func:`default_split`: a user's file is used whole; the data the
    manifest names (the model's training data) gives its held-out ``test`` split.
    ``text_column``: the sentences' column of a text model's ``source`` file (default
    ``text``), which a text model's file is always read by, so a file without it is refused
    naming its columns (stop 62: a ``review``/``stars`` file was read as a table and refused
    for a "categorical column").
    """
    column = _text_column(loaded, source, text_column)

    def load_dataset(spec: str | Path, use: str) -> TensorDataset:
        return load_for_model(loaded, spec, use, label_column, column)

    if data_free:
        chosen = CleanData(None, None, "data-free, as asked")
    elif source is not None:
        use = default_split(source, split)
        what = "whole file" if use == "all" and split is None else f"{use} split"
        chosen = CleanData(load_dataset(source, use), str(source), f"{source} ({what})", use)
    else:
        named = manifest_data(loaded, split, label_column)
        if named is not None:
            chosen = named
        elif fall_back_to_data_free:
            chosen = CleanData(None, None, "no clean data given: ran data-free")
        else:
            raise UserInputError("no clean data: give --data, --dataset, or --data-free")
    if chosen.dataset is not None:
        from trojanscope.io.models import images_for_flat_input
        from trojanscope.models.foreign_trees import bind_table
        from trojanscope.models.text_common import attach_encoder

        chosen.dataset = attach_encoder(loaded, chosen.dataset)
        bind_table(loaded.module, chosen.dataset)  # a user's tree model: columns by name
        images_for_flat_input(loaded, chosen.dataset)  # an MLP fitted on flattened images
    if chosen.dataset is None and detector.needs_data:
        raise UserInputError(
            f"method {detector.name!r} needs clean data; give --data, or use --method mmbd or "
            "auto (which work data-free)"
        )
    return chosen


def _text_column(loaded: LoadedModel, source: str | Path | None,
                 text_column: str | None) -> str | None:
    """The text column to read ``source`` by: ``text_column`` (refused for a model that does
    not read text), else ``text`` for a text model's CSV/TSV/JSONL file, else None (the
    format decides)."""
    from trojanscope.detect.input_level.text_inputs import is_text_model

    text = is_text_model(loaded)
    if text_column is not None and not text:
        raise UserInputError("--text-column applies to text models only")
    if text_column is not None or not text or source is None:
        return text_column
    return text_file_column(source, None)


def text_file_column(source: str | Path, text_column: str | None) -> str | None:
    """The column a text model reads ``source`` by: ``text_column``, else ``text`` for a
    CSV/TSV/JSONL file, else None (a bundled name: the format decides)."""
    from trojanscope.data.text_files import SUFFIXES

    if text_column is not None:
        return text_column
    return "text" if Path(str(source)).suffix.lower() in SUFFIXES else None


def manifest_data(loaded: LoadedModel, split: str | None = None,
                  label_column: str | None = None) -> CleanData | None:
    """The clean data the model's manifest names, ``None`` where it names none to be found: a
    bundled dataset, or the user's file the model was trained from where its path (as given to
    ``attack``/``train``, so a relative one is read from the current folder) exists; its
    ``test`` split unless ``split`` says otherwise, the part the model did not train on. The
    one reader of ``detect``, ``audit`` and ``detect-inputs`` (hfc, stop 55: ``detect-inputs``
    read bundled names only). A file whose test split is not the size the manifest recorded is
    refused in one line: another file of the same name."""
    named = loaded.manifest.dataset.get("name") if loaded.manifest is not None else None
    if not named:
        return None
    named = str(named)
    bundled = named in registry.names("dataset")
    if not bundled and not Path(named).exists():
        return None
    use = split or "test"
    if bundled:
        found = load_for_model(loaded, named, use, label_column)
    else:
        label = label_column or loaded.manifest.dataset.get("label_column")
        try:
            found = load_for_model(loaded, named, use, label,
                                   loaded.manifest.dataset.get("text_column"))
        except UserInputError as exc:
            raise UserInputError(f"the model's manifest names its data file {named}, which "
                                 f"does not read here ({exc}); give --data") from None
        want = loaded.manifest.dataset.get("test_size")
        if use == "test" and isinstance(want, int) and len(found) != want:
            raise UserInputError(
                f"the model's manifest names its data file {named}, whose test split had "
                f"{want} samples when the model was trained; {named} here gives {len(found)}: "
                "not the same file? give --data")
    return CleanData(found, named, f"{named} ({use} split), named by the manifest", use)


def load_for_model(
    loaded: LoadedModel, spec: str | Path, split: str, label_column: str | None = None,
    text_column: str | None = None,
) -> TensorDataset:
    """Clean data for ``loaded``: a user table is encoded with the model's own schema (from its
    manifest), so that its features line up with the model's; anything else loads as usual
    (``text_column``: a text file's, where the manifest records it)."""
    from trojanscope.data.files import detect_format
    from trojanscope.data.resolve import load_dataset

    schema_raw = getattr(loaded.manifest, "tabular", None) if loaded.manifest else None
    path = Path(str(spec))
    fmt = detect_format(path) if schema_raw is not None and path.is_file() else None
    if fmt is None or not getattr(registry.get("data-format", fmt), "takes_label_column", False):
        return load_dataset(spec, split, label_column=label_column, text_column=text_column)
    from trojanscope.data.tabular.schema import TabularSchema

    reader = registry.create("data-format", fmt, label_column=label_column,
                             schema=TabularSchema.from_dict(schema_raw))
    return reader.load(path, split)
