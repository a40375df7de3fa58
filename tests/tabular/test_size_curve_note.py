"""How many clean rows a tabular verdict needs (issue 16 stop 46): a clean file of fewer rows
than the measured figures need (891) gets one note, in the 150-300-row band too, naming the
rows given, the rows needed and the figures measured near the given size — quoted from the
shipped curve, which is what ``benchmarks/tabular_size_curve.py`` writes from the committed
rows; a larger file gets no note, and no probability changes."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest
import torch

from trojanscope.detect import tabular_file_size
from trojanscope.detect.tabular_file_size import MIN_CALIBRATED_ROWS, size_curve, size_note

torch.set_num_threads(1)
ROOT = Path(__file__).resolve().parents[2]


def write_transactions(path: Path, n: int, seed: int) -> Path:
    """conftest's fraud-style CSV writer (loaded by path: tests are not a package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("tabular_conftest",
                                                  Path(__file__).with_name("conftest.py"))
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.write_transactions(path, n=n, seed=seed)
DATA = ROOT / "benchmarks" / "data" / "tabular_s46"
SIZE = "the clean file holds"


def _curve_at(size: int | str) -> dict:
    return next(s for s in size_curve()["sizes"] if s["size"] == size)


def test_the_note_names_both_numbers_and_the_measured_figures() -> None:
    note = size_note(200, MIN_CALIBRATED_ROWS)
    assert note is not None and note.startswith(f"{SIZE} 200 rows, fewer than 891")
    assert "need at least 891 clean rows" in note
    at = _curve_at(200)
    assert (f"with 200-row files: ROC-AUC {at['roc_auc']:.3f}, cross-entropy "
            f"{at['cross_entropy']:.3f} (") in note
    whole = _curve_at("whole")
    assert f"ROC-AUC {whole['roc_auc']:.3f}, cross-entropy {whole['cross_entropy']:.3f}" in note
    assert size_curve()["source"] in note
    assert size_note(891, 891) is None and size_note(5000, 891) is None
    assert size_note(10, 0) is None  # 0: never a note


def test_the_200_row_note_quotes_the_clean_rate_measured_since() -> None:
    """At 200 rows the note quotes stop 72 h16's clean readings flagged by table (nine fresh
    pairs), not stop 46's one pair (10 of 48), naming where they come from (stop 72, hfix);
    a size the rate file does not hold keeps the curve's counts."""
    rate = tabular_file_size.clean_rate()
    note = size_note(200, 891) or ""
    cd, lc = rate["tables"]["credit-default"], rate["tables"]["lending-club"]
    assert (f"clean readings flagged with 200-row files: credit-default {cd['clean_flagged']} "
            f"of {cd['clean']} ({cd['clean_flagged'] / cd['clean']:.0%}), lending-club "
            f"{lc['clean_flagged']} of {lc['clean']}") in note
    assert "issue 16 stop 72 h16" in note and rate["source"] in note
    at = _curve_at(200)
    assert f"{at['clean_flagged']} of {at['clean']} clean models flagged" not in note
    far, whole = _curve_at(500), _curve_at("whole")
    # a drawn size's counts are readings (each model on two drawn files), the whole splits'
    # are models (stop 74's review: both read "clean models")
    assert (f"{far['clean_flagged']} of {far['clean']} clean readings flagged, {far['caught']} "
            f"of {far['backdoored']} backdoored readings caught") in (size_note(100, 891) or "")
    assert (f"{whole['clean_flagged']} of {whole['clean']} clean models flagged, "
            f"{whole['caught']} of {whole['backdoored']} backdoors caught") in (
        size_note(100, 891) or "")


def test_the_shipped_clean_rate_is_what_the_committed_summaries_give(monkeypatch) -> None:
    """No figure typed by hand: ``benchmarks/tabular_clean_rate.py`` rebuilds the shipped
    rate file from h16's committed pooled summaries."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("tabular_clean_rate",
                                                  ROOT / "benchmarks/tabular_clean_rate.py")
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.rate(script.SUMMARIES) == tabular_file_size.clean_rate()


def _drawn(band: str | None) -> list[int]:
    """The shipped curve's drawn sizes below 891 rows scored by ``band``'s calibrators."""
    return sorted(int(s["size"]) for s in size_curve()["sizes"]
                  if s["size"] != "whole" and int(s["size"]) < 891 and len(s["tables"]) > 1
                  and tabular_file_size.size_band(int(s["size"])) == band)


def test_the_nearest_measured_size_is_quoted_and_said_to_be_nearest() -> None:
    banded, whole = _drawn("rows200"), _drawn(None)
    assert banded and whole, "the shipped curve holds no drawn size below 891 rows"
    nearest = "the measured size nearest {} scored by the same calibrators as this file"
    assert f"with {banded[0]}-row files ({nearest.format(150)}, the smallest so measured)" in (
        size_note(150, 891) or "")
    assert f"with {whole[-1]}-row files ({nearest.format(880)})" in (size_note(880, 891) or "")
    assert "smallest" not in (size_note(whole[0] + 1, 891) or "")  # said only below it


@pytest.mark.parametrize(("rows", "size_calibration"), [(100, True), (149, True), (301, True),
                                                        (200, False), (300, False)])
def test_band_figures_are_never_quoted_for_a_file_the_band_does_not_score(
        rows: int, size_calibration: bool) -> None:
    """The 200-row figures were read with the 150-300-row band's calibrators (review of
    stop 46): a file they do not score quotes a size read with the whole-split ones."""
    banded = _drawn("rows200")
    note = size_note(rows, 891, size_calibration) or ""
    assert note.startswith(f"{SIZE} {rows} rows, fewer than 891")
    assert not any(f"with {b}-row files" in note for b in banded)
    assert f"with {_drawn(None)[0]}-row files (the measured size nearest {rows} " in note
    in_band = size_note(rows, 891, True) if 150 <= rows <= 300 else None
    assert in_band is None or f"with {banded[0]}-row files" in in_band


def test_one_row_is_one_row() -> None:
    assert (size_note(1, 891) or "").startswith(f"{SIZE} 1 row, fewer than 891")


def test_a_calibration_file_without_the_bands_calibrator_gives_one_size_note() -> None:
    """The detector's note quotes the band's figures; without the band's calibrator the
    whole-split one scores the file and the band note replaces it (review of stop 46)."""
    from trojanscope.detect.base import ModelVerdict
    from trojanscope.detect.calibration import calibrate, fit_calibrator

    feats = ["tab_excess", "tab_excess_gap"]
    rows = [{"tab_excess": 0.1 * i, "tab_excess_gap": 0.05 * i} for i in range(10)]
    whole = fit_calibrator("tabular-search:network", rows, [0] * 5 + [1] * 5, feats,
                           transform="none")
    note = size_note(200, 891)
    assert note is not None
    for cals in ({"tabular-search:network": whole}, {}):  # the family's, or none at all
        v = ModelVerdict("tabular-search", 0.5, [1, 0], [], {"tab_excess": 0.8,
                                                             "tab_excess_gap": 0.4},
                         detector_notes=[note])
        v.family = "network:rows200"
        sized = [n for n in calibrate(v, cals).coverage_notes if n.startswith(SIZE)]
        assert len(sized) == 1 and sized[0].startswith(f"{SIZE} 150-300 rows: no calibrator")
        again = [n for n in calibrate(v, cals).coverage_notes if n.startswith(SIZE)]
        assert again == sized  # calibrating twice says it once


def test_without_a_curve_the_note_still_names_the_rows(monkeypatch) -> None:
    monkeypatch.setattr(tabular_file_size, "_CURVE", {})
    note = size_note(200, 891) or ""
    assert note.startswith(f"{SIZE} 200 rows, fewer than 891: the measured figures need at "
                           "least 891 clean rows;")


def test_the_shipped_curve_is_what_the_committed_rows_give(monkeypatch) -> None:
    """No figure in the note is typed by hand: the script's ``curve`` (what its ``--check``
    compares) rebuilds the shipped file from the committed rows; run in this process, where
    torch is already imported (a subprocess spent ~9 s importing it; review of stop 46)."""
    import importlib.util

    shipped = json.loads((ROOT / "src/trojanscope/detect/tabular_size_curve.json").read_text())
    rows = sorted(str(p) for p in DATA.glob("fresh_*.json"))
    assert rows
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))  # its neighbour tabular_small_clean
    spec = importlib.util.spec_from_file_location("tabular_size_curve",
                                                  ROOT / "benchmarks/tabular_size_curve.py")
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.curve(rows, ["lending-club", "credit-default"], shipped["source"]) == shipped


def _cli(*args: str) -> tuple[int, str]:
    from trojanscope.cli.main import run

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(list(args))
    assert "Traceback" not in err.getvalue(), err.getvalue()
    return code, out.getvalue()


@pytest.fixture(scope="module")
def model_and_files(tmp_path_factory) -> tuple[Path, Path, Path]:
    """A small XGBoost backdoor on a user's fraud CSV, a 200-row and a 1,000-row clean file."""
    pytest.importorskip("xgboost")
    tmp = tmp_path_factory.mktemp("size")
    train = write_transactions(tmp / "transactions.csv", n=600, seed=0)
    run_dir = tmp / "run"
    code, _ = _cli("attack", "--dataset", str(train), "--label-column", "is_fraud", "--arch",
                   "xgboost", "--arch-param", "n_estimators=20", "--arch-param", "max_depth=3",
                   "--attack", "tabular-badnets", "--poison-rate", "0.3", "--out", str(run_dir))
    assert code == 0
    return (run_dir, write_transactions(tmp / "clean200.csv", n=200, seed=5),
            write_transactions(tmp / "clean1000.csv", n=1000, seed=6))


def _detect(run_dir: Path, csv: Path, *extra: str) -> dict:
    _, out = _cli("detect", str(run_dir), "--data", str(csv), "--label-column", "is_fraud",
                  "--format", "json", *extra)
    return json.loads(out)


def test_a_200_row_file_gets_one_note_and_a_large_one_none(model_and_files) -> None:
    run_dir, small, large = model_and_files
    got = _detect(run_dir, small)
    notes = [n for n in got["coverage_notes"] if n.startswith(SIZE)]
    assert len(notes) == 1 and notes[0].startswith(f"{SIZE} 200 rows, fewer than 891")
    assert "need at least 891 clean rows" in notes[0]
    assert not any(n.startswith(SIZE) for n in _detect(run_dir, large)["coverage_notes"])


def test_the_note_changes_no_probability(model_and_files) -> None:
    run_dir, small, _ = model_and_files
    noted = _detect(run_dir, small, "--method", "tabular-search")
    plain = _detect(run_dir, small, "--method", "tabular-search", "-p", "calibrated_rows=0")
    assert not any(n.startswith(SIZE) for n in plain["coverage_notes"])
    assert any(n.startswith(SIZE) for n in noted["coverage_notes"])
    assert noted["probability"] == plain["probability"]
    assert noted["features"] == plain["features"]
    assert noted["ranking"] == plain["ranking"]


def test_the_text_verdict_and_the_audit_report_say_it(model_and_files, tmp_path: Path) -> None:
    run_dir, small, _ = model_and_files
    _, text = _cli("detect", str(run_dir), "--data", str(small), "--label-column", "is_fraud")
    flat = " ".join(text.split())
    assert f"{SIZE} 200 rows, fewer than 891" in flat
    report = tmp_path / "report"
    _, console = _cli("audit", str(run_dir), "--data", str(small), "--label-column",
                      "is_fraud", "--report", str(report), "--no-history")
    result = json.loads((report / "audit.json").read_text())
    # this backdoor is flagged: the rating quotes no coverage note, so before stop 46 the
    # reports never said how many rows the verdict was read with
    assert result["detection"]["probability"] >= 0.5
    assert not any(SIZE in r for r in result["rating"]["reasons"])
    for shown in ((report / "report.html").read_text(), (report / "audit.md").read_text(),
                  " ".join(console.split())):
        assert shown.count(f"{SIZE} 200 rows, fewer than 891") == 1
