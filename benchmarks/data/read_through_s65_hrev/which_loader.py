"""Which loader each model path goes to, printed one line a path (stop 65 hrev's read-through).

Run it under two source trees (the base ``402533a8`` and the branch) and diff the outputs: the
audit's model pick, the text-model tests (``reads_text``, ``text_model``) and what ``load_model``
builds must not move with ``io.hf_folder.model_folder_kind``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch

from trojanscope.audit.data_check import reads_text
from trojanscope.audit.steps_model import pick_model_path
from trojanscope.cli.early_data import text_model
from trojanscope.errors import UserInputError
from trojanscope.io.models import load_model


def describe(path: Path) -> str:
    """``name|picked file|text tests|module built (or the refusal)`` for one model path."""
    picked = pick_model_path(path)
    try:
        loaded = load_model(picked)
        manifest = getattr(loaded, "manifest", None)
        built = f"{type(loaded.module).__name__} {manifest.arch if manifest else None}"
    except UserInputError as exc:
        built = f"refused: {exc}"
    return f"{path.name}|{picked.name}|text={reads_text(path)},{text_model(path)}|{built[:160]}"


if __name__ == "__main__":
    torch.set_num_threads(1)
    for arg in sys.argv[1:]:
        print(describe(Path(arg)), flush=True)
