"""``bench``: the grid's cells as tasks, stored as they finish (resumable), the leaderboard in
CSV/JSON/HTML with BackdoorBench's DER; the page checked in headless Chromium."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from trojanscope.bench.leaderboard import aggregate, der
from trojanscope.cli.main import run

GRID = ["bench", "--attacks", "badnets", "--defences", "none,clp", "--seeds", "2",
        "--dataset", "synthetic", "--train-size", "200", "--epochs", "3"]


def test_der_is_backdoorbench_definition() -> None:
    assert der(ca=0.9, asr=0.1, ca_none=0.92, asr_none=0.95) == pytest.approx(0.915)
    assert der(ca=0.92, asr=0.95, ca_none=0.92, asr_none=0.95) == 0.5  # changes nothing
    assert der(ca=0.95, asr=0.99, ca_none=0.92, asr_none=0.95) == 0.5  # gains are clipped
    assert der(ca=0.5, asr=0.95, ca_none=0.92, asr_none=0.95) == pytest.approx(0.29)


def test_aggregate_means_and_stds() -> None:
    cells = [{"attack": "a", "defence": d, "kind": k, "seed": s, "ca": ca, "asr": asr,
              "ra": 1 - asr, "elapsed_s": 2.0}
             for d, k, s, ca, asr in [("none", "none", 0, 0.9, 1.0), ("none", "none", 1, 0.8, 0.8),
                                      ("ft", "mitigation", 0, 0.9, 0.0),
                                      ("ft", "mitigation", 1, 0.7, 0.8)]]
    rows = {r["defence"]: r for r in aggregate(cells)}
    assert rows["none"]["ca"]["mean"] == pytest.approx(0.85)
    assert rows["none"]["ca"]["std"] == pytest.approx(0.0707, abs=1e-4)
    assert rows["none"]["der"]["mean"] is None
    # seed 0: (1.0 - 0 + 1)/2 = 1.0; seed 1: (0 - 0.1 + 1)/2 = 0.45
    assert rows["ft"]["der"]["mean"] == pytest.approx(0.725)
    assert rows["ft"]["seeds"] == [0, 1] and rows["ft"]["time_s"] == 2.0


@pytest.fixture(scope="module")
def bench_out(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bench") / "out"
    assert run([*GRID, "--executor", "serial", "--out", str(out)]) == 0
    return out


def test_grid_writes_cells_and_leaderboard(bench_out: Path, capsys) -> None:
    cells = sorted(p.name for p in (bench_out / "cells").glob("*.json"))
    assert cells == [f"badnets__{d}__seed{s}.json" for d in ("clp", "none") for s in (0, 1)]
    rows = list(csv.DictReader((bench_out / "leaderboard.csv").open()))
    assert [(r["attack"], r["defence"], r["seeds"]) for r in rows] == [
        ("badnets", "none", "2"), ("badnets", "clp", "2")]
    doc = json.loads((bench_out / "leaderboard.json").read_text())
    clp = next(r for r in doc["rows"] if r["defence"] == "clp")
    raw = [json.loads((bench_out / "cells" / f"badnets__{d}__seed{s}.json").read_text())
           for d in ("none", "clp") for s in (0, 1)]
    expected = [der(c["ca"], c["asr"], n["ca"], n["asr"]) for n, c in zip(raw[:2], raw[2:],
                                                                          strict=True)]
    assert clp["der"]["mean"] == pytest.approx(sum(expected) / 2)
    assert 0.0 <= clp["ca"]["mean"] <= 1.0 and clp["time_s"] > 0


def test_resume_runs_only_missing_cells(bench_out: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "copy"
    shutil.copytree(bench_out, out)
    (out / "cells" / "badnets__clp__seed1.json").unlink()
    kept = (out / "cells" / "badnets__none__seed0.json").read_text()
    capsys.readouterr()
    assert run([*GRID, "--executor", "serial", "--out", str(out), "--resume"]) == 0
    err = capsys.readouterr().err
    assert "badnets__clp__seed1" in err and "badnets__none__seed0" not in err
    assert (out / "cells" / "badnets__none__seed0.json").read_text() == kept
    again = json.loads((out / "cells" / "badnets__clp__seed1.json").read_text())
    first = json.loads((bench_out / "cells" / "badnets__clp__seed1.json").read_text())
    assert {k: again[k] for k in ("ca", "asr", "ra")} == {k: first[k] for k in ("ca", "asr", "ra")}
    # a smaller grid over the same folder: its leaderboard holds only its own cells
    grid = [a if a != "none,clp" else "none" for a in GRID]
    assert run([*grid, "--executor", "serial", "--out", str(out), "--resume"]) == 0
    rows = list(csv.DictReader((out / "leaderboard.csv").open()))
    assert [(r["defence"], r["seeds"]) for r in rows] == [("none", "2")]
    # --leaderboard-only runs nothing: with one cell gone, clp has one seed left
    (out / "cells" / "badnets__clp__seed0.json").unlink()
    capsys.readouterr()
    assert run([*GRID, "--out", str(out), "--leaderboard-only"]) == 0
    assert "seed0" not in capsys.readouterr().err
    assert not (out / "cells" / "badnets__clp__seed0.json").exists()
    rows = list(csv.DictReader((out / "leaderboard.csv").open()))
    assert [(r["defence"], r["seeds"]) for r in rows] == [("none", "2"), ("clp", "1")]


@pytest.mark.parametrize(("args", "message"), [
    (["--attacks", "nope"], "unknown attack 'nope'"),
    (["--defences", "none,nope"], "unknown defence 'nope'"),
    (["--seeds", "0"], "--seeds"),
])
def test_bad_grid_is_one_error_line(args, message, tmp_path, capsys) -> None:
    out = tmp_path / "out"
    assert run([*GRID, *args, "--executor", "serial", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("error:") == 1 and message in err and not out.exists()


def test_non_empty_out_needs_resume_or_force(bench_out: Path, capsys) -> None:
    assert run([*GRID, "--executor", "serial", "--out", str(bench_out)]) == 2
    assert "--force" in capsys.readouterr().err


@pytest.mark.parametrize("width", [1280, 420])
def test_leaderboard_in_a_browser(bench_out: Path, browser, width: int) -> None:
    from selenium.webdriver.common.by import By

    browser.set_window_size(width, 1600)
    browser.get((bench_out / "leaderboard.html").as_uri())
    assert "trojanscope bench" in browser.title
    table = browser.find_element(By.ID, "table")
    assert table.is_displayed() and table.size["height"] > 0
    rows = browser.find_elements(By.CSS_SELECTOR, "#table tbody tr")
    assert len(rows) == 2 and all(r.is_displayed() for r in rows)
    assert [c.text for c in rows[0].find_elements(By.TAG_NAME, "td")][:2] == ["badnets", "none"]
    assert "DER" in browser.find_element(By.CSS_SELECTOR, "#table thead").text
    for element_id in ("notes", "reproduce"):
        element = browser.find_element(By.ID, element_id)
        browser.execute_script("arguments[0].scrollIntoView();", element)
        assert element.is_displayed(), element_id
    # nothing is fetched: the page is one file
    assert not browser.find_elements(By.CSS_SELECTOR, "script, link[rel=stylesheet]")
