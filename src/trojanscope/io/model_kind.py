"""What a model takes, told from its own small files before torch or a model library loads.

The early data checks (:mod:`trojanscope.cli.early_model`, :mod:`trojanscope.cli.early_data`)
refuse data of the wrong kind for the model in a second or two instead of after the imports
(16-40 s at load 12-17). Until stop 66 they asked "what kind of model is this" twice, each
reading a small JSON file (a text model: a manifest's ``text`` or a hub ``config.json``; an image
or table model: a manifest or a tree file's first bytes). :func:`model_input` is the one answer,
read as :func:`trojanscope.io.models.load_model` will choose its loader:

- a run folder: its ``manifest.json`` (``text``; ``tabular`` and its label; ``input_shape``),
  also for a safetensors file (by its bytes, whatever its name) with the manifest beside it;
- a Hugging Face folder: a text model unless its ``config.json`` names only heads other than
  ``*ForSequenceClassification`` (an image folder keeps the loader's own refusal);
- an ONNX file: an image model of its graph's input shape, where that is C x H x W; a
  ``flat`` model of one row of K values, where that is its shape (a table's encoded columns,
  or images flattened C·H·W: a scikit-learn ``MLPClassifier`` exported by skl2onnx, stop 68);
  or a table model the loader refuses, where its graph holds ``ai.onnx.ml`` operators it does
  not read (:func:`trojanscope.io.onnx_header.read_header`, without importing onnx);
- a folder without a manifest: what its one model file takes, picked as ``audit`` picks it
  (:mod:`trojanscope.io.model_pick`);
- an XGBoost JSON or UBJSON or a LightGBM text file made by other code: a table model, with
  the feature names the file records (:func:`tree_feature_names`).

A single file's format is told by its bytes, as the loader tells it
(:func:`trojanscope.io.model_file.model_file_format`): a renamed file gets the same answer
early and late.

None wherever the files do not say (a TorchScript archive, whose shape needs torch; an ONNX
graph of another rank or with dynamic dims; a manifest or config that does not read): the
readers decide after the imports, as before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trojanscope.io.json_file import MAX_JSON_BYTES
from trojanscope.io.model_file import model_file_format
from trojanscope.io.ubjson import UBJError, UBJReader

# the boosted-tree architectures a run's manifest may name (``zoo.TABULAR_ARCHS``' trees; read
# here, where no torch is imported, by ``mitigate``'s early tree refusal)
TREE_ARCHS = ("xgboost", "lightgbm")

SEQUENCE_HEAD = "ForSequenceClassification"  # io.hf_load.HEAD_SUFFIX: a text classifier's
LIGHTGBM_NAMES = b"feature_names="
LIGHTGBM_HEADER_BYTES = 1 << 20  # the header (before the first tree) is read for its names
XGBOOST_LISTS = ("feature_names", "feature_types")  # an XGBoost learner's lists read early


@dataclass(frozen=True)
class ModelInput:
    """What a model reads, as its files say: ``image`` (``shape`` C, H, W), ``flat`` (an ONNX
    graph of one row of ``shape`` (K,) values: a table's encoded columns or flattened images),
    ``table`` (its ``label`` column where a manifest names it; a tree file's ``features``
    where it names them) or ``text``."""

    kind: str
    shape: tuple[int, ...] | None = None
    label: str | None = None
    trees: bool = False  # an XGBoost/LightGBM file made by other code (models.foreign_trees)
    features: tuple[str, ...] | None = None  # a tree file's own feature names, in its order
    classical: tuple[str, ...] = ()  # an ONNX graph's ai.onnx.ml operators: never loaded


def model_input(model: str | Path | None, *, folder_pick: bool = False) -> ModelInput | None:
    """The model's input kind from its JSON files or first bytes alone; None where they do not
    say (the module docstring). ``folder_pick``: a folder without a manifest is read by its one
    model file, as ``audit`` loads it (``detect`` refuses such a folder when it loads it)."""
    from trojanscope.io.hf_folder import model_folder_kind
    from trojanscope.io.manifest import MANIFEST_NAME  # the name only (pydantic: 0.1 s)

    if model is None:
        return None
    path = Path(model)
    folder = model_folder_kind(path)
    if folder == "run":
        return _from_manifest(_json(path / MANIFEST_NAME))
    if folder == "huggingface":
        return _from_hub_config(_json(path / "config.json"))
    if path.is_dir():  # audit's pick of the folder's one model file (stop 68)
        return _picked(path) if folder_pick else None
    if not path.is_file():
        return None
    fmt = model_file_format(path)  # by its bytes, as load_model chooses its loader
    if fmt == "safetensors":
        return _from_manifest(_json(path.parent / MANIFEST_NAME))
    if fmt == "onnx":
        return onnx_input(path)
    if fmt == "xgboost":
        lists = xgboost_lists(path)
        return ModelInput("table", trees=True, features=_named(lists.get("feature_names")))
    if fmt == "lightgbm":
        return ModelInput("table", trees=True, features=tree_feature_names(path, fmt))
    return None  # a torch zip (its input shape is torch's to read), or no model file


def _picked(folder: Path) -> ModelInput | None:
    """What the one model file ``audit`` would load from ``folder`` takes
    (:func:`trojanscope.io.model_pick.pick_model_path`); None where the pick finds none or
    several (the audit's load step says so)."""
    from trojanscope.errors import UserInputError
    from trojanscope.io.model_pick import pick_model_path

    try:
        picked = pick_model_path(folder)
    except (UserInputError, OSError):
        return None
    return model_input(picked) if picked.is_file() else None


def onnx_input(path: Path) -> ModelInput | None:
    """An ONNX file's input (:func:`trojanscope.io.onnx_header.read_header`): a table model
    with its ``classical`` operators where the graph holds ``ai.onnx.ml`` ones the loader
    refuses, an image model where the graph fixes C x H x W, a ``flat`` one where it fixes
    one row of K values, else None."""
    from trojanscope.io.onnx_header import cached_header

    header = cached_header(path)
    if header is None:
        return None
    if header.classical:
        return ModelInput("table", classical=header.classical)
    shape = header.shape
    if shape is not None and len(shape) in (1, 3):
        return ModelInput("flat" if len(shape) == 1 else "image", shape)
    return None


def _json(file: Path) -> Any:
    from trojanscope.io.json_file import load_json  # a size cap; deep nesting a ValueError

    try:
        return load_json(file)
    except (OSError, ValueError):
        return None  # the loader says what is wrong with it


def _head(path: Path, size: int) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(size)
    except OSError:
        return b""  # the loader names why


def _from_manifest(manifest: Any) -> ModelInput | None:
    if not isinstance(manifest, dict):
        return None
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


def _from_hub_config(config: Any) -> ModelInput | None:
    """A hub folder is loaded as a text classifier (``io.hf_load``) unless its config names
    only other heads (an image one is refused when loaded)."""
    if not isinstance(config, dict):
        return None
    archs = config.get("architectures")
    if not archs or any(isinstance(a, str) and a.endswith(SEQUENCE_HEAD) for a in archs):
        return ModelInput("text")
    return None


def tree_feature_names(path: Path, kind: str) -> tuple[str, ...] | None:
    """The feature names a user's tree file records, as its library reads them back
    (``booster.feature_names`` / ``feature_name()``): XGBoost JSON's ``learner.feature_names``,
    LightGBM's ``feature_names=`` header line (UBJSON: :func:`ubjson_feature_names`). None
    where the file names none or they do not read here (a header past
    :data:`LIGHTGBM_HEADER_BYTES`; a model trained on arrays, whose ``f0, f1, …`` /
    ``Column_0, …`` the loader maps to columns in order)."""
    names: list[str] | None = None
    if kind == "xgboost":
        names = xgboost_lists(path).get("feature_names")
    elif kind == "lightgbm":
        head = _head(path, LIGHTGBM_HEADER_BYTES)
        for line in head.split(b"\n")[:-1]:  # whole lines only: the last may be cut short
            if line.startswith(b"Tree="):
                break
            if line.startswith(LIGHTGBM_NAMES):
                try:
                    names = line[len(LIGHTGBM_NAMES):].rstrip(b"\r").decode("utf-8").split(" ")
                except UnicodeDecodeError:
                    return None
                break
    return _named(names)


def _named(names: list[str] | None) -> tuple[str, ...] | None:
    if not names or not all(names) or trained_on_arrays(names):
        return None
    return tuple(names)


def xgboost_lists(path: Path) -> dict[str, list[str]]:
    """``learner.feature_names`` and ``learner.feature_types`` of an XGBoost JSON or UBJSON
    file, each where it reads as a list of strings (left out otherwise)."""
    if _head(path, 64).lstrip().startswith(b"{\""):
        raw = _json(path)
        learner = raw.get("learner") if isinstance(raw, dict) else None
        if not isinstance(learner, dict):
            return {}
        return {key: listed for key in XGBOOST_LISTS
                if isinstance(listed := learner.get(key), list)
                and all(isinstance(n, str) for n in listed)}
    return ubjson_lists(_head(path, MAX_JSON_BYTES + 1)) or {}


def ubjson_feature_names(data: bytes) -> list[str] | None:
    """``learner.feature_names`` of an XGBoost UBJSON document (``save_model("m.ubj")``), as
    xgboost reads them back; None where they are not read with certainty (:func:`ubjson_lists`)."""
    return (ubjson_lists(data) or {}).get("feature_names")


def ubjson_lists(data: bytes) -> dict[str, list[str]] | None:
    """``learner.feature_names`` and ``.feature_types`` of an XGBoost UBJSON document, each
    where it is a list of strings; None where the document is not read with certainty: larger
    than :data:`~trojanscope.io.json_file.MAX_JSON_BYTES`, not walking to its end, a
    ``learner`` or either key twice."""
    if len(data) > MAX_JSON_BYTES:
        return None
    reader = UBJReader(data)
    try:
        if reader.take(1) != b"{":
            return None
        return _member(reader, "learner", lambda marker: _learner_lists(reader, marker))
    except UBJError:
        return None


def _member(reader: UBJReader, key: str, read: Callable[[bytes], Any]) -> Any:
    """``read(marker)`` of ``key``'s value in the object being read, every other member
    skipped; None where it is absent; a :class:`UBJError` where it stands twice (which one
    xgboost keeps is not read here)."""
    found, value = False, None
    for name, marker in reader.members(b"{"):
        if name != key:
            reader.skip(marker)
            continue
        if found:
            raise UBJError(f"{key!r} twice")
        found, value = True, read(marker)
    return value


def _learner_lists(reader: UBJReader, marker: bytes) -> dict[str, list[str]]:
    if marker != b"{":
        raise UBJError("a learner that is no object")
    found: dict[str, list[str] | None] = {}
    for name, value in reader.members(b"{"):
        if name not in XGBOOST_LISTS:
            reader.skip(value)
            continue
        if name in found:
            raise UBJError(f"{name!r} twice")
        found[name] = _ubjson_strings(reader, value)
    return {key: listed for key, listed in found.items() if listed is not None}


def _ubjson_strings(reader: UBJReader, marker: bytes) -> list[str] | None:
    """An array of strings, or None (the rest of the array read past) where it is not one."""
    if marker != b"[":
        reader.skip(marker)
        return None
    out: list[str] | None = []
    for _, item in reader.members(b"["):
        if item == b"S" and out is not None:
            out.append(reader.text(reader.integer()))
        else:
            reader.skip(item)
            out = None
    return out


def trained_on_arrays(names: list[str]) -> bool:
    """Whether a tree file's feature names are the ones its library makes up for a model
    trained on arrays (XGBoost ``f0, f1, …``, LightGBM ``Column_0, …``): such a model takes a
    table's feature columns in order (:meth:`trojanscope.models.foreign_trees.ForeignTrees.bind`),
    and its names say nothing of the columns."""
    n = len(names)
    return names in ([f"f{i}" for i in range(n)], [f"Column_{i}" for i in range(n)])
