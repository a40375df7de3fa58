"""Issue 9, stop 80 (h9c): training-free probes of a data-free flag's named class
(``detect/lean_probes.py``) and the mask gate's opt-in ``noise`` reading: the noise share less
the references' lowers only where the mask search did not and only at or under its line, a file
without the key reads as before, a bad key is refused, and the pasted square's grid finds a
one-pixel class at its pixel."""

from __future__ import annotations

import json

import pytest
import torch
from test_data_free_signal_s75 import _shortcut_model
from test_mask_gate import _gate, _maximisers, _verdict

from script_run import run_script
from trojanscope.detect.calibration import load_calibrators
from trojanscope.detect.logits import logit
from trojanscope.detect.mask_gate import (
    ENTRY,
    MASK_BY_NOISE,
    MASK_LOGIT,
    MASK_NOISE,
    gate_read,
    mask_gate,
)
from trojanscope.errors import UserInputError

NEVER = {"cnn": -5.0, "dense": -5.0}  # the named class always stands over it: no mask lowering


class _Always(torch.nn.Module):
    """Gives every input class ``c`` of four."""

    def __init__(self, c: int) -> None:
        super().__init__()
        self.c = c

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.one_hot(torch.full((len(x),), self.c), 4).float()


def test_the_noise_stand_is_the_named_share_over_the_references_median() -> None:
    from trojanscope.detect.lean_probes import noise_stand

    assert noise_stand(_Always(3), (1, 8, 8), 3, [0, 1, 2], 4, count=16) == 1.0
    assert noise_stand(_Always(3), (1, 8, 8), 0, [1, 2, 3], 4, count=16) == 0.0
    # the shortcut model's class 0 takes the noise whose pixel (0, 0) is bright
    first = noise_stand(_shortcut_model(), (1, 8, 8), 0, [1, 2, 3], 4, count=256)
    assert 0.0 < first < 0.5
    assert first == noise_stand(_shortcut_model(), (1, 8, 8), 0, [1, 2, 3], 4, count=256)


def test_noise_lowers_where_the_mask_search_did_not() -> None:
    v = _verdict(0.9)
    gate = _gate(line=NEVER, noise={"line": 1.0, "count": 64, "seed": 0})
    assert mask_gate(v, _shortcut_model(), _maximisers(), gate) == -5.0
    assert v.features[MASK_BY_NOISE] == 1.0 and v.features[MASK_LOGIT] == -5.0
    assert logit(v.probability) == pytest.approx(logit(0.9) - 5.0)

    class Kept:
        maximisers = _maximisers()

    w = _verdict(0.9)
    note = gate_read(w, _shortcut_model(), Kept(), gate)
    assert "noise" in note and "class 0" in note


def test_over_its_line_or_without_the_key_nothing_moves() -> None:
    v = _verdict(0.9)
    gate = _gate(line=NEVER, noise={"line": -1.0, "count": 64, "seed": 0})
    assert mask_gate(v, _shortcut_model(), _maximisers(), gate) == 0.0
    assert v.probability == 0.9 and MASK_NOISE in v.features and MASK_BY_NOISE not in v.features
    w = _verdict(0.9)  # today's entry: no noise reading at all
    assert mask_gate(w, _shortcut_model(), _maximisers(), _gate(line=NEVER)) == 0.0
    assert MASK_NOISE not in w.features
    # a mask search that lowers already: the noise is not read
    u = _verdict(0.9)
    assert mask_gate(u, _shortcut_model(), _maximisers(),
                     _gate(line={"cnn": 50.0, "dense": 50.0},
                           noise={"line": 1.0, "count": 64, "seed": 0})) == -5.0
    assert MASK_NOISE not in u.features


@pytest.mark.parametrize("bad", [{"line": "a", "count": 8, "seed": 0},
                                 {"line": 0.4, "count": 0, "seed": 0},
                                 {"line": 0.4, "count": 8, "seed": -1},
                                 {"line": 0.4, "count": 8.5, "seed": 0}, [0.4]])
def test_an_unreadable_noise_key_is_refused(tmp_path, bad) -> None:
    from test_mask_gate import FITTED

    path = tmp_path / "cal.json"
    entry = {"method": ENTRY, "features": [], "coef": [], "intercept": 0.0,
             "fitted_on": {**FITTED, "noise": bad}}
    path.write_text(json.dumps({ENTRY: entry}))
    with pytest.raises(UserInputError, match="noise"):
        load_calibrators(path)


def test_the_candidate_differs_from_the_shipped_file_only_by_the_key(tmp_path) -> None:
    from lean_probe_s80_h9c import write_candidate
    from shipped_calibration import SHIPPED

    path = tmp_path / "cand.json"
    write_candidate(path, 0.45)
    cand, shipped = json.loads(path.read_text()), json.loads(SHIPPED.read_text())
    noise = cand[ENTRY]["fitted_on"].pop("noise")
    assert noise == {"line": 0.45, "count": 256, "seed": 0} and cand == shipped
    # its rule on fresh seeds 376-389 was not met (rule.md): the shipped entry has no key
    assert "noise" not in shipped[ENTRY]["fitted_on"]
    assert load_calibrators(path)[ENTRY].fitted_on["noise"]["line"] == 0.45


def test_the_pasted_square_finds_the_one_pixel_class_at_its_pixel() -> None:
    from trojanscope.detect.lean_probes import sparse_hosts, stamp_grid

    hosts = sparse_hosts((1, 8, 8), 16, lit=0.05)
    grid, places = stamp_grid(_shortcut_model(), hosts, 2, 1.0, 4, stride=2)
    assert grid.shape == (len(places), 4) and places[0] == (0, 0)
    assert float(grid[0, 0]) == 1.0  # a bright square over pixel (0, 0) sends every host to 0
    assert float(grid[1:, 0].max()) < 0.5
    every = stamp_grid(_Always(2), hosts, 2, 1.0, 4)[0]
    assert bool((every[:, 2] == 1.0).all())  # a class that holds every host reads 1.0


def test_bad_input_is_one_line_and_exit_2(tmp_path) -> None:
    missing = run_script("lean_probe_s80_h9c.py", "table", str(tmp_path / "none.jsonl"))
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1
