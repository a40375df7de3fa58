"""Hostile user files for every loader hardened at stop 36, and the cost of scanning before load.

Each hostile file is built here, in the scratch folder, and handed to the command a user would
run, in a child process (``python -m trojanscope …``) with this checkout's ``src`` first on the
path and, with ``--baseline SRC``, again with that older source (what the command did before).
A file counts as refused when the command exits 2 with one error line that names the file's
problem and is no "unexpected" error (the project's bad-input rule); exit codes below 0 are
the signal that killed the process.

The scan-before-load cost is ``load_model`` with and without the gate, in this process, on a
run folder, a TorchScript file and an ONNX file (best of 5, the gate's per-process memory of
clean files cleared before each timed load, so every timed load scans).

    python benchmarks/load_hardening_check.py --scratch /tmp/lh --baseline /work/main/src \
        --extra-path /tmp/pkgs      # pyarrow installed apart: the Parquet cases (stop 37)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
import torch
from torch import nn

from trojanscope.testing.hostile_loads import (
    expanding_parquet,
    lying_npz,
    lying_parquet,
    map_bomb_parquet,
    nested_text_parquet,
    npy_header,
    slack_parquet,
    smuggled_torchscript,
)

SRC = Path(__file__).resolve().parents[1] / "src"
DEEP = b"[" * 1_000_000 + b"]" * 1_000_000


def build(scratch: Path) -> dict[str, tuple[list[str], str]]:
    """name -> (command arguments, what the file does)."""
    made: dict[str, tuple[list[str], str]] = {}
    lie = lying_npz(scratch / "lying-header.npz")
    made["npz header declaring 10^11 floats"] = (["detect-data", str(lie)], "allocation")
    bomb = scratch / "bomb.npz"
    if not bomb.exists():
        with (
            zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z,
            z.open("x.npy", "w", force_zip64=True) as m,
        ):
            count = (1200 << 20) // 4
            m.write(npy_header((count // 1024, 1, 32, 32)))
            block = b"\0" * (16 << 20)
            for _ in range((1200 << 20) // len(block)):
                m.write(block)
        with zipfile.ZipFile(bomb, "a") as z:
            z.writestr("y.npy", npy_header((count // 1024,), "<i8") + b"\0" * (count // 1024 * 8))
    made["npz deflate bomb (1.2 GiB of zeros)"] = (["detect-data", str(bomb)], "memory")
    folder = scratch / "deep-manifest"
    folder.mkdir(exist_ok=True)
    (folder / "manifest.json").write_bytes(DEEP)
    made["manifest.json nested 10^6 deep"] = (
        ["detect", str(folder), "--data-free"],
        "RecursionError",
    )
    jsonl = scratch / "deep.jsonl"
    jsonl.write_bytes(b'{"text": "fine", "label": 0}\n' + DEEP + b"\n")
    made["JSONL line nested 10^6 deep"] = (
        ["detect-data", str(jsonl), "--text-column", "text", "--label-column", "label"],
        "RecursionError",
    )
    for name, head in (
        ("deep.json", b'{"learner": '),
        ("deep.ubj", b"{L" + (7).to_bytes(8, "big") + b"learner"),
    ):
        path = scratch / name
        path.write_bytes(head + DEEP + b"}")
        made[f"XGBoost {name[5:].upper()} nested 10^6 deep"] = (
            ["detect", str(path), "--data-free"],
            "stack overflow in XGBoost",
        )
    plain = scratch / "lin.pt"
    torch.jit.script(nn.Linear(2, 2)).save(str(plain))
    smuggled = smuggled_torchscript(plain, scratch / "smuggled.pt")
    made["TorchScript carrying a shell-command pickle"] = (
        ["detect", str(smuggled), "--data-free"],
        "loaded unscanned",
    )
    h5 = scratch / "lambda.h5"
    config = (
        json.dumps(
            {
                "class_name": "Sequential",
                "config": {"layers": [{"class_name": "Lambda", "config": {"name": "evil"}}]},
            }
        )
        .encode()
        .replace(b'"Lambda"', b'"\\u004cambda"')
    )  # Keras's json.loads reads Lambda
    h5.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 100 + config)
    made["Keras .h5 Lambda, name escaped (scan)"] = (["scan", str(h5)], "missed")
    try:  # stop 37: Parquet (pyarrow is in no extra: run with --extra-path where it is)
        import pyarrow  # noqa: F401
    except ImportError:
        return made
    lying = lying_parquet(scratch / "lying-pages.parquet", 256, columns=4)
    made["Parquet: 4 columns of one 256 MiB page each, footer 10 rows"] = (
        ["detect-data", str(lying), "--label-column", "label"],
        "allocation",
    )
    wide = expanding_parquet(scratch / "dictionary.parquet", 600, 1 << 20)
    made["Parquet dictionary: 600 rows naming one 1 MiB string"] = (
        ["detect-data", str(wide), "--label-column", "label"],
        "expansion",
    )
    # stop 37 review (hR5's recipes): chunks in parquet-mr 1.2.8's slack, a bool-map page header,
    # strings outside flat text columns
    slack = slack_parquet(scratch / "slack.parquet", 12, 32)
    made["Parquet slack: 12 chunks declared 0 bytes, parquet-mr 1.2.8, 32 MiB pages"] = (
        ["detect-data", str(slack), "--label-column", "x"],
        "allocation",
    )
    bomb = map_bomb_parquet(scratch / "map-bomb.parquet")
    made["Parquet map header: 16,000 bool->bool maps in 64 KiB"] = (
        ["detect-data", str(bomb), "--label-column", "label"],
        "guard allocation",
    )
    for kind in ("list", "struct", "view", "fixed"):
        nested = nested_text_parquet(scratch / f"{kind}.parquet", kind, 400, 1 << 20)
        made[f"Parquet {kind} column: 400 cells naming one 1 MiB string"] = (
            ["detect-data", str(nested), "--label-column", "label"],
            "expansion",
        )
    return made


# What the one error line must say for the file to count as refused for its problem (a command
# that loaded the model and stopped later for another reason does not count).
EXPECT = {
    "npz header": "declares",
    "npz deflate": "compression bomb",
    "manifest": "nested",
    "JSONL": "nested",
    "XGBoost": "XGBoost",
    "TorchScript": "TS102",
    "Parquet:": "page headers declare",
    "Parquet dictionary": "text columns expand",
    "Parquet slack": "parquet-mr before 1.2.9",
    "Parquet map": "page header",
    "Parquet list": "only flat columns",
    "Parquet struct": "only flat columns",
    "Parquet view": "only flat columns",
    "Parquet fixed": "fixed-size binary columns expand",
}


# The command run through this wrapper, which writes the process's own peak resident memory
# (VmHWM: the memory of the program exec'd, not the forked parent's that ru_maxrss carries over
# through exec) to the file $PEAK_FILE when the interpreter exits.
PEAK = """import atexit, os, runpy, sys
def _peak():
    with open("/proc/self/status") as status, open(os.environ["PEAK_FILE"], "w") as out:
        out.write(next(l.split()[1] for l in status if l.startswith("VmHWM:")))
atexit.register(_peak)
sys.argv = ["trojanscope", *sys.argv[1:]]
runpy.run_module("trojanscope", run_name="__main__", alter_sys=True)
"""


def run_cli(src: Path, args: list[str], expect: str = "", extra: tuple[str, ...] = ()) -> dict:
    """The command in a child process: its exit code, time, stderr and peak memory (MiB; None
    when a signal ended it)."""
    path = os.pathsep.join([str(src), *extra])
    peak = Path(tempfile.mkstemp(suffix=".peak")[1])
    env = dict(os.environ, PYTHONPATH=path, OMP_NUM_THREADS="1", PEAK_FILE=str(peak))
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", PEAK, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    kib = peak.read_text().strip()
    peak.unlink()
    stderr = done.stderr
    err = stderr.strip().splitlines()
    return {
        "rc": done.returncode,
        "seconds": round(time.perf_counter() - t0, 1),
        "peak_mib": int(kib) >> 10 if kib else None,
        "stderr_lines": len(err),
        "first_line": (err[0] if err else "")[:240],
        "refused": done.returncode == 2
        and len(err) == 1
        and "unexpected" not in err[0]
        and expect in err[0],
        "flagged": args[0] == "scan" and done.returncode == 1,
    }


def gate_cost(scratch: Path) -> list[dict]:
    from trojanscope.engine import Trainer
    from trojanscope.experiment import run_experiment, save_experiment
    from trojanscope.io import scan_gate
    from trojanscope.io.models import load_model

    folder = scratch / "run"
    if not (folder / "manifest.json").is_file():
        result = run_experiment(
            "synthetic", trainer=Trainer(epochs=1), seed=2, arch_params={"width": 8}
        )
        save_experiment(result, folder)
    rows = []
    for target in (folder, folder / "model.torchscript.pt", folder / "model.onnx"):
        load_model(target)  # imports and caches warm
        times = {}
        for scan in (False, True):
            best = float("inf")
            for _ in range(5):
                scan_gate._CLEAN.clear()
                t0 = time.perf_counter()
                load_model(target, scan=scan)
                best = min(best, time.perf_counter() - t0)
            times[scan] = best
        rows.append(
            {
                "target": target.name,
                "bytes": sum(
                    p.stat().st_size
                    for p in (
                        [target]
                        if target.is_file()
                        else [folder / "manifest.json", folder / "model.safetensors"]
                    )
                ),
                "load_s": round(times[False], 4),
                "load_with_scan_s": round(times[True], 4),
                "scan_s": round(times[True] - times[False], 4),
            }
        )
    return rows


def ordinary_parquet(scratch: Path, folders: list[Path]) -> dict:
    """Ordinary Parquet files read by ``read_table`` (the page and dictionary checks must
    refuse none): every ``*.parquet`` under ``folders`` plus files pyarrow and pandas write
    with each compression, with and without dictionaries, v1 and v2 pages, many row groups."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    from trojanscope.data.tabular.table import read_table
    from trojanscope.errors import UserInputError

    made = scratch / "ordinary-parquet"
    made.mkdir(exist_ok=True)
    rows = 30_000
    columns = {
        "amount": [round(i * 0.37, 2) if i % 13 else None for i in range(rows)],
        "merchant": [f"m{i % 41}" for i in range(rows)],
        "note": [f"free text {i}" for i in range(rows)],
        "label": [i % 2 for i in range(rows)],
    }
    for codec in ("snappy", "zstd", "gzip", "brotli", "lz4", "none"):
        for dictionary in (True, False):
            for version in ("1.0", "2.0"):
                pq.write_table(
                    pa.table(columns),
                    made / f"{codec}-{'dict' if dictionary else 'plain'}-v{version}.parquet",
                    compression=codec,
                    use_dictionary=dictionary,
                    data_page_version=version,
                    row_group_size=7_000,
                )
    pd.DataFrame(columns).to_parquet(made / "pandas-default.parquet")
    pd.DataFrame(columns).astype({"merchant": "category"}).to_parquet(made / "pandas-cat.parquet")
    files = sorted(made.glob("*.parquet"))
    for folder in folders:
        files += sorted(folder.rglob("*.parquet"))
    refused = []
    for path in files:
        try:
            read_table(path)
        except UserInputError as exc:
            refused.append({"path": str(path), "error": str(exc)[:240]})
    return {"files": len(files), "refused": refused}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scratch", type=Path, required=True)
    ap.add_argument("--baseline", type=Path, help="an older src folder to compare with")
    ap.add_argument("--json", type=Path)
    ap.add_argument(
        "--extra-path",
        action="append",
        default=[],
        help="a folder added to the commands' PYTHONPATH (e.g. pyarrow installed "
        "apart); repeatable",
    )
    ap.add_argument("--only", help="regex: only the hostile files whose name matches")
    ap.add_argument(
        "--ordinary-parquet",
        nargs="*",
        type=Path,
        metavar="FOLDER",
        help="read ordinary Parquet files (built, plus those under FOLDER) and "
        "count the refused; needs pyarrow",
    )
    ap.add_argument("--no-gate-cost", action="store_true", help="skip the scan-before-load cost")
    args = ap.parse_args()
    torch.manual_seed(0)
    np.random.seed(0)
    args.scratch.mkdir(parents=True, exist_ok=True)
    rows = []
    extra = tuple(args.extra_path)
    for name, (cli, threat) in build(args.scratch).items():
        if args.only and not re.search(args.only, name):
            continue
        expect = next((v for k, v in EXPECT.items() if name.startswith(k)), "")
        target = Path(cli[1])
        size = sum(p.stat().st_size for p in ([target] if target.is_file() else target.iterdir()))
        row = {
            "file": name,
            "bytes": size,
            "threat": threat,
            "command": cli[0],
            "now": run_cli(SRC, cli, expect, extra),
        }
        if args.baseline and "bomb" in name:  # before: inflated whole (GBs on a shared machine)
            row["before"] = "not run (numpy inflates the 1.2 GiB member)"
        elif args.baseline and "map header" in name:  # before: ~5e8 tuples, tens of GB
            row["before"] = "not run (the page walk builds ~5e8 tuples: tens of GB)"
        elif args.baseline:
            row["before"] = run_cli(args.baseline, cli, expect, extra)
        rows.append(row)
        print(json.dumps(row), flush=True)
    ordinary = None
    if args.ordinary_parquet is not None:
        ordinary = ordinary_parquet(args.scratch, args.ordinary_parquet)
        print(json.dumps(ordinary), flush=True)
    summary = {
        "hostile": rows,
        "ordinary_parquet": ordinary,
        "gate_cost": None if args.no_gate_cost else gate_cost(args.scratch),
    }
    text = json.dumps(summary, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text)


if __name__ == "__main__":
    main()
