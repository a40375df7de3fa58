"""``benchmarks/suite_balance.py``: xdist's loadfile schedule replayed from a collection and
per-test seconds (files with more tests first; a worker takes its next file when it has at
most two tests left)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from script_run import run_script

# a.py: 4 tests of 1 s; b.py: 3 tests of 1 s; c.py: 1 test of 6 s (fewest tests: last)
COLLECT = "\n".join([*(f"tests/a.py::t{i}" for i in range(4)),
                     "tests/c.py::t0",
                     *(f"tests/b.py::t{i}" for i in range(3)),
                     "", "8 tests collected in 0.1s"]) + "\n"
TSV = "".join(f"tests/{f}.py::t{i}\t0\t{s}\t0\t1\n"
              for f, n, s in (("a", 4, 1.0), ("b", 3, 1.0), ("c", 1, 6.0)) for i in range(n))


def _files(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "c.txt").write_text(COLLECT)
    (tmp_path / "s.tsv").write_text(TSV)
    return tmp_path / "c.txt", tmp_path / "s.tsv"


def test_the_file_with_fewest_tests_goes_last_and_one_worker_waits(load_benchmark,
                                                                     tmp_path: Path) -> None:
    bal = load_benchmark("suite_balance")
    collect, _ = _files(tmp_path)
    queue = bal.file_queue(bal.read_collection(collect))
    assert list(queue) == ["tests/a.py", "tests/b.py", "tests/c.py"]
    assert list(bal.file_queue(bal.read_collection(collect), reorder=False)) == [
        "tests/a.py", "tests/c.py", "tests/b.py"]
    seconds = {f"tests/{f}.py::t{i}": s for f, n, s in (("a", 4, 1.0), ("b", 3, 1.0),
                                                        ("c", 1, 6.0)) for i in range(n)}
    # worker 0 takes a.py, worker 1 b.py and, with 3 tests pending (> 2), nothing more;
    # after b's first test worker 1 has 2 pending and takes c.py: 3 s of b then 6 s of c.
    got = bal.simulate(queue, seconds, workers=2)
    assert got["files"] == [["tests/a.py"], ["tests/b.py", "tests/c.py"]]
    assert got["busy"] == [4.0, 9.0]
    assert bal.simulate(queue, seconds, workers=1)["busy"] == [13.0]


def test_the_command_line_and_its_bad_input(tmp_path: Path) -> None:
    collect, tsv = _files(tmp_path)
    res = run_script("suite_balance.py", collect, "--tsv", tsv, "--jitter", "0.2",
                     "--rounds", "5", "--json", tmp_path / "o.json")
    assert res.returncode == 0, res.stderr
    assert '"wait_s": 5.0' in res.stdout and '"ideal_s": 6.5' in res.stdout
    assert (tmp_path / "o.json").read_text().strip() == res.stdout.strip()
    packed = tmp_path / "c2.txt.gz"
    packed.write_bytes(gzip.compress(COLLECT.encode()))  # a stored collection, gzipped
    assert run_script("suite_balance.py", packed, "--tsv", tsv).stdout == res.stdout.split(
        ' "jitter"')[0].rstrip().rstrip(",") + "\n}\n"
    (tmp_path / "none.txt").write_text("nothing collected\n")
    (tmp_path / "c.txt.gz").write_text(COLLECT)  # named .gz, not gzip
    for args, said in (((collect,), "give --log or --tsv"),
                       ((tmp_path / "x.txt", "--tsv", tsv), "x.txt: no such file"),
                       ((tmp_path / "none.txt", "--tsv", tsv), "no test ids"),
                       ((tmp_path / "c.txt.gz", "--tsv", tsv), "c.txt.gz: Not a gzipped"),
                       ((collect, "--tsv", tsv, "--jitter", "1.5"), "--jitter 1.5"),
                       ((collect, "--tsv", tsv, "--workers", "0"), "--workers 0"),
                       ((collect, "--tsv", collect), "not a timer row")):
        res = run_script("suite_balance.py", *args)
        assert res.returncode == 2 and "Traceback" not in res.stderr, res.stderr
        assert res.stderr.count("\n") == 1 and said in res.stderr


def test_top_lists_the_heaviest_collected_tests_with_later_overrides_winning(
        load_benchmark, tmp_path: Path) -> None:
    collect, tsv = _files(tmp_path)
    (tmp_path / "o1.tsv").write_text("tests/a.py::t1\t0\t9\t0\t1\ntests/x.py::t0\t0\t99\t0\t1\n")
    (tmp_path / "o2.tsv").write_text("tests/a.py::t1\t0\t2\t0\t1\n")
    res = run_script("suite_balance.py", collect, "--tsv", tsv, "--override",
                     tmp_path / "o1.tsv", tmp_path / "o2.tsv", "--top", "2")
    assert res.returncode == 0, res.stderr
    # c.py's 6 s first, then a.py::t1 at o2's 2 s (not o1's 9); x.py was not collected
    assert load_benchmark("suite_balance").top_tests(["tests/c.py::t0"], {}, 3) == []
    assert json.loads(res.stdout)["top_tests"] == [["tests/c.py::t0", 6.0],
                                                   ["tests/a.py::t1", 2.0]]
    res = run_script("suite_balance.py", collect, "--tsv", tsv, "--top", "-1")
    assert res.returncode == 2 and res.stderr.count("\n") == 1 and "--top -1" in res.stderr
