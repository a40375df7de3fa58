"""The coverage feedback of ``benchmarks/fuzz_scanner.py`` (stop 41): edges of the scanner's own
code only, a branch taken the other way is a new edge, and a small guided run replays."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import trojanscope.scan
from trojanscope.scan.context import Ctx
from trojanscope.scan.engine import scan_bytes
from trojanscope.scan.rules import load_policy

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
SCAN = Path(trojanscope.scan.__file__).resolve().parent


def _tracer():
    sys.path.insert(0, str(BENCH))
    from fuzz_coverage import Tracer

    return Tracer(SCAN)


def _edges(tracer, data: bytes, name: str) -> set:
    tracer.start()
    try:
        scan_bytes(Ctx(load_policy(), "t"), data, name)
    finally:
        edges = tracer.stop()
    return edges


def test_edges_are_the_scanners_own_and_a_new_branch_is_new():
    tracer = _tracer()
    plain = _edges(tracer, pickle.dumps({"a": 1}, protocol=2), "a.pkl")
    assert plain and set(tracer.lines(plain)) <= {p.name for p in SCAN.glob("*.py")}
    again = _edges(tracer, pickle.dumps({"b": 2}, protocol=2), "b.pkl")
    assert again <= plain  # the same path through the scanner: nothing new
    npy = b"\x93NUMPY\x01\x00\x10\x00{'descr': 1}   \n"  # a header without shape: TS203
    assert not _edges(tracer, npy, "a.npy") <= plain
    assert "numpy_fmt.py" in tracer.lines(_edges(tracer, npy, "a.npy"))


def test_executable_lines_cover_what_runs():
    sys.path.insert(0, str(BENCH))
    from fuzz_coverage import executable_lines

    total = executable_lines(SCAN)
    tracer = _tracer()
    reached = tracer.lines(_edges(tracer, pickle.dumps([1], protocol=2), "x.pkl"))
    for name, lines in reached.items():
        assert lines <= total[name], name


def test_guided_run_replays_and_grows_a_corpus(tmp_path):
    """Two guided runs of one seed, 60 inputs each, on a few small seed files: the same inputs
    (SHA-256 over all of them) and some inputs kept for reaching new edges."""
    cache = tmp_path / "cache"
    (cache / "files").mkdir(parents=True)
    seeds = {"a.pkl": pickle.dumps({"w": [1, 2]}, protocol=2),
             "b.npy": b"\x93NUMPY\x01\x00\x46\x00{'descr': '<f4', 'fortran_order': False, "
                      b"'shape': (1,), }" + b" " * 17 + b"\n" + b"\0" * 4}
    for name, data in seeds.items():
        (cache / "files" / name).write_bytes(data)
    (cache / "manifest.json").write_text(json.dumps({"files": list(seeds), "folders": {}}))
    digests = []
    for run in ("one", "two"):  # a process each: the fuzzer sets RLIMIT_AS and SIGALRM
        summary = tmp_path / f"{run}.json"
        subprocess.run([sys.executable, str(BENCH / "fuzz_scanner.py"), "--seeds", "5",
                        "--max-execs", "60", "--seconds", "120", "--folder-every", "0",
                        "--seed-cache", str(cache), "--out", str(tmp_path / run),
                        "--summary", str(summary)], capture_output=True, check=False,
                       timeout=240, env={**os.environ, "PYTHONHASHSEED": "0"})
        seed = json.loads(summary.read_text())["seeds"][0]
        assert seed["execs"] == 60 and seed["corpus_added"] > 0 and seed["edges"] > 0
        digests.append(seed["inputs_sha256"])
    assert digests[0] == digests[1]
