"""``benchmarks/suite_where.py``: a durations log summed per file and phase, each test read
from its source as benchmark machinery or product, and the slow-marked ones set apart."""

from __future__ import annotations

import gzip
from pathlib import Path

from script_run import run_script

LOG = """\
============================== slowest durations ===============================
4.00s call     tests/t/test_a.py::test_runs_a_script
2.00s setup    tests/t/test_a.py::test_product[x]
1.00s call     tests/t/test_a.py::test_product[x]
0.50s call     tests/t/test_a.py::test_through_a_helper
3.00s call     tests/t/test_a.py::test_slow_one
0.30s call     tests/t/test_a.py::test_conftest_fixture
1.50s call     tests/t/test_a.py::test_cases[fast]
2.50s call     tests/t/test_a.py::test_cases[big]
"""

TEST = '''
import pytest
from script_run import run_script
from trojanscope import registry

def _helper():
    return run_script("x.py")

def test_runs_a_script():
    run_script("x.py")

@pytest.mark.parametrize("p", ["x"])
def test_product(p):
    registry.create("mitigation", "gated")

def test_through_a_helper():
    _helper()

@pytest.mark.slow
def test_slow_one():
    pass

def test_conftest_fixture(bench_rows):
    pass

@pytest.mark.parametrize("c", ["fast", pytest.param("big", marks=pytest.mark.slow)])
def test_cases(c):
    pass
'''

CONFTEST = '''
import pytest
from pathlib import Path

@pytest.fixture
def bench_rows():
    return Path("benchmarks") / "data"
'''


def _tree(tmp_path: Path) -> Path:
    (tmp_path / "tests" / "t").mkdir(parents=True)
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "benchmarks" / "x.py").write_text("")
    (tmp_path / "tests" / "t" / "test_a.py").write_text(TEST)
    (tmp_path / "tests" / "conftest.py").write_text(CONFTEST)
    (tmp_path / "d.log").write_text(LOG)
    return tmp_path


def test_groups_phases_and_the_slow_marks(load_benchmark, tmp_path: Path) -> None:
    where = load_benchmark("suite_where")
    root = _tree(tmp_path)
    tests = where.classify(where.read_durations(root / "d.log"), root)
    bench = {n.split("::")[1] for n, t in tests.items() if t["benchmark"]}
    assert bench == {"test_runs_a_script", "test_through_a_helper", "test_conftest_fixture"}
    got = where.summarise(tests, minimum=0.4)
    assert got["phases"] == {"call": 12.8, "setup": 2.0, "teardown": 0.0}
    assert got["groups"] == {"benchmark": 4.8, "product": 10.0}
    assert got["default_suite_worker_s_now"] == 9.3  # 14.8 less the slow-marked 3.0 and 2.5
    assert got["marked_slow_now"]["list"] == [["tests/t/test_a.py::test_slow_one", 3.0],
                                              ["tests/t/test_a.py::test_cases[big]", 2.5]]
    assert [t[0].split("::")[1] for t in got["benchmark_tests_over_min"]] == [
        "test_runs_a_script", "test_through_a_helper"]


def test_a_missing_or_empty_log_is_one_error_line(tmp_path: Path) -> None:
    (tmp_path / "empty.log").write_text("no durations here\n")
    for log, said in ((tmp_path / "none.log", "no such file"), (tmp_path / "empty.log",
                                                                "no durations")):
        res = run_script("suite_where.py", log)
        assert res.returncode == 2 and res.stderr.count("\n") == 1 and said in res.stderr


def test_the_timer_tsv_reads_as_cpu_per_test(load_benchmark, tmp_path: Path) -> None:
    where = load_benchmark("suite_where")
    root = _tree(tmp_path)
    tsv = root / "p.tsv"  # node, wall, own CPU, children's CPU, load
    tsv.write_text("tests/t/test_a.py::test_runs_a_script\t9.0\t1.5\t0.5\t8.0\n"
                   "tests/t/test_a.py::test_product[x]\t4.0\t1.0\t0.0\t8.0\n")
    rows = where.read_timer_tsvs([tsv])
    assert rows == [(2.0, "call", "tests/t/test_a.py::test_runs_a_script"),
                    (1.0, "call", "tests/t/test_a.py::test_product[x]")]
    packed = root / "p.tsv.gz"
    packed.write_bytes(gzip.compress(tsv.read_bytes()))
    assert where.read_timer_tsvs([packed]) == rows  # a stored .tsv.gz is read as it is
    assert where.summarise(where.classify(rows, root), 0.5)["groups"] == {
        "benchmark": 2.0, "product": 1.0}
    res = run_script("suite_where.py", root / "d.log", "--tsv", tsv)
    assert res.returncode == 2 and res.stderr.strip() == (
        "error: give a durations log or --tsv, not both")


def test_cases_built_elsewhere_are_read_from_the_slow_ids(load_benchmark, tmp_path: Path) -> None:
    """A case list made outside the decorator is not read from the source: ``--slow-ids``
    (``pytest --collect-only -q -m slow``) names it."""
    where = load_benchmark("suite_where")
    root = _tree(tmp_path)
    rows = where.read_durations(root / "d.log")
    plain = where.classify(rows, root)
    named = where.classify(rows, root, {"tests/t/test_a.py::test_product[x]"})
    assert not plain["tests/t/test_a.py::test_product[x]"]["slow"]
    assert named["tests/t/test_a.py::test_product[x]"]["slow"]
    assert where.summarise(named, 0.4)["default_suite_worker_s_now"] == 6.3


def test_a_malformed_or_unpacked_tsv_is_one_error_line(tmp_path: Path) -> None:
    """Stop 60 review: a short row, a CPU that is not a number or a ``.gz`` that is not gzip
    printed a traceback."""
    (tmp_path / "short.tsv").write_text("tests/t.py::test_a\t1.0\t2.0\n")
    (tmp_path / "word.tsv").write_text("tests/t.py::test_a\t1.0\tmany\t0\t8\n")
    (tmp_path / "p.tsv.gz").write_text("not gzip")
    for name, said in (("short.tsv", "short.tsv:1: not a timer row"),
                       ("word.tsv", "word.tsv:1: not a timer row"),
                       ("p.tsv.gz", "p.tsv.gz: Not a gzipped")):
        res = run_script("suite_where.py", "--tsv", tmp_path / name)
        assert res.returncode == 2 and "Traceback" not in res.stderr
        assert res.stderr.count("\n") == 1 and said in res.stderr
