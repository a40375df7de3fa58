"""The triggers a mitigation is measured against (never shown to the method itself): a red-team
run folder's own attack, an attack named on the command line, or a file of triggered inputs."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

import numpy as np
import torch

from trojanscope import registry
from trojanscope.attacks.base import Attack
from trojanscope.errors import UserInputError
from trojanscope.io.manifest import AttackSpec
from trojanscope.mitigate.run import TriggeredSet
from trojanscope.params import parse_assignments


def attack_from_spec(spec: AttackSpec) -> Attack:
    """Rebuild the attack a run folder's manifest records (its trigger, target and mapping)."""
    trig = dict(spec.trigger)
    trigger = registry.create("trigger", trig.pop("name"), **trig)
    params = {k: v for k, v in spec.params.items() if k != "trigger"}
    return registry.create("attack", spec.name, trigger=trigger, **params)


def parse_attack(text: str) -> Attack:
    """``NAME[:key=value,...]`` (e.g. ``badnets:target=3``) as an attack with its default
    trigger; values are read as JSON where they are valid JSON."""
    name, _, rest = text.partition(":")
    items = filter(None, (p.strip() for p in rest.split(",")))
    params = parse_assignments(items, f"--eval-attack {text!r}:")
    return registry.create("attack", name.strip(), **params)


def check_triggered_file(path: Path, option: str = "--eval-triggered") -> None:
    """Refuse a triggered-inputs file that is no zip archive (empty, foreign, or an ``.npy``
    named ``.npz``) with one error naming ``option``; cheap, so commands call it before they
    load the model."""
    from trojanscope.data.npz import is_npy_array, is_zip_archive

    if not path.is_file():
        raise UserInputError(f"{option} {path}: no such file")
    if is_zip_archive(path):
        try:  # the zip directory only, nothing inflated: a truncated or corrupt archive
            zipfile.ZipFile(path).close()
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise UserInputError(f"{option} {path}: not a readable .npz file, truncated or "
                                 f"corrupt ({exc})") from None
        return
    what = ("a single .npy array, not an .npz archive" if is_npy_array(path)
            else "not a zip archive" if path.stat().st_size else "an empty file")
    raise UserInputError(f"{option} {path}: not a readable .npz file ({what}); save the "
                         "triggered inputs with numpy.savez(path, x=x, y=y, target=target)")


def load_triggered(path: Path, num_classes: int | None,
                   option: str = "--eval-triggered") -> TriggeredSet:
    """An ``.npz`` with ``x`` (triggered inputs in [0, 1]), ``y`` (true labels) and ``target``
    (the attacker's label: one per sample, or one for all); ``option`` names it in errors.
    Checks the file (:func:`check_triggered_file`), then reads it (:func:`read_triggered`)."""
    check_triggered_file(path, option)
    return read_triggered(path, num_classes, option)


def read_triggered(path: Path, num_classes: int | None,
                   option: str = "--eval-triggered") -> TriggeredSet:
    """:func:`load_triggered` for a file :func:`check_triggered_file` passed already (a command
    checks it before it loads the model, so it is not checked twice; stop 55 split this from a
    ``checked=True`` flag so that the call site says what it does)."""
    from trojanscope.data.dataset import make_dataset
    from trojanscope.data.npz_guard import check_npz

    check_npz(path, option)  # sizes from the directory and headers, before numpy allocates
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in ("x", "y", "target") if k in npz.files}
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as exc:
        raise UserInputError(f"{option} {path}: not a readable .npz file, truncated or "
                             f"corrupt ({' '.join(str(exc).split()) or 'empty'})") from None
    missing = [k for k in ("x", "y", "target") if k not in arrays]
    if missing:
        raise UserInputError(f"{option} {path}: missing array(s) {', '.join(missing)} "
                             "(expected x, y and target)")
    ds = make_dataset(arrays["x"], arrays["y"], num_classes=num_classes, source=str(path))
    target = np.broadcast_to(np.asarray(arrays["target"]), (len(ds),))
    if not np.issubdtype(target.dtype, np.integer):
        raise UserInputError(f"{option} {path}: 'target' must hold integer labels")
    return TriggeredSet(ds.x, ds.y, torch.as_tensor(target.astype(np.int64)), str(path))
