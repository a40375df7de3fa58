"""TorchScript archives that run code while loading: how many the loader and scanner refuse,
and how many ordinary archives they let through.

Hostile archives are built here (``__setstate__`` or ``forward`` calling ``torch.from_file``,
``torch.save``, ``Tensor.set_``), each aimed at a marker file in a scratch folder; the loader
(``load_model``) is asked to load each one and must refuse it; each archive is then loaded
and run *without* the check (our own file, in the scratch folder) to show it does write. Ordinary
archives are every TorchScript file under the folders given (zoos made by our code and by
other code) plus a built variety (scripted LSTM/transformer, traced CNN, dynamic quantized):
none may be refused.

    python benchmarks/torchscript_code_check.py --scratch /tmp/tscheck /tmp/h9 /tmp/h14 ...
"""

from __future__ import annotations

import argparse
import json
import zipfile
from pathlib import Path

import torch
from torch import nn

from trojanscope.errors import UserInputError
from trojanscope.io.models import load_model
from trojanscope.scan import scan_file
from trojanscope.scan.torchscript_code import archive_code_problems


class OnLoadFromFile(nn.Module):
    """Writes the marker from ``__setstate__``, while torch.jit.load runs."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x

    @torch.jit.export
    def __getstate__(self) -> tuple[str, bool]:
        return (self.path, self.training)

    @torch.jit.export
    def __setstate__(self, state: tuple[str, bool]) -> None:
        written = torch.from_file(state[0], True, 8, dtype=torch.uint8).fill_(88)
        self.path = state[0] + str(int(written.sum()) * 0)[:0]  # used, so not pruned
        self.training = state[1]


class ForwardFromFile(nn.Module):
    """Writes the marker on every input."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        written = torch.from_file(self.path, True, 8, dtype=torch.uint8).fill_(88)
        return x + written.sum() * 0  # used, so TorchScript does not prune the call


class ForwardSave(nn.Module):
    """Pickles a tensor to the marker's path on every input (aten::save)."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        torch.save(x, self.path)
        return x


class ForwardSetStorage(nn.Module):
    """Re-points a tensor at another's storage (the raw-memory primitive ``set_``)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.zeros(1)
        return y.set_(x)


HOSTILE = {"on-load from_file": OnLoadFromFile, "forward from_file": ForwardFromFile,
           "forward save": ForwardSave, "forward set_": ForwardSetStorage}


def ordinary_variety(folder: Path) -> list[Path]:
    """A few archive shapes other training code produces."""
    folder.mkdir(parents=True, exist_ok=True)
    lstm = nn.LSTM(4, 8, batch_first=True)
    enc = nn.TransformerEncoderLayer(8, 2, 16, batch_first=True)
    cnn = nn.Sequential(nn.Conv2d(1, 4, 3), nn.Tanh(), nn.AvgPool2d(2), nn.Upsample(
        scale_factor=2), nn.Flatten(), nn.Dropout(), nn.Linear(144, 3)).eval()
    quant = torch.ao.quantization.quantize_dynamic(
        nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 2)), {nn.Linear},
        dtype=torch.qint8)
    made = {"lstm.pt": torch.jit.script(lstm), "encoder.pt": torch.jit.script(enc.eval()),
            "cnn-traced.pt": torch.jit.trace(cnn, torch.randn(1, 1, 8, 8)),
            "quantized.pt": torch.jit.script(quant)}
    paths = []
    for name, module in made.items():
        module.save(str(folder / name))
        paths.append(folder / name)
    return paths


def is_torchscript(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as zf:
            return any("/code/" in f"/{n}" for n in zf.namelist())
    except (zipfile.BadZipFile, OSError):
        return False


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="*", type=Path, help="folders searched for .pt archives")
    ap.add_argument("--scratch", type=Path, required=True)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    torch.manual_seed(0)
    hostile_rows = []
    for name, cls in HOSTILE.items():
        marker = args.scratch / f"marker-{name.replace(' ', '-')}.txt"
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text("ORIGINAL")
        archive = args.scratch / f"hostile-{name.replace(' ', '-')}.pt"
        module = cls() if cls is ForwardSetStorage else cls(str(marker))
        torch.jit.script(module).save(str(archive))
        try:
            load_model(archive)
            refused = False
        except UserInputError:
            refused = True
        untouched = marker.read_bytes() == b"ORIGINAL"
        _, ctx = scan_file(archive)
        # the threat is real: our own archive, loaded and run unchecked, changes the marker
        torch.jit.load(str(archive))(torch.zeros(2))
        live = marker.read_bytes() != b"ORIGINAL"
        marker.write_text("ORIGINAL")
        critical = [f.rule_id for f in ctx.findings if f.rule_id == "TS208"]
        hostile_rows.append({"archive": name, "loader_refused": refused,
                             "scanner_ts208": len(critical),
                             "unchecked_run_writes_marker": live,
                             "marker_untouched_by_loader": untouched})
    ordinary = ordinary_variety(args.scratch / "ordinary")
    for folder in args.folders:
        ordinary += sorted(p for p in folder.rglob("*.pt") if is_torchscript(p))
    refused_ordinary = []
    for path in ordinary:
        with zipfile.ZipFile(path) as zf:
            problems = archive_code_problems(zf)
        if problems:
            refused_ordinary.append({"path": str(path), "problems": problems[:3]})
    summary = {"hostile": hostile_rows,
               "hostile_refused": sum(r["loader_refused"] for r in hostile_rows),
               "hostile_markers_untouched": sum(r["marker_untouched_by_loader"]
                                                for r in hostile_rows),
               "ordinary_archives": len(ordinary), "ordinary_refused": refused_ordinary}
    text = json.dumps(summary, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text)


if __name__ == "__main__":
    main()
