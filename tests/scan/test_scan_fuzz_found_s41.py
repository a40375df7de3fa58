"""Inputs the stop-41 coverage-guided fuzzer kept (``benchmarks/data/fuzz_scanner_s41/bugs``),
scanned as the fuzzer scanned them: a finding that names what is wrong, never TS999."""

from __future__ import annotations

from pathlib import Path

from trojanscope.scan.context import Ctx
from trojanscope.scan.engine import scan_bytes
from trojanscope.scan.rules import load_policy

BUGS = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "fuzz_scanner_s41" / "bugs"


def test_torchscript_member_whose_header_offset_is_past_2_63():
    """Seed 205 (``--coverage measure``): a TorchScript zip whose central directory gives a
    member's local header offset near -2**63 after zipfile's arithmetic; reading it made
    ``zipfile`` seek there (OverflowError: Python int too large to convert to C ssize_t), which
    the TorchScript check did not catch."""
    ctx = Ctx(load_policy(), "fuzz")
    scan_bytes(ctx, (BUGS / "bug-3fd3b74f7c.bin").read_bytes(), "torchscript.pt")
    rules = [f.rule_id for f in ctx.findings]
    assert "TS999" not in rules
    assert any(f.rule_id == "TS208" and "unreadable member: OverflowError" in f.message
               for f in ctx.findings), [(f.rule_id, f.message) for f in ctx.findings]
