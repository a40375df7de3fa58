"""Scanner hardening (issue 10): the evasion corpus next to picklescan, ModelScan and fickling;
the worst-case time and memory per hostile file; false alarms over a real site-packages.

    python benchmarks/bench_scan_hardening.py evasion [--peer-venv /tmp/peers-venv] [--write-docs]
    python benchmarks/bench_scan_hardening.py worst-case [--write-docs]
    python benchmarks/bench_scan_hardening.py false-alarms [--root SITE_PACKAGES] [--write-docs]

Peers run from their own venv (``--peer-venv``; picklescan, modelscan, fickling from PyPI),
never from the project's dependencies. Every evasion payload is an inert marker; it is run
with its real loader in a subprocess to prove the sample works before tools are scored.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scan.docs import update_subsection
from scan.peers import peer_flags, peer_version
from trojanscope.report import Severity
from trojanscope.scan import load_policy, scan_file, scan_paths
from trojanscope.scan.walk import iter_files
from trojanscope.testing.evasion_corpus import LOADER_SCRIPT, evasion_samples, write_evasion

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "out" / "scan-hardening"
PEERS = ("picklescan", "modelscan", "fickling")
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _ours_flags(path: Path) -> bool:
    return scan_paths([path], load_policy()).exit_code(Severity.HIGH) == 1


def _baseline_flags(path: Path, src: str) -> bool | None:
    """The scanner of another checkout (``--baseline SRC``): `trojanscope scan` exit code."""
    env = {**ENV, "PYTHONPATH": src}
    rc = subprocess.run([sys.executable, "-m", "trojanscope", "scan", str(path)], env=env,
                        capture_output=True, timeout=600, check=False).returncode
    return {0: False, 1: True, 3: False}.get(rc)


def evasion(args: argparse.Namespace) -> str:
    if OUT.exists():
        shutil.rmtree(OUT)
    marks = OUT / "marks"
    marks.mkdir(parents=True)
    samples = evasion_samples(marks, flood=args.flood)
    paths = write_evasion(OUT / "files", samples)
    by_loader: dict[str, list[str]] = {}
    for s, p in zip(samples, paths, strict=True):
        if s.loader:
            by_loader.setdefault(s.loader, []).append(str(p))
    for loader, files in by_loader.items():
        subprocess.run([sys.executable, "-c", LOADER_SCRIPT, loader, *files], cwd=OUT, env=ENV,
                       capture_output=True, timeout=1800, check=False)
    bin_dir = Path(args.peer_venv) / "bin"
    tools = ["trojanscope", *(["before"] if args.baseline else []),
             *(t for t in PEERS if (bin_dir / t).exists())]
    rows = ["| family | sample | loader (payload ran) | " + " | ".join(tools) + " |",
            "| --- | --- | --- | " + " | ".join("---" for _ in tools) + " |"]
    caught = Counter()
    work = Path(tempfile.mkdtemp())
    for s, p in zip(samples, paths, strict=True):
        ran = (marks / (Path(s.name).name.split(".")[0] + ".ran")).exists()
        cells = []
        for tool in tools:
            if tool == "trojanscope":
                flag: bool | None = _ours_flags(p)
            elif tool == "before":
                flag = _baseline_flags(p, args.baseline)
            else:
                flag = peer_flags(tool, p, work, bin_dir)
            caught[tool] += flag is True
            cells.append({True: "flagged", False: "**missed**", None: "error"}[flag])
        loader = f"{s.loader} ({'yes' if ran else 'NO'})" if s.loader else "none installed"
        rows.append(f"| {s.family} | `{s.name}` | {loader} | " + " | ".join(cells) + " |")
    rows.append(f"| **total** | {len(samples)} files | | " + " | ".join(
        f"{caught[t]}/{len(samples)}" for t in tools) + " |")
    shutil.rmtree(work, ignore_errors=True)
    versions = ", ".join(f"{t} {peer_version(t, bin_dir)}" for t in tools if t in PEERS)
    before = (f" `before` is the scanner without these changes (`--baseline {args.baseline}`,"
              f" the main checkout at {args.baseline_label})." if args.baseline else "")
    table = "\n".join(rows)
    return (f"### Evasion corpus (`bench_scan_hardening.py evasion`)\n\nCommand: "
            f"`.venv/bin/python benchmarks/bench_scan_hardening.py evasion --peer-venv "
            f"{args.peer_venv}{' --baseline ' + args.baseline if args.baseline else ''} "
            f"--write-docs` (peers: {versions}).{before} One family per bypass class "
            "of issue 10 (`trojanscope.testing.evasion_corpus`); every payload is an inert "
            "`touch` marker "
            "and was run with the loader named (in a subprocess) before scoring: \"yes\" means "
            "the marker appeared. Flagged: trojanscope exits 1 at the default `--fail-on high`; "
            "picklescan/modelscan/fickling (`--check-safety`) exit 1. The opcode-flood sample "
            f"has {args.flood:,} NONE/POP pairs.\n\n{table}")


def _hostile(folder: Path) -> dict[str, Path]:
    """The issue's resource-exhaustion inputs."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    p = folder / "overlapping.zip"  # 2,000 central entries, one local header
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.pkl", b"\x80\x04" + b"N0" * 1_000_000 + b"N.")
    data = p.read_bytes()
    cd, eocd = data.rindex(b"PK\x01\x02"), data.rindex(b"PK\x05\x06")
    central, tail = data[cd:eocd], bytearray(data[eocd:])
    tail[8:16] = (2000).to_bytes(2, "little") * 2 + (len(central) * 2000).to_bytes(4, "little")
    p.write_bytes(data[:cd] + central * 2000 + bytes(tail))
    out["zip, 2,000 entries on one local header"] = p
    p = folder / "ten_floods.zip"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(10):
            zf.writestr(f"m{i}.pkl", b"\x80\x04" + b"N0" * 10_000_000 + b"N.")
    out["zip, 10 deflated 20M-opcode pickles"] = p
    p = folder / "dicts.pkl"
    p.write_bytes(b"\x80\x04" + b"}" * 20_000_000 + b".")
    out["pickle, 20M EMPTY_DICT (20 MB)"] = p
    p = folder / "nonepop.pkl"
    p.write_bytes(b"\x80\x04" + b"N0" * 20_000_000 + b"N.")
    out["pickle, 20M NONE/POP (40 MB)"] = p
    p = folder / "memo.pkl"
    p.write_bytes(b"\x80\x04" + b"N\x94" * 5_000_000 + b".")
    out["pickle, 5M MEMOIZE"] = p
    p = folder / "zlib_bomb.joblib"
    c = zlib.compressobj(9)
    with open(p, "wb") as fh:
        for _ in range(1024):
            fh.write(c.compress(b"\0" * (4 << 20)))
        fh.write(c.flush())
    out["zlib stream of 4 GiB of zeros"] = p
    p = folder / "big.onnx"  # one 1.5 GB initializer; its bytes are a sparse hole (no disk)
    p.write_bytes(_onnx_prefix(1_500_000_000))
    os.truncate(p, p.stat().st_size + 1_500_000_000)
    out["ONNX file of 1.5 GB"] = p
    return out


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        out.append((n & 0x7F) | (0x80 if n > 0x7F else 0))
        n >>= 7
        if not n:
            return bytes(out)


def _onnx_prefix(nbytes: int) -> bytes:
    """ModelProto → GraphProto → one float TensorProto whose raw_data (``nbytes``) follows."""
    tensor = (b"\x08" + _varint(nbytes // 4) + b"\x10\x01" + b"\x42\x01w" + b"\x4a"
              + _varint(nbytes))
    graph = b"\x2a" + _varint(len(tensor) + nbytes) + tensor
    return b"\x08\x08" + b"\x3a" + _varint(len(graph) + nbytes) + graph


_MEASURE = r"""
import json, sys, time
from trojanscope.report import Severity
from trojanscope.scan import load_policy, scan_paths

def hwm():  # this process's peak RSS in MiB (ru_maxrss would include the parent's at fork)
    with open("/proc/self/status") as fh:
        line = next(x for x in fh if x.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024

before = hwm()
start = time.perf_counter()
report = scan_paths([sys.argv[1]], load_policy())
wall = time.perf_counter() - start
rss = hwm()
rules = sorted({f.rule_id for f in report.active() if f.severity >= Severity.HIGH})
print(json.dumps({"wall": wall, "rss": rss, "before": before,
                  "exit": report.exit_code(Severity.HIGH),
                  "rules": rules}))
"""


def worst_case(args: argparse.Namespace) -> str:
    files = _hostile(OUT / "hostile")
    rows = ["| input | size | scan time (s) | peak RSS (MiB): before scan / whole run | exit | "
            "high/critical rules |", "| --- | --- | --- | --- | --- | --- |"]
    for label, path in files.items():
        res = json.loads(subprocess.run([sys.executable, "-c", _MEASURE, str(path)],
                                        capture_output=True, text=True, env=ENV,
                                        check=True).stdout)
        rows.append(f"| {label} | {path.stat().st_size / 1e6:.1f} MB | {res['wall']:.1f} | "
                    f"{res['before']:.0f} / {res['rss']:.0f} | {res['exit']} | "
                    f"{', '.join(res['rules']) or '-'} |")
        print(rows[-1], flush=True)
    return ("### Worst case per file (`bench_scan_hardening.py worst-case`)\n\nCommand: "
            "`.venv/bin/python benchmarks/bench_scan_hardening.py worst-case --write-docs`. "
            "Each hostile input from issue 10 is scanned alone in a fresh process (one torch "
            "thread, a shared 2-core machine); peak RSS is the process's maximum, interpreter "
            "and imports included (the first figure is that maximum before the scan started). "
            "Targets: at most 10 s and 512 MiB per file, and exit 1 whenever a limit stopped "
            "the analysis.\n\n"
            + "\n".join(rows))


def false_alarms(args: argparse.Namespace) -> str:
    root = Path(args.root)
    policy = load_policy()
    per_sev: Counter[str] = Counter()
    files = scanned = medium = 0
    flagged: dict[str, list[str]] = {}
    slowest = (0.0, "")
    started = time.perf_counter()
    for entry in iter_files([root]):
        files += 1
        if entry.problem is not None:
            continue
        t = time.perf_counter()
        subject, ctx = scan_file(entry.path, policy)
        dt = time.perf_counter() - t
        slowest = max(slowest, (dt, str(entry.path.relative_to(root))))
        scanned += subject.status == "scanned"
        top = max((f.severity for f in ctx.findings), default=None)
        medium += top == Severity.MEDIUM
        for f in ctx.findings:
            per_sev[f.severity.label] += 1
            if f.severity >= Severity.HIGH:
                flagged.setdefault(str(entry.path.relative_to(root)), []).append(
                    f"{f.rule_id}: {f.message[:90]}")
        if files % 5000 == 0:
            print(f"{files} files, {len(flagged)} flagged", flush=True)
    total = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sev = ", ".join(f"{s}: {per_sev.get(s, 0)}" for s in
                    ("critical", "high", "medium", "low", "info"))
    lines = "\n".join(f"- `{p}`: {'; '.join(m[:3])}" for p, m in sorted(flagged.items())[:30])
    return ("### False alarms on a real site-packages (`bench_scan_hardening.py false-alarms`)"
            f"\n\nCommand: `.venv/bin/python benchmarks/bench_scan_hardening.py false-alarms "
            f"--root {args.root} --write-docs` (the project's own environment: torch, "
            "scikit-learn, scipy, numpy, sympy, onnx, …; every file, whatever its type).\n\n"
            f"| files | recognised and scanned | files with a high/critical finding | files at "
            f"medium (of the recognised) | findings per severity | total time | slowest file | "
            f"peak RSS |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n| {files} | "
            f"{scanned} | {len(flagged)} | {medium} ({100 * medium / max(scanned, 1):.1f}%) | "
            f"{sev} | {total:.0f} s | "
            f"{slowest[0]:.2f} s (`{slowest[1]}`) | {rss:.0f} MiB |\n\n"
            + (f"Files with high/critical findings:\n\n{lines}" if flagged else
               "No file raised a high or critical finding."))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["evasion", "worst-case", "false-alarms"])
    parser.add_argument("--peer-venv", default="/tmp/peers-venv")
    parser.add_argument("--flood", type=int, default=20_000_000)
    parser.add_argument("--baseline", help="src folder of another checkout to compare with")
    parser.add_argument("--root", default=str(Path(sys.prefix) / "lib" / (
        f"python{sys.version_info.major}.{sys.version_info.minor}") / "site-packages"))
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    args.baseline_label = ""
    if args.baseline:
        args.baseline_label = subprocess.run(
            ["git", "-C", args.baseline, "log", "-1", "--format=%h"], capture_output=True,
            text=True, check=False).stdout.strip() or "?"
    body = {"evasion": evasion, "worst-case": worst_case, "false-alarms": false_alarms}[
        args.what](args)
    print(body)
    if args.write_docs:
        update_subsection(args.what, body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
