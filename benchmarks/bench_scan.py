"""Detection benchmark for ``trojanscope scan`` next to picklescan and modelscan.

Builds a malicious corpus (every attack class the scanner handles) and a benign corpus (torch
zip/legacy state dicts and checkpoints, safetensors, NumPy, scikit-learn via joblib, plain
pickles, ONNX, tar) in benchmarks/out/scan-corpus, then scores each tool per file:
a malicious file is caught when the tool flags it (trojanscope: a finding at high or above,
i.e. `trojanscope scan FILE` exits 1; picklescan/modelscan: exit code 1). A benign file
flagged the same way is a false alarm. The picklescan peer corpus (../shared) is scored too.

picklescan and modelscan run from a separate venv (benchmarks/out/venv-peers, created on first
use), never from the project's dependencies.

    .venv/bin/python benchmarks/bench_scan.py [--write-docs]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scan.docs import update_subsection
from scan.peers import ensure_peer_venv, peer_flags, peer_version
from trojanscope.report import Severity
from trojanscope.scan import load_policy, scan_paths
from trojanscope.testing import scan_corpus as samples

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "out" / "scan-corpus"
PEER_CORPUS = ROOT.parents[1] / "shared" / "peer-corpora" / "picklescan"
TOOLS = ("trojanscope", "picklescan", "modelscan")
NOTE = ("The built corpus is ours and includes classes the peers do not target (ONNX external "
        "data, safetensors headers, tar/7z archives, compression bombs); the peer venv has no "
        "optional extras (no h5py/TensorFlow for modelscan's Keras scanner, no py7zr for "
        "picklescan). Read it as coverage of the issue's classes, not a like-for-like contest; "
        "the peer corpus is picklescan's own.")


def build_corpus() -> tuple[list[Path], list[Path], Path]:
    if OUT.exists():
        shutil.rmtree(OUT)
    marker = OUT / "MARKER-must-not-exist"
    mal = samples.write_samples(OUT / "malicious", samples.malicious_samples(marker))
    ben = samples.write_samples(OUT / "benign", samples.benign_samples())
    return mal, ben, marker


def trojanscope_flags(path: Path) -> bool:
    return scan_paths([path], load_policy()).exit_code(Severity.HIGH) == 1


def score(files: list[Path], workdir: Path) -> dict[str, dict[Path, bool | None]]:
    out: dict[str, dict[Path, bool | None]] = {t: {} for t in TOOLS}
    for f in files:
        out["trojanscope"][f] = trojanscope_flags(f)
    with ThreadPoolExecutor(max_workers=2) as pool:
        for tool in TOOLS[1:]:
            results = pool.map(lambda f, t=tool: peer_flags(t, f, workdir), files)
            out[tool] = dict(zip(files, results, strict=True))
    return out


def table(title: str, mal: list[Path], ben: list[Path], res: dict) -> tuple[str, dict]:
    lines = [f"**{title}** ({len(mal)} malicious, {len(ben)} benign files)", "",
             "| tool | recall (caught / malicious) | false alarms (benign flagged) | errors |",
             "| --- | --- | --- | --- |"]
    summary = {}
    for tool in TOOLS:
        caught = sum(1 for f in mal if res[tool][f] is True)
        alarms = sum(1 for f in ben if res[tool][f] is True)
        errors = sum(1 for f in [*mal, *ben] if res[tool][f] is None)
        summary[tool] = {"caught": caught, "false_alarms": alarms, "errors": errors}
        lines.append(f"| {tool} | {caught}/{len(mal)} ({100 * caught / max(len(mal), 1):.1f}%)"
                     f" | {alarms}/{len(ben)} | {errors} |")
    return "\n".join(lines), summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-docs", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    ensure_peer_venv()
    started = time.time()
    mal, ben, marker = build_corpus()
    work = Path(tempfile.mkdtemp())
    own = score([*mal, *ben], work)
    own_table, own_sum = table("Built corpus", mal, ben, own)
    misses = {t: sorted(f.name for f in mal if own[t][f] is not True) for t in TOOLS}
    texts = [own_table]
    peer_sum = None
    if (PEER_CORPUS / "truth.json").exists():
        truth = json.loads((PEER_CORPUS / "truth.json").read_text())
        pm = [PEER_CORPUS / t["file"] for t in truth if t["label"] == "malicious"]
        pb = [PEER_CORPUS / t["file"] for t in truth if t["label"] == "benign"]
        peer = score([*pm, *pb], work)
        peer_table, peer_sum = table("picklescan peer corpus", pm, pb, peer)
        texts.append(peer_table)
    shutil.rmtree(work, ignore_errors=True)
    assert not marker.exists(), "a payload ran while building or scanning the corpus"
    report = "\n\n".join(texts)
    print(report)
    print("\nmissed per tool (built corpus):")
    for tool, names in misses.items():
        print(f"  {tool}: {', '.join(names) or '-'}")
    print(json.dumps({"built": own_sum, "peer": peer_sum}, indent=1))
    if args.write_docs:
        versions = ", ".join(f"{t} {peer_version(t)}" for t in TOOLS[1:])
        body = (f"### Detection (`bench_scan.py`)\n\nCommand: `.venv/bin/python "
                f"benchmarks/bench_scan.py --write-docs` (peers: {versions}, from PyPI in "
                f"benchmarks/out/venv-peers; run took {time.time() - started:.0f} s).\n"
                "A malicious file counts as caught when the tool flags it: trojanscope with a "
                "finding at high or above (`trojanscope scan FILE` exits 1), picklescan and "
                "modelscan with exit code 1. Errors are exits other than 0/1 (modelscan 3 = "
                "nothing supported counts as clean).\n" + NOTE + "\n\n" + report
                + "\n\nMissed on the built corpus:\n\n"
                + "\n".join(f"- {t}: {', '.join(n) or 'none'}" for t, n in misses.items()))
        update_subsection("detection", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
