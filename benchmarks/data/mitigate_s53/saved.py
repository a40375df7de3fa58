"""This stop's development scripts' shared reading (issue 12, stop 53: h12): one of today's outputs
saved by ``mitigate_s51a/keep_today.py`` read back with its zoo model, and the benchmark's split
(MNIST's test split, 200 images for the method, 800 scored, seed 0)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.data.resolve import load_dataset
from trojanscope.io.models import load_model
from trojanscope.mitigate.run import attack_triggered, split_clean
from trojanscope.mitigate.triggers import attack_from_spec


def split() -> tuple[TensorDataset, TensorDataset]:
    """(the method's 200 clean images, the 800 scored)."""
    torch.set_num_threads(1)
    fit, held = split_clean(load_dataset("mnist", "test"), 0.8, 0, needs_data=True)
    assert fit is not None
    return fit, held


def zoo_model(zoos: Path, path: Path) -> nn.Module:
    """A fresh copy of the zoo model a saved output ``ZOO-SEED-NAME.pt`` came from."""
    zoo, name = "-".join(path.stem.split("-")[:2]), path.stem.split("-", 2)[2]
    return load_model(zoos / zoo / name).module.eval()


def read_saved(zoos: Path, path: Path, held: TensorDataset) -> tuple[nn.Module, dict[str, Any],
                                                                      Any]:
    """(the input model, the saved dict, the attack's triggered scoring images or None)."""
    zoo, name = "-".join(path.stem.split("-")[:2]), path.stem.split("-", 2)[2]
    loaded = load_model(zoos / zoo / name)
    spec = loaded.manifest.attack if loaded.manifest is not None else None
    trig = attack_triggered(attack_from_spec(spec))(held) if spec is not None else None
    saved = torch.load(path, weights_only=True)
    return loaded.module.eval(), saved, trig


def stages_model(zoos: Path, path: Path, saved: dict[str, Any]) -> nn.Module:
    """Today's output: the zoo model with the saved weights."""
    model = zoo_model(zoos, path)
    model.load_state_dict(saved["state"])
    return model.eval()


def each_saved(zoos: Path, files: list[str], held: TensorDataset):
    """(path, the input model, the saved dict, the triggered scoring images) for every saved
    output in ``files`` whose run named a suspect class (the others are skipped)."""
    for f in files:
        path = Path(f)
        orig, saved, trig = read_saved(zoos, path, held)
        if saved["suspect"] is not None:
            yield path, orig, saved, trig


def suspect_rank(model: nn.Module, fit: TensorDataset, suspect: int) -> tuple[list[float], int]:
    """``free_reach``'s reading towards each class, and how many classes read lower than the
    suspect (0: the suspect is the least reachable)."""
    from trojanscope.mitigate.free_unlearn import universal_reach

    reach = [universal_reach(model, fit.x, fit.y, c) for c in range(fit.num_classes)]
    return reach, sum(r < reach[suspect] for r in reach)
