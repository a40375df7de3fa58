"""A file whose time budget runs out gets a TS182 that names the setting which moves the budget
(first contact, stop 55: ``scan downloaded-model/`` read one high finding at load 13 and none on
a rerun — the per-file budget is wall-clock, so a busy machine reaches it sooner, and the
finding said only "time limit reached")."""

from __future__ import annotations

import pickle

from trojanscope.scan.budget import Budget
from trojanscope.scan.context import Ctx
from trojanscope.scan.engine import scan_bytes
from trojanscope.scan.rules import load_policy


def _ts182(data: bytes, name: str) -> list[str]:
    ctx = Ctx(load_policy(), name, budget=Budget.start(-1.0))  # the budget already spent
    scan_bytes(ctx, data, name)
    return [f.message for f in ctx.findings if f.rule_id == "TS182"]


def test_a_spent_budget_names_max_seconds_and_config() -> None:
    found = _ts182(pickle.dumps({"weights": list(range(5000))}, protocol=2) + b"." * 70000,
                   "model.pkl")
    assert found, "no TS182"
    assert all("max_seconds" in m and "--config" in m for m in found), found


def test_a_spent_budget_while_decompressing_says_so_and_names_the_setting() -> None:
    import gzip

    found = _ts182(gzip.compress(b"\0" * (8 << 20), mtime=0), "model.pkl.gz")
    assert any("decompressing" in m and "max_seconds" in m for m in found), found
