"""Stop 78's record reader (hmit): the row of the README's BadNets run left at ASR 61.54% on
seed 276's images, and the CA guard's grain read from today's defaults, not typed in."""

from __future__ import annotations

from pathlib import Path

import mitigate_residue_s78_hmit as reader

DATA = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "mitigate_s78_hmit"


def test_the_seed_276_row_and_the_guard_grain(capsys):
    reader.main([str(DATA / "record_hcmd78.json"), str(DATA / "holdout25.json")])
    rows = capsys.readouterr().out.splitlines()
    assert len(rows) == 4
    assert "**61.54%**" in rows[2] and "3 (stopped by the CA guard)" in rows[2]
    assert "25 images, 125 readings, 0.80 points each, budget 1.9 readings" in rows[2]
    assert "38 images, 190 readings" in rows[3] and "**0.00%**" in rows[3]
