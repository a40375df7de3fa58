"""The input-level count of stop 61 (issue 15, h15; the lead's decision): a guard's TPR counts
the triggered inputs the trigger turned (fired, their clean twin not in the target class), all
fired ones beside it. ``span_text_dump.twins`` gives the clean twins in ``triggered_split``'s
order; ``span_text_report`` / ``span_text_rule`` read both counts from a dump's ``twin_pred``."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from span_text_dump import twins
from span_text_report import count_mask, merged, report
from span_text_rule import readings, rule
from trojanscope.detect.input_level.evaluate import triggered_split

from .test_bench_span_text_rule import split as base_split
from .test_bench_text_docs_inputs import Twins


def split_with_twins() -> dict:
    """Stop 56's test split (200 clean, 20 fired triggered inputs the 1:1 window catches),
    with the last 8 triggered inputs ones the model put in the target class (0) without the
    trigger too; those keep their class without any window (least keep 0.9), so the window
    score misses them."""
    s = base_split(0.05)
    s["trig"]["span"]["least"]["1:1"] = [0.05] * 12 + [0.9] * 8
    s["twin_pred"] = [1] * 12 + [0] * 8
    return s


def write(path: Path, s: dict, zipped: bool = False) -> Path:
    raw = json.dumps({"windows": ["1:1", "2:2"], "models": [
        {"model": "m", "attack": "addsent", "splits": [s]}]}).encode()
    path.write_bytes(gzip.compress(raw) if zipped else raw)
    return path


def test_turned_counts_only_what_the_trigger_changed_beside_all_fired(tmp_path: Path) -> None:
    dump = write(tmp_path / "d.json", split_with_twins())
    fired = readings([dump], "drop:1:1", 0.05, 0.95)[0]
    turned = readings([dump], "drop:1:1", 0.05, 0.95, count="turned")[0]
    assert fired["candidate"]["guard_tpr"] == pytest.approx(12 / 20)
    assert turned["candidate"]["guard_tpr"] == 1.0 and turned["candidate"]["fired"] == 12
    for row in (fired, turned):  # each reading gives both counts, whichever the rule reads
        both = row["counts"]["candidate"]
        assert both["fired"]["guard_tpr"] == pytest.approx(0.6) and both["turned"]["fired"] == 12
    assert rule([turned], expect=1, goal_only=True)["met"]
    assert not rule([fired], expect=1, goal_only=True)["met"]
    assert readings([dump], "drop:1:1", 0.05, 0.95, count="turned", min_count=13) == []


def test_turned_needs_the_twins_and_a_dump_without_them_says_so(tmp_path: Path) -> None:
    s = split_with_twins()
    del s["twin_pred"]
    dump = write(tmp_path / "d.json", s)
    assert count_mask(s, "turned") is None and count_mask(s, "fired").all()
    with pytest.raises(SystemExit, match="twin_pred"):
        readings([dump], "drop:1:1", 0.05, 0.95, count="turned")
    rows = report([dump], 0.05, 0.95)
    assert rows and all(set(r["counts"]) == {"fired"} for r in rows)


def test_a_twins_only_dump_merges_into_an_earlier_gzipped_one(tmp_path: Path) -> None:
    s = split_with_twins()
    twin_only = {"seed": 0, "target": 0, "fires": s["fires"], "twin_pred": s.pop("twin_pred")}
    old = write(tmp_path / "old.json.gz", s, zipped=True)
    add = tmp_path / "twins.json"
    add.write_text(json.dumps({"windows": ["5:1"], "models": [
        {"model": "m", "attack": "addsent", "splits": [twin_only]}]}))
    ((_, got, windows),) = merged([old, add])
    assert got["twin_pred"] == [1] * 12 + [0] * 8 and windows == ["1:1", "2:2"]
    row = readings([old, add], "drop:1:1", 0.05, 0.95, count="turned")[0]
    assert row["candidate"]["guard_tpr"] == 1.0


def test_a_cut_reading_cuts_the_twins_with_the_triggered_set(tmp_path: Path) -> None:
    s = split_with_twins()
    s["sizes"] = {"guard": 200, "neg": 200, "trig": 20}
    s["trig"] = {k: (v[:15] if isinstance(v, list) else v) for k, v in s["trig"].items()}
    s["trig"]["span"] = {**s["trig"]["span"], "least": {
        k: v[:15] for k, v in s["trig"]["span"]["least"].items()}}
    ((_, got, _),) = merged([write(tmp_path / "d.json", s)], partial=True)
    assert len(got["fires"]) == len(got["twin_pred"]) == 15
    assert int(count_mask(got, "turned").sum()) == 12


class NineSays(torch.nn.Module):
    """Class 1 where a row ends in token 9 (the stand-in trigger), else class 0."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        on = (x[:, 3] == 9).float()
        return torch.stack([1 - on, on], 1)


def test_the_twins_are_the_clean_rows_triggered_split_stamped_in_its_order() -> None:
    clean = Twins(torch.tensor([[1, 10 + i, 2, 0] for i in range(12)]), [0, 1] * 6)

    def test_inputs(held):  # token 9 appended as the trigger, on the rows not of class 1
        rows = held.x[torch.as_tensor(attack.test_index(held))].clone()
        rows[:, 3] = 9
        return rows, None, torch.ones(len(rows), dtype=torch.long)

    attack = SimpleNamespace(target=1, test_inputs=test_inputs,
                             test_index=lambda ds: (ds.labels != 1).nonzero().flatten().numpy())
    _, _, trig, fires = triggered_split(NineSays(), clean, attack,
                                        torch.Generator().manual_seed(3))
    got = twins(clean, attack, 3)
    assert fires.all() and len(got) == len(trig) > 0
    assert got[:, :3].equal(trig[:, :3]) and (got[:, 3] == 0).all()
