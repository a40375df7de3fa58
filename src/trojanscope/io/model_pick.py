"""The one model file of a folder without a manifest, told by its bytes, before torch.

``audit DIR`` loads a folder's model: a run folder or a Hugging Face folder as a whole,
otherwise its one model file (stop 67, hrev: by the bytes, as the loader tells a file). The
early data checks (:func:`trojanscope.io.model_kind.model_input`) ask the same pick, so a table
given for a folder's ONNX image model is refused in a second or two, not after the imports
(stop 68). Standard library only (the scanner's walk).
"""

from __future__ import annotations

from pathlib import Path

from trojanscope.errors import UserInputError

# Names of model files before stop 67's pick by the bytes: where no file loads, one so named (a
# pickled checkpoint, say) still goes to the loader, whose refusal says what it is.
NAMED_MODEL_SUFFIXES = (".onnx", ".pt", ".pth", ".torchscript", ".ts")

__all__ = ["NAMED_MODEL_SUFFIXES", "pick_model_path"]


def pick_model_path(target: Path) -> Path:
    """The path ``load_model`` should get: the file, a folder with a manifest, a Hugging Face
    model folder, or the one model file of any other folder, told by its bytes as the loader
    tells it (:func:`trojanscope.io.model_file.model_file_format`: an ONNX export named
    ``model.bin`` is found, a data ``.npz`` is not). A file the loader would take
    (:func:`~trojanscope.io.model_file.format_loads`) is picked over one it would refuse
    (a plain checkpoint, safetensors without a manifest); where none would load, the one
    file of a model format (or named as a model, :data:`NAMED_MODEL_SUFFIXES`) is given to
    the loader, which says why it refuses it. Each file's format is read once."""
    from trojanscope.io.hf_folder import model_folder_kind

    if not target.is_dir() or model_folder_kind(target) is not None:
        return target
    from trojanscope.io.model_file import format_loads, model_file_format, torch_zip_kind
    from trojanscope.scan.walk import iter_files

    # the scan step's own walk: a file the scan skipped (inside .git, behind a link to a
    # folder outside the target) is never the one loaded
    files = sorted(e.path for e in iter_files([target]) if e.problem is None)
    recognised, loadable = [], []
    for path in files:
        fmt = model_file_format(path)
        zip_kind = torch_zip_kind(path) if fmt == "zip" else None
        if ((fmt is not None and fmt != "zip") or zip_kind is not None
                or (fmt is None and path.suffix.lower() in NAMED_MODEL_SUFFIXES)):
            recognised.append(path)
            if format_loads(path, fmt, zip_kind):
                loadable.append(path)
    candidates = loadable or recognised
    if len(candidates) != 1:
        found = ", ".join(p.name for p in candidates[:5]) or "none"
        raise UserInputError(
            f"{target}: no manifest.json and {len(candidates)} model files ({found}); "
            "audit the model file itself"
        )
    return candidates[0]
