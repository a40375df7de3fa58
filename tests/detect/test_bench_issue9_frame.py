"""Issue 9, stop 37: the benchmark side of the frame probe and of 15 pixels on models without a
convolution (``raise_gap_draws.py --probe frame|pixels15``, ``raise_gap_aggregate.py
--keep-draws``, ``generalise_lofo.py``'s ``framefix:`` and ``aggpix15fix:`` terms)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def _rows() -> list[dict]:
    """A clean CNN and a clean MLP with draws of the shipped probes already attached."""
    return [
        {
            "zoo": "z",
            "name": n,
            "backdoored": False,
            "probability": 0.1,
            "traits": t,
            "gap_draws": {"empty": {str(s): 0.1 for s in range(5)}},
        }
        for n, t in (("cnn", ["layer:conv"]), ("mlp", ["activation:relu"]))
    ]


def test_kept_draws_gain_the_new_probes_draws(tmp_path: Path, monkeypatch, load_benchmark) -> None:
    """``read_draws(keep=True)`` keeps a row's own draws (seed keys as numbers) and adds the
    frame probe's, which no row carries of its own; without ``keep`` the probes' draws the rows
    do not carry are still read, but earlier draws are rebuilt from the row's features."""
    monkeypatch.syspath_prepend(str(BENCH))  # read_draws imports generalise_lofo
    agg = load_benchmark("raise_gap_aggregate")
    lines = tmp_path / "d.jsonl"
    lines.write_text(
        '{"zoo": "z", "name": "mlp", "probe": "frame", "seed": 0, "gap": 0.5}\n'
        '{"zoo": "z", "name": "mlp", "probe": "frame", "seed": 1, "gap": 0.7}\n'
    )
    rows = _rows()
    agg.read_draws(rows, [lines], [], keep=True)
    assert rows[1]["gap_draws"]["empty"] == {s: 0.1 for s in range(5)}
    assert rows[1]["gap_draws"]["frame"] == {0: 0.5, 1: 0.7}
    assert "frame" not in rows[0]["gap_draws"]


def test_the_frame_term_raises_only_models_without_a_convolution(
    monkeypatch, load_benchmark
) -> None:
    """``framefix:`` reads the single draw (``frame_share_gap``) with the frame start for a
    model without a convolution and never raises one with a convolution (start 1.0)."""
    lofo = load_benchmark("generalise_lofo")
    from trojanscope.detect.frame import FRAME_GAP_HINT

    rows = _rows()
    for row in rows:
        monkeypatch.setitem(lofo._FEATURES, ("z", row["name"]), {"frame_share_gap": 0.6})
    monkeypatch.setattr(lofo, "covered", lambda r, recipe=False: True)
    assert lofo.fixed_starts("framefix: ", rows).tolist() == [1.0, FRAME_GAP_HINT]
    p = lofo.predict(rows, rows, "framefix: as shipped")
    assert p[0] == pytest.approx(0.1)
    want = lofo.hinge(np.array([0.1]), np.array([0.6]), 60.0, FRAME_GAP_HINT)[0]
    assert p[1] == pytest.approx(want) and p[1] > 0.5


def test_the_frame_features_come_from_the_draw_a_seed_reads(monkeypatch, load_benchmark) -> None:
    """A row's ``frame_share_gap`` is its draw 0, or draw S under ``--test-draw S``; the
    15-pixel five-draw mean stands for the pixel gap of a model without a convolution only."""
    monkeypatch.syspath_prepend(str(BENCH))  # _features imports raise_gap_aggregate
    lofo = load_benchmark("generalise_lofo")
    rows = _rows()
    for row in rows:
        three = [1.0, 0.5, 0.2]
        row.update(
            margin=three,
            clean_margin=three,
            mean_margin=three,
            margin5=three,
            noise_frac=three,
            logit_std=1.0,
            features={},
        )
        row["gap_draws"]["frame"] = {"0": 0.2, "3": 0.6}
        row["gap_draws"]["pixels"] = {str(s): 0.05 for s in range(5)}
        row["gap_draws"]["pixels15"] = {str(s): 0.3 for s in range(5)}
    cnn, mlp = (lofo._features(r) for r in rows)
    assert mlp["frame_share_gap"] == 0.2
    assert lofo._features({**rows[1], "read_draw": 3})["frame_share_gap"] == 0.6
    assert mlp["pixel_dense15_share_gap_r5"] == pytest.approx(0.3)
    assert cnn["pixel_dense15_share_gap_r5"] == pytest.approx(0.05)


def test_the_draws_script_reads_the_new_probes_as_auto_does(monkeypatch, load_benchmark) -> None:
    """``raise_gap_draws.gap_and_class``: ``frame`` is ``frame_features`` on a generator seeded
    ``seed``, ``pixels15`` the pixel probe's gap with 15 pixels, ``pixels`` with 5."""
    import torch
    from torch import nn

    from trojanscope.data.dataset import TensorDataset
    from trojanscope.detect.base import InspectionTarget
    from trojanscope.detect.frame import frame_features
    from trojanscope.detect.pixels import pixel_features, pixel_hits

    monkeypatch.syspath_prepend(str(BENCH))  # it imports generalise_rows
    draws = load_benchmark("raise_gap_draws")
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 8), nn.ReLU(), nn.Linear(8, 3)).eval()
    x = torch.zeros(60, 1, 8, 8)
    x[:, :, 2:6, 2:6] = torch.rand(60, 1, 4, 4, generator=torch.Generator().manual_seed(1))
    data = TensorDataset(x, torch.arange(60) % 3, ("0", "1", "2"))
    target = InspectionTarget(model, (1, 8, 8), 3, data)
    framed = frame_features(target, torch.Generator().manual_seed(4))
    assert draws.gap_and_class("frame", target, 4) == (
        framed["frame_share_gap"],
        int(framed["frame_top_class"]),
    )
    for probe, steps in (("pixels", 5), ("pixels15", 15)):
        hits = pixel_hits(target, torch.Generator().manual_seed(4), steps=steps)
        assert draws.gap_and_class(probe, target, 4)[0] == pixel_features(hits)["pixel_share_gap"]
