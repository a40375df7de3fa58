"""Forward passes of a span reading (issue 15, stop 57, h15): ``span_text_dump`` counts each
input's windows per spec (what the reading cost), and ``span_text_rule`` reports the mean passes
per input (its own pass and one per window) from them, or None for a dump without the count."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from span_text_dump import head, span_readings
from span_text_rule import span_passes

from .test_span_text import Trigger, rows


def test_the_dump_counts_the_windows_each_input_was_read_with() -> None:
    model = Trigger()
    x = rows(3, 0, length=10)
    x[2, 6:] = 0  # the third row: 5 words, [SEP] cut off by padding
    out = span_readings(model, x, ["1:1", "2:2"], max_spans=64)
    assert out["span"]["windows"]["1:1"] == [10, 10, 5]
    assert out["span"]["windows"]["2:2"] == [5, 5, 3]
    assert span_readings(model, x, ["1:1"], max_spans=4)["span"]["windows"]["1:1"] == [4, 4, 4]


def test_the_rule_reports_passes_per_input_from_the_counts() -> None:
    sets = {s: {"span": {"windows": {"2:2": [4, 6]}}} for s in ("guard", "neg", "trig")}
    assert span_passes(sets, "either:2:2", 6) == pytest.approx(1 + 30 / 6)
    assert span_passes(sets, "strip", 6) is None
    del sets["trig"]["span"]["windows"]
    assert span_passes(sets, "either:2:2", 6) is None


def test_first_reads_the_head_of_a_set_and_zero_reads_it_all() -> None:
    x = rows(5, 0)
    assert head(x, 2).equal(x[:2]) and head(x, 0).equal(x) and head(x, 9).equal(x)


def test_latency_reads_seconds_and_passes_per_input_of_each_part(tmp_path) -> None:
    import json

    from span_text_report import latency

    split = {"fit_seconds": 5.0,
             "guard": {"score": [0.1, 0.2], "strip_seconds": 3.0},
             "trig": {"own": [0.9] * 4, "span": {"least": {"2:2": [0.1] * 4}, "seconds": 2.0,
                                                 "windows": {"2:2": [3, 5, 4, 4]}}}}
    (tmp_path / "d.json").write_text(json.dumps({"windows": ["2:2"], "models": [
        {"model": "m", "splits": [split]}]}))
    rows = {r["set"]: r for r in latency([tmp_path / "d.json"])}
    assert set(rows) == {"guard", "trig"}
    assert rows["guard"]["strip_s"] == pytest.approx(1.5) and rows["guard"]["strip_n"] == 2
    assert rows["trig"]["span_s"] == pytest.approx(0.5) and rows["trig"]["span_passes"] == 5.0


def test_the_dumps_strip_part_is_the_mixture_score_alone_on_a_transformer() -> None:
    """Stop 60: since stop 59's transformer default the dump's strip reader pins ``occlude=0``
    (the guard before, what ``lost:W:S`` is simulated from), not the default's group ranks."""
    import torch

    from span_text_dump import strip_detector

    from .test_strip_text_transformer_default import Posed

    det = strip_detector()
    det.fit(Posed(), rows(40, 4), generator=torch.Generator().manual_seed(0))
    assert det.occ_[0] == 0 and det.resolved_params()["occlude"] == 0
