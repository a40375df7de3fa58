"""The static pickle model: imports, memo, string building, nested payloads, malformed input."""

from __future__ import annotations

import io
import pickle

from trojanscope.report import Severity
from trojanscope.scan.context import Ctx
from trojanscope.scan.engine import scan_bytes
from trojanscope.scan.pickle_machine import PickleMachine
from trojanscope.scan.rules import load_policy
from trojanscope.scan.stream import Reader
from trojanscope.testing.scan_corpus import Gadget, call_pickle, malicious_samples

POLICY = load_policy()


def scan(data: bytes) -> Ctx:
    ctx = Ctx(POLICY, "x.pkl")
    scan_bytes(ctx, data, "x.pkl")
    return ctx


def globals_of(ctx: Ctx) -> dict[str, Severity]:
    return {f.evidence["global"]: f.severity for f in ctx.findings if "global" in f.evidence}


def test_every_protocol_resolves_the_import(tmp_path):
    for proto in range(6):
        ctx = scan(pickle.dumps(Gadget(print, ("hi",)), protocol=proto))
        found = {f.evidence["canonical"]: f.severity for f in ctx.findings}
        assert found == {"builtins.print": Severity.MEDIUM}, proto


def test_allowlisted_and_unknown_imports():
    import collections

    ctx = scan(pickle.dumps(collections.OrderedDict(a=1)))
    assert globals_of(ctx) == {"collections:OrderedDict": Severity.INFO}
    ctx = scan(call_pickle("mypkg.layers", "Custom", "x"))
    assert globals_of(ctx) == {"mypkg.layers:Custom": Severity.MEDIUM}


def test_memo_and_string_built_names_resolve(tmp_path):
    samples = malicious_samples(tmp_path / "M")
    assert globals_of(scan(samples["memo_stack_global.pkl"]))["os:system"] == Severity.CRITICAL
    built = globals_of(scan(samples["string_built_name.pkl"]))
    assert built["os:system"] == Severity.CRITICAL


def test_getattr_and_getters_resolve_the_target(tmp_path):
    samples = malicious_samples(tmp_path / "M")
    for name in ("getattr_import.pkl", "attrgetter.pkl", "methodcaller.pkl"):
        found = globals_of(scan(samples[name]))
        assert "os:system" in found, name


def test_build_override_is_followed(tmp_path):
    ctx = scan(malicious_samples(tmp_path / "M")["build_override.pkl"])
    assert globals_of(ctx)["builtins:eval"] == Severity.CRITICAL
    assert "TS162" in {f.rule_id for f in ctx.findings}


def test_nested_payload_is_scanned_with_its_location(tmp_path):
    ctx = scan(malicious_samples(tmp_path / "M")["nested_b64.pkl"])
    nested = [f for f in ctx.findings if f.evidence.get("global") == "posix:system"]
    assert nested and nested[0].location.member.startswith("<pickle.loads@")


def test_payload_followed_by_garbage_reports_both():
    data = call_pickle("os", "system", "true")[:-1] + b"\xff garbage"
    ctx = scan(data)
    rules = {f.rule_id for f in ctx.findings}
    assert "TS102" in rules and "TS180" in rules


def test_several_pickles_back_to_back():
    data = pickle.dumps([1, 2]) + pickle.dumps(Gadget(eval, ("1",)))
    assert globals_of(scan(data)) == {"builtins:eval": Severity.CRITICAL}


def test_trailing_junk_after_a_benign_pickle_is_low():
    ctx = scan(pickle.dumps({"a": 1}) + b"\x00\x01\x02 not a pickle")
    assert {f.rule_id: f.severity for f in ctx.findings} == {"TS181": Severity.LOW}


def test_stack_global_with_computed_operands_is_high():
    # STACK_GLOBAL whose module operand is the result of a call: hidden from static analysis
    data = (b"\x80\x04\x8c\x03abc\x8c\x01x\x93)R\x8c\x06system\x93.")
    ctx = scan(data)
    assert any(f.rule_id == "TS160" and f.severity == Severity.HIGH for f in ctx.findings)


def test_large_bytes_are_skipped_not_kept():
    blob = b"\0" * (40 << 20)
    r = Reader(io.BytesIO(pickle.dumps(blob, protocol=4)))
    machine = PickleMachine(r)
    machine.limits.max_bytes_kept = 1 << 20
    res = machine.run()
    assert res.complete and machine.kept == 0


def test_opcode_limit_stops_the_walk():
    policy = load_policy()
    policy.limits.max_opcodes = 50
    ctx = Ctx(policy, "x.pkl")
    scan_bytes(ctx, pickle.dumps(list(range(1000)), protocol=2))
    assert "TS182" in {f.rule_id for f in ctx.findings}


def test_text_files_are_not_mistaken_for_pickles():
    for text in (b"import os\nos.system('x')\n", b"hello world\n", b"(just text)", b"]]]]"):
        ctx = Ctx(POLICY, "t")
        assert scan_bytes(ctx, text) == "unknown", text
        assert ctx.findings == []
