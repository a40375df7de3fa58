"""``benchmarks/suite_times.py`` sums the per-test TSV its plugin writes, per file and per test."""

from __future__ import annotations

from pathlib import Path


def test_summary_ranks_files_and_tests_by_cpu(load_benchmark, tmp_path: Path) -> None:
    times = load_benchmark("suite_times")
    tsv = tmp_path / "t.tsv"
    tsv.write_text(
        "tests/a.py::x\t4.00\t1.00\t0.50\t9.0\n"  # node, wall, own CPU, children CPU, load
        "tests/a.py::y\t1.00\t0.25\t0.00\t9.0\n"
        "tests/b.py::z\t2.00\t2.00\t0.00\t9.0\n"
    )
    rows = times.read_tsv(tsv)
    assert rows[0] == ("tests/a.py::x", 4.0, 1.5)  # CPU: this process's and its children's
    got = times.summary(rows, top=2)
    assert got["tests_timed"] == 3 and got["cpu_in_tests_s"] == 3.8
    assert [f["file"] for f in got["files"]] == ["tests/b.py", "tests/a.py"]
    assert got["files"][1] == {"file": "tests/a.py", "cpu_s": 1.8, "wall_s": 5.0, "tests": 2}
    assert [t["test"] for t in got["tests"]] == ["tests/b.py::z", "tests/a.py::x"]


def test_a_missing_table_is_one_error_line(load_benchmark, tmp_path: Path, capsys, monkeypatch):
    import pytest

    times = load_benchmark("suite_times")
    monkeypatch.setattr("sys.argv", ["suite_times.py", "--table", str(tmp_path / "none.tsv")])
    with pytest.raises(SystemExit) as exc:
        times.main()
    assert exc.value.code == 2
    missing = tmp_path / "none.tsv"
    assert capsys.readouterr().err.strip() == f"error: --table {missing}: no such file"
