"""Throughput and memory of ``trojanscope scan`` on large PyTorch checkpoints, next to
picklescan, and hashing speed of ``trojanscope sign`` next to ``sha256sum``.

Writes state-dict checkpoints of two sizes (torch.save, zip and legacy formats) to a temp
folder, deletes them at the end. Every scan runs in a fresh process under /usr/bin/time -v for
its peak RSS; scan time is measured inside that process (imports excluded) and end to end.

    .venv/bin/python benchmarks/bench_scan_throughput.py [--sizes-mb 256 1024] [--write-docs]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scan.docs import update_subsection
from scan.peers import PEER_VENV, ensure_peer_venv

PY = sys.executable
NOTE = ("Neither scanner reads tensor storage (torch never unpickles it), so per-file cost is "
        "fixed and bytes/s grows with file size; peak RSS does not grow with it (growth column). "
        "The CLI wall time of both is interpreter start-up; trojanscope's CLI imports Typer, "
        "rich and the scanner but not torch (heavy modules load only in the commands that "
        "need them).")
TS_SNIPPET = ("import sys,time,json; from trojanscope.scan import scan_paths, load_policy; "
              "import trojanscope.scan.archives, trojanscope.scan.pickle_scan; p=load_policy(); "
              "t=time.perf_counter(); r=scan_paths([sys.argv[1]], p); "
              "print(json.dumps({'s': time.perf_counter()-t, 'n': len(r.findings)}))")
PS_SNIPPET = ("import sys,time,json; from picklescan.scanner import scan_file_path; "
              "t=time.perf_counter(); r=scan_file_path(sys.argv[1]); "
              "print(json.dumps({'s': time.perf_counter()-t, 'n': r.issues_count}))")


def make_checkpoint(path: Path, size_mb: int, zip_format: bool) -> None:
    import torch

    n_tensors = 16
    per = size_mb * (1 << 20) // 4 // n_tensors
    state = {f"layer{i}.weight": torch.ones(per, dtype=torch.float32) for i in range(n_tensors)}
    torch.save(state, path, _use_new_zipfile_serialization=zip_format)


def timed_rss(cmd: list[str]) -> tuple[float, int, str]:
    """(wall seconds, peak RSS in KiB, stdout) of ``cmd`` under /usr/bin/time -v."""
    start = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True)
    wall = time.perf_counter() - start
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    return wall, int(m.group(1)) if m else -1, proc.stdout.strip()


def measure(tool: str, path: Path) -> dict[str, float]:
    if tool == "trojanscope":
        api = [PY, "-c", TS_SNIPPET, str(path)]
        cli = [str(Path(PY).parent / "trojanscope"), "scan", str(path), "--format", "json"]
    else:
        peer_py = str(PEER_VENV / "bin" / "python")
        api = [peer_py, "-c", PS_SNIPPET, str(path)]
        cli = [str(PEER_VENV / "bin" / "picklescan"), "-p", str(path)]
    best = None
    for _ in range(3):
        _, rss, out = timed_rss(api)
        inner = json.loads(out.splitlines()[-1])["s"]
        if best is None or inner < best[0]:
            best = (inner, rss)
    cli_wall = min(timed_rss(cli)[0] for _ in range(2))
    return {"scan_s": best[0], "rss_kb": best[1], "cli_s": cli_wall}


def hash_speed(path: Path) -> dict[str, float]:
    from trojanscope.signing import sha256_file

    ours, theirs = [], []
    for _ in range(3):
        t = time.perf_counter()
        digest = sha256_file(path)
        ours.append(time.perf_counter() - t)
        t = time.perf_counter()
        out = subprocess.run(["sha256sum", str(path)], capture_output=True, text=True).stdout
        theirs.append(time.perf_counter() - t)
        assert out.split()[0] == digest
    return {"trojanscope_s": min(ours), "sha256sum_s": min(theirs)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes-mb", type=int, nargs="+", default=[256, 1024])
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    ensure_peer_venv()
    tmp = Path(tempfile.mkdtemp(prefix="ts-throughput-"))
    rows, lines = [], []
    try:
        tiny = tmp / "tiny.pkl"  # baseline process: imports plus a 5-byte pickle
        tiny.write_bytes(b"\x80\x04K\x01.")
        base = {t: measure(t, tiny)["rss_kb"] for t in ("trojanscope", "picklescan")}
        for fmt in ("zip", "legacy"):
            for size in args.sizes_mb:
                path = tmp / f"ckpt_{size}mb_{fmt}.pt"
                make_checkpoint(path, size, fmt == "zip")
                nbytes = path.stat().st_size
                for tool in ("trojanscope", "picklescan"):
                    m = measure(tool, path)
                    rows.append({"format": fmt, "size": nbytes, "tool": tool, **m})
                    lines.append(
                        f"| {fmt} | {nbytes / 2**20:,.0f} MiB | {tool} | {m['scan_s'] * 1e3:.1f} ms"
                        f" | {nbytes / m['scan_s'] / 2**30:,.1f} GiB/s | {m['cli_s']:.2f} s"
                        f" | {m['rss_kb'] / 1024:.0f} MiB"
                        f" (+{(m['rss_kb'] - base[tool]) / 1024:.1f}) |")
                    print(lines[-1], flush=True)
                if fmt == "zip" and size == max(args.sizes_mb):
                    hashing = hash_speed(path)
                    hashing["bytes"] = nbytes
                path.unlink()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    ratio = hashing["sha256sum_s"] / hashing["trojanscope_s"]
    mib = hashing["bytes"] / 2**20
    hash_line = (f"Hashing for `sign` ({mib:,.0f} MiB checkpoint, warm page cache, best of 3): "
                 f"trojanscope {mib / hashing['trojanscope_s']:,.0f} MiB/s, sha256sum "
                 f"{mib / hashing['sha256sum_s']:,.0f} MiB/s → {100 * ratio:.0f}% of sha256sum.")
    print(hash_line)
    print(f"baseline RSS (5-byte pickle): {base}")
    if args.write_docs:
        body = ("### Throughput and memory (`bench_scan_throughput.py`)\n\n"
                "Command: `.venv/bin/python benchmarks/bench_scan_throughput.py --write-docs` "
                "(state dicts of 16 float32 tensors written by torch.save; scan time measured in "
                "a fresh process, imports excluded, best of 3; CLI = end-to-end wall time of "
                "`trojanscope scan FILE --format json` / `picklescan -p FILE`, imports included; "
                "peak RSS from /usr/bin/time -v, in parentheses the growth over the same process "
                f"scanning a 5-byte pickle: trojanscope {base['trojanscope'] / 1024:.0f} MiB, "
                f"picklescan {base['picklescan'] / 1024:.0f} MiB).\n\n"
                "| format | size | tool | scan time | bytes/s | CLI wall | peak RSS (growth) |\n"
                "| --- | --- | --- | --- | --- | --- | --- |\n" + "\n".join(lines)
                + "\n\n" + NOTE + "\n\n" + hash_line)
        update_subsection("throughput", body)
    print(json.dumps({"rows": rows, "hashing": hashing, "baseline_rss_kb": base}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
