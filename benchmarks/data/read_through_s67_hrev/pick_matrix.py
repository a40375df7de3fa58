"""``audit``'s pick of a folder's one model file, and what ``load_model`` does with it, over
folder layouts of small real files (hrev, stop 67). Run in the folder make_files.py filled."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import torch

from trojanscope.audit.steps_model import pick_model_path
from trojanscope.errors import UserInputError
from trojanscope.io.models import load_model


def checkpoint(path: Path) -> None:
    torch.save({"w": torch.zeros(2)}, path)  # a plain checkpoint: a zip with data.pkl


def pickled(path: Path) -> None:
    torch.save({"w": torch.zeros(2)}, path, _use_new_zipfile_serialization=False)


ONNX, TS = "m/img_onnx.bin", "m/img_ts.pt"
LAYOUTS = {
    "onnx named model.bin": {"model.bin": ONNX},
    "onnx as model.bin + clean.npz + table.csv": {"model.bin": ONNX, "clean.npz": "d/imgs.npz",
                                                  "table.csv": "d/table.csv"},
    "TorchScript named script.onnx": {"script.onnx": TS},
    "TorchScript named model.bin": {"model.bin": TS},
    "XGBoost JSON model.json": {"model.json": "m/xgb_named.json"},
    "XGBoost UBJSON fraud.ubj": {"fraud.ubj": "m/xgb_named.ubj"},
    "LightGBM model.txt": {"model.txt": "m/lgb_named.txt"},
    "plain checkpoint ckpt.pt + onnx model.bin": {"ckpt.pt": checkpoint, "model.bin": ONNX},
    "plain checkpoint ckpt.pt alone": {"ckpt.pt": checkpoint},
    "pickled model.pt alone": {"model.pt": pickled},
    "skl2onnx skl.onnx + TorchScript model.pt": {"skl.onnx": "m/skl.onnx", "model.pt": TS},
    "onnx model.onnx + TorchScript model.pt": {"model.onnx": "m/img_op17.onnx", "model.pt": TS},
}


def main() -> None:
    torch.set_num_threads(1)
    here = Path.cwd()
    for name, files in LAYOUTS.items():
        folder = Path(tempfile.mkdtemp(prefix="pick-"))
        for file_name, source in files.items():
            if callable(source):
                source(folder / file_name)
            else:
                shutil.copy(here / source, folder / file_name)
        try:
            picked = pick_model_path(folder)
            try:
                loaded = load_model(picked).format
            except UserInputError as exc:
                loaded = "refused: " + str(exc).replace(f"{folder}/", "")[:110]
            out = {"layout": name, "picked": picked.name, "load": loaded}
        except UserInputError as exc:
            out = {"layout": name, "picked": None, "error": str(exc).replace(str(folder), "DIR")}
        shutil.rmtree(folder)
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
