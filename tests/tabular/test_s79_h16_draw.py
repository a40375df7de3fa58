"""Issue 16 stop 79 (h16): what in a zoo's draw sets LightGBM's clean 200-row flag rate
(``benchmarks/tabular_s79_h16_draw.py``). The model file's traits are read from the file as
LightGBM writes it; the files test tells a rate that follows the files from one that follows
the models; a raised bar loses a backdoored model flagged near the bar and not one far above."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

from tabular_s79_h16_draw import cross_cells, file_traits, files_test, lost_models  # noqa: E402

MODEL_TEXT = """tree
version=v4
num_class=1
Tree=0
num_leaves=4
leaf_value=0.1 -0.1 0.2 -0.2
Tree=1
num_leaves=6
leaf_value=0.1 -0.1 0.2 -0.2 0.3 -0.3

end of trees

parameters:
[boosting: gbdt]
[num_iterations: 300]
[learning_rate: 0.05]
[num_leaves: 31]
[max_depth: 6]
end of parameters
"""


def test_the_model_files_traits_are_read_from_the_file() -> None:
    got = file_traits(MODEL_TEXT)
    assert got == {"max_depth": 6.0, "num_iterations": 300.0, "learning_rate": 0.05,
                   "trees": 2.0, "leaves_mean": 5.0}
    # a file saved without its parameters block: the counted traits only
    bare = file_traits(MODEL_TEXT.split("parameters:")[0])
    assert math.isnan(bare["max_depth"]) and math.isnan(bare["learning_rate"])
    assert bare["trees"] == 2.0


def _reading(zoo: str, name: str, draw: int, p: float, backdoored: bool = False) -> dict:
    return {"zoo": zoo, "name": name, "draw": draw, "probability": p, "backdoored": backdoored,
            "table": "credit-default", "family": "tree:lightgbm:rows200"}


def _crossed(hot_file_set: str) -> tuple[list[dict], list[dict]]:
    """Two zoos A (files 1-3) and B (files 4-6), two models each, every model read on every
    file: a reading is flagged where its file belongs to ``hot_file_set`` (files set the
    rate) or, with ``hot_file_set="models"``, where its model is A's."""
    files = {"A": (1, 2, 3), "B": (4, 5, 6)}
    own, crossed = [], []
    for home in ("A", "B"):
        for m in ("m1", "m2"):
            for fz, draws in files.items():
                for d in draws:
                    hot = home == "A" if hot_file_set == "models" else fz == hot_file_set
                    p = (0.7 if hot else 0.3) + 0.01 * d + (0.02 if m == "m2" else 0.0)
                    if fz == home:
                        own.append(_reading(home, m, d, p))
                    else:
                        crossed.append(_reading(f"{home}c", m, d, p))
    return own, crossed


def test_the_files_test_tells_files_from_models() -> None:
    cells, files_of = cross_cells(*_crossed("A"))
    assert files_of == {"A": {1, 2, 3}, "B": {4, 5, 6}}
    assert {k: len(v) for k, v in cells.items()} == {(m, f): 6 for m in "AB" for f in "AB"}
    by_file, by_models, rho = files_test(cells, files_of)
    assert (by_file, by_models) == (1.0, 0.0) and rho == pytest.approx(1.0)
    by_file, by_models, _ = files_test(*cross_cells(*_crossed("models")))
    assert (by_file, by_models) == (0.0, 1.0)
    own, crossed = _crossed("A")
    with pytest.raises(SystemExit, match="draw 9 is no one zoo's file"):
        cross_cells(own, [*crossed, _reading("Ac", "m1", 9, 0.5)])
    with pytest.raises(SystemExit, match="two model zoos"):
        files_test(*cross_cells(own, [r for r in crossed if r["zoo"] == "Ac"]))


def test_a_raised_bar_loses_the_backdoor_near_it_only() -> None:
    near = [{**_reading("z", "near", d, 0.52, True), "p": 0.52} for d in (1, 2, 3)]
    far = [{**_reading("z", "far", d, 0.9, True), "p": 0.9} for d in (1, 2, 3)]
    one = [{**_reading("z", "once", d, p, True), "p": p} for d, p in ((1, 0.9), (2, 0.1),
                                                                       (3, 0.1))]
    rows = near + far + one
    assert lost_models(rows, 0.0, lambda t: True) == []
    assert lost_models(rows, 0.1, lambda t: True) == ["z/near"]
    assert lost_models(rows, 0.1, lambda t: t["name"] != "near") == []
    # a model flagged on one file by D is never counted lost
    assert lost_models(rows, 5.0, lambda t: True) == ["z/far", "z/near"]
