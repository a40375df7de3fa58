"""Stop 79 (issue 9, h9sig): the SIG terms ship (rule met on fresh outside 9223 and the fourth
maker's 9622, ``benchmarks/data/outside_s79_h9sig/``): the four entries are the candidate's, and
``auto`` records the probe by default where the scoring file holds them."""

from __future__ import annotations

import json
from pathlib import Path

from shipped_calibration import SIG_S79, shipped_before_s79_h9sig, shipped_before_s80_h9sig
from trojanscope.detect.auto import AutoDetector

HERE = Path(__file__).resolve().parents[2] / "benchmarks/data/outside_s79_h9sig"


def test_the_shipped_sig_entries_are_the_candidates() -> None:
    shipped = shipped_before_s80_h9sig()  # stop 80 added bars of two kinds (its own test)
    cand = json.loads((HERE / "cal_both.json").read_text())
    assert all(shipped[k] == cand[k] for k in SIG_S79)
    assert set(shipped) - set(shipped_before_s79_h9sig()) == set(SIG_S79)


def test_auto_records_the_probe_where_the_file_holds_a_sig_entry() -> None:
    assert AutoDetector().reads_sig()  # the shipped file holds them
    assert not AutoDetector(sig_probe=False).reads_sig()
    bare = AutoDetector()
    bare.calibrators = {}
    assert not bare.reads_sig() and AutoDetector(sig_probe=True).reads_sig()
