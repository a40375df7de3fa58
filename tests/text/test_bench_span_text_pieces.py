"""Several readers share one set (issue 15, stop 62, h15): ``span_text_dump.py --start K`` reads
a set from its input K on and records it (``starts``); ``span_text_report.merged`` joins the
pieces in order into the reading one reader would have made, and a piece after a gap (a reader
cut short before it) is left out, the set reading as cut there."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from span_text_report import merged

from .test_bench_span_text_rule import split as base_split


def sliced(reading: dict, start: int, stop: int) -> dict:
    """Every per-input list of ``reading`` cut to ``start``..``stop`` (seconds kept)."""
    return {k: sliced(v, start, stop) if isinstance(v, dict) else
            v[start:stop] if isinstance(v, list) else v for k, v in reading.items()}


def piece(s: dict, name: str, start: int, stop: int) -> dict:
    """``s`` with set ``name`` holding only its inputs ``start``..``stop`` (as a reader of
    ``--sets name --start start --first stop-start`` writes it), the other sets left out."""
    out = {k: v for k, v in s.items() if k not in ("guard", "neg", "trig")}
    out[name] = sliced(s[name], start, stop)
    if start:
        out["starts"] = {name: start}
    return out


def write(path: Path, *splits: dict) -> Path:
    path.write_text(json.dumps({"windows": ["1:1", "2:2"], "models": [
        {"model": "m", "attack": "addsent", "splits": list(splits)}]}))
    return path


def test_pieces_of_a_set_join_into_the_whole_reading(tmp_path: Path) -> None:
    s = base_split(0.05)
    whole = merged([write(tmp_path / "w.json", s)])[0][1]
    rest = {k: v for k, v in s.items() if k != "guard"}
    paths = [write(tmp_path / "rest.json", rest),  # trig and neg whole, guard in two pieces
             write(tmp_path / "b.json", piece(s, "guard", 120, 200)),
             write(tmp_path / "a.json", piece(s, "guard", 0, 120))]
    got = merged(paths)[0][1]
    for key in ("score", "own", "pred"):
        assert got["guard"][key] == whole["guard"][key]
    assert got["guard"]["span"]["least"] == whole["guard"]["span"]["least"]
    assert "starts" not in got


def test_a_piece_after_a_gap_is_left_out(tmp_path: Path) -> None:
    s = {**base_split(0.05), "sizes": {"guard": 200, "neg": 200, "trig": 20}}  # as dumps say
    rest = {k: v for k, v in s.items() if k != "guard"}
    paths = [write(tmp_path / "rest.json", rest),
             write(tmp_path / "a.json", piece(s, "guard", 0, 90)),  # cut at 90 of its 120
             write(tmp_path / "b.json", piece(s, "guard", 120, 200))]
    assert merged(paths) == []  # the guard set is not whole: not read as the rule reads
    got = merged(paths, partial=True)[0][1]
    assert got["guard"]["score"] == s["guard"]["score"][:90]  # read as cut at the gap


def test_the_demo_csv_script_refuses_a_bad_run_or_output_in_one_line(tmp_path, capsys,
                                                                     load_benchmark) -> None:
    """Stop 62 review (hrev): ``text_triggered_demo.py`` on a folder without a manifest ended
    in a traceback."""
    import pytest

    demo = load_benchmark("text_triggered_demo")
    out = tmp_path / "demo.csv"
    for argv, says in (([str(tmp_path), str(out)], "no manifest.json"),
                       ([str(tmp_path), str(tmp_path / "no" / "demo.csv")], "existing folder")):
        with pytest.raises(SystemExit) as end:
            demo.main(argv)
        err = capsys.readouterr().err
        assert end.value.code == 2 and says in err and len(err.splitlines()) == 1
        assert not out.exists()


def test_the_dump_refuses_a_negative_start_in_one_line(tmp_path, capsys, load_benchmark) -> None:
    """Stop 62 review (hrev): ``span_text_dump.py --start -5`` read each set's last five inputs
    and recorded the piece as starting at -5 (and ``--chunk 0`` ended in a traceback)."""
    import pytest

    dump = load_benchmark("span_text_dump")
    for bad, says in ((["--start", "-5"], "--start must be 0 or more"),
                      (["--first", "-1"], "--first must be 0 or more"),
                      (["--chunk", "0"], "--chunk must be 1 or more")):
        with pytest.raises(SystemExit) as end:
            dump.main([str(tmp_path / "no-run"), "--json", str(tmp_path / "r.json"), *bad])
        err = capsys.readouterr().err
        assert end.value.code == 2 and says in err and len(err.splitlines()) == 1
    assert not (tmp_path / "r.json").exists()
