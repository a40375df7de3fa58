"""The whole-split network entry refitted one pair out (issue 16 stop 70): a stop's two zoos
are one pair, a held-out pair's scores never depend on its own rows, and the candidate file
written differs from the shipped one in that entry alone."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from tabular_s70_h16_mlp import FEATS, KEY, held_out_pairs, pair_of, write_entry
from tabular_s70_h16_rule import only_entry_differs

M70 = "excess + gap + flip_2 + sure + enrichment + sure_flip"


def test_a_stops_two_zoos_are_one_pair() -> None:
    assert pair_of("tab-fresh49-lc") == pair_of("tab-fresh49") == "tab-fresh49"
    assert pair_of("cd3510") == "cd3510" and pair_of("lc3700") == "lc3700"


def rows_of(seed: int) -> list[dict]:
    """Networks of three pairs whose backdoored ones read higher on every feature."""
    rng = np.random.default_rng(seed)
    out = []
    for zoo in ("tab-fresh1", "tab-fresh1-lc", "tab-fresh2", "tab-fresh2-lc", "cd3510"):
        for i in range(12):
            bd = i % 2 == 1
            out.append({"zoo": zoo, "name": f"m{i}", "backdoored": bd, "traits": [],
                        "table": "lending-club" if zoo.endswith("-lc") else "credit-default",
                        "features": {f: float(rng.normal(0.6 if bd else 0.3, 0.15))
                                     for f in FEATS[M70]}})
    return out


def test_a_held_out_pairs_scores_do_not_depend_on_its_own_rows() -> None:
    rows = rows_of(0)
    p = held_out_pairs(rows, FEATS[M70], 10.0)
    flipped = [{**r, "backdoored": not r["backdoored"]} if pair_of(r["zoo"]) == "tab-fresh1"
               else r for r in rows]
    q = held_out_pairs(flipped, FEATS[M70], 10.0)
    mine = [i for i, r in enumerate(rows) if pair_of(r["zoo"]) == "tab-fresh1"]
    others = [i for i in range(len(rows)) if i not in mine]
    assert np.allclose(p[mine], q[mine])  # its labels never reach its own scores
    assert not np.allclose(p[others], q[others])  # they do reach the other pairs'
    y = np.array([r["backdoored"] for r in rows])
    assert p[y].mean() > p[~y].mean() + 0.3


def test_the_candidate_file_differs_in_the_network_sure_entry_alone(
        tmp_path: Path) -> None:
    out = tmp_path / "cand.json"
    write_entry(rows_of(1), f"{M70}|10", out)
    entry = json.loads(out.read_text())[KEY]
    assert entry["features"] == FEATS[M70] and entry["fitted_on"]["models"] == 60
    assert only_entry_differs(out) == (KEY, True)
    cals = json.loads(out.read_text())
    cals["tabular-search:network"]["intercept"] += 1.0
    out.write_text(json.dumps(cals))
    text, ok = only_entry_differs(out)
    assert not ok and "tabular-search:network," in text + ","
