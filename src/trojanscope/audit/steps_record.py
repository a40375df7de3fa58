"""Audit step on the record ``mitigate`` left beside the model: the attack success rate it
measured after purifying, as evidence beside the detector's.

A folder ``mitigate`` wrote says in its own record (``manifest.json``'s ``mitigation``, or
``mitigation.json`` beside a purified TorchScript/ONNX file) what the attack's trigger still
does to the purified model. Where that record says the backdoor is still there, a detector that
no longer finds it is not evidence of a clean model (issue 12 stop 78, hmit: ``mitigate`` left
the README's BadNets run at ASR 61.54% and the audit of its output passed at probability 0.21).
The record only ever raises the rating: a record saying the backdoor is gone lowers nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from trojanscope.audit.pipeline import AuditContext, AuditStep
from trojanscope.registry import register
from trojanscope.report.audit_result import StepResult
from trojanscope.report.model import Severity

RECORD_KEY = "mitigation"  # the manifest's field ``mitigate`` writes


def mitigation_record(target: Path, digests: dict[str, str]) -> tuple[str, dict[str, Any]] | None:
    """(the record's file, ``mitigate``'s record) for ``target`` — a folder holding a
    ``manifest.json`` with a ``mitigation`` field or a ``mitigation.json``, or a file beside
    one — where every file the record lists that the audit hashed (``digests``, name ->
    SHA-256) is unchanged; ``None`` where there is no such record or it describes other
    bytes (the integrity step names changed files)."""
    from trojanscope.io.json_file import load_json
    from trojanscope.io.manifest import MANIFEST_NAME
    from trojanscope.mitigate.save import RECORD_NAME

    folder = target if target.is_dir() else target.parent
    for name in (MANIFEST_NAME, RECORD_NAME):
        path = folder / name
        if not path.is_file():
            continue
        try:
            raw = load_json(path)
        except (OSError, ValueError):
            continue  # the integrity and load steps say what is wrong with it
        if not isinstance(raw, dict):
            continue
        record = raw.get(RECORD_KEY) if name == MANIFEST_NAME else raw
        files = raw.get("files")
        if not isinstance(record, dict) or not isinstance(files, dict):
            continue
        if not target.is_dir() and target.name not in files:
            continue  # a file the record does not describe
        if any(digests.get(f, d) != d for f, d in files.items()):
            continue
        return str(path), record
    return None


class Residue(NamedTuple):
    """What :func:`residue` read: the severity, the figure (``flip`` or ``asr``) before and
    after, and where the record gives a count, the inputs and the 95% interval after."""

    level: Severity
    before: float
    after: float
    key: str
    inputs: int | None = None
    interval: tuple[float, float] | None = None
    weakened: bool = False  # under half the figure before: "weakened, not removed"


def residue(record: dict[str, Any]) -> Residue | None:
    """The residue where the record's flip rate after (its ASR where an older record has
    none: :func:`~trojanscope.mitigate.run.judged`) is above ``mitigate``'s
    :data:`~trojanscope.mitigate.run.STILL_ASR`: high, whether ``mitigate`` read the backdoor
    as still there (at least :data:`~trojanscope.mitigate.run.STILL_SHARE` of before) or it
    only fell below that share (``weakened``: medium until stop 80, when an audit of a folder
    left at a flip rate of 44.44% of 18 inputs headlined PASS: a trigger that still works on
    more than the bar's share of inputs is a backdoor left, however much it fell); low ("too
    few to tell") where the record's count gives an exact 95% interval reaching that bar
    (:mod:`~trojanscope.mitigate.record_count`, stop 79); ``None`` otherwise or with nothing
    measured. The flip rate leaves out the
    inputs the model sends to the target without the trigger, so an ASR that is only the
    model's own answer raises nothing (stop 78, htsa)."""
    from trojanscope.mitigate.record_count import at_bar, rate_interval, read_on
    from trojanscope.mitigate.run import above_bar, still_there

    before, after = record.get("before"), record.get("after")
    if not isinstance(before, dict) or not isinstance(after, dict):
        return None
    read = above_bar(before, after)
    if read is None:
        return None
    key, was, now = read
    level = Severity.HIGH  # above the bar: the trigger still works, halved or not (stop 80)
    inputs = read_on(after, key)
    interval = rate_interval(float(now), inputs) if inputs else None  # read once
    if interval is not None and at_bar(interval):
        level = Severity.LOW  # the count cannot tell the figure from the bar
    return Residue(level, float(was), float(now), key, inputs, interval,
                   weakened=not still_there(before, after))


@register("audit-step", "record")
class MitigationRecordStep(AuditStep):
    """Read the ASR ``mitigate`` measured after purifying, where the folder holds its record."""

    name = "record"
    order = 62  # after detection, so the finding sits beside the detector's
    title = "Mitigation record"
    # (the audit's result, its record): what skip_reason read, for run to use (one reading)
    _read: tuple[object, tuple[str, dict[str, Any]] | None] | None = None

    def record(self, ctx: AuditContext) -> tuple[str, dict[str, Any]] | None:
        """:func:`mitigation_record` for this audit, read once: ``skip_reason`` reads it and
        ``run`` takes that reading (before stop 80 each read and parsed the files again)."""
        if self._read is None or self._read[0] is not ctx.result:
            self._read = (ctx.result, mitigation_record(ctx.target, ctx.result.file_sha256))
        return self._read[1]

    def skip_reason(self, ctx: AuditContext) -> str | None:
        if self.record(ctx) is None:
            return "no mitigation record describing these files"
        return None

    def run(self, ctx: AuditContext, step: StepResult) -> None:
        found = self.record(ctx)
        assert found is not None
        path, record = found
        method = str(record.get("method", "?"))
        step.details = {"record": path, "method": method, "source": record.get("source"),
                        "before": record.get("before"), "after": record.get("after")}
        left = residue(record)
        if left is None:
            return
        step.findings.append(ctx.finding("TSA120", residue_words(left, record, method),
                                         file=path, severity=left.level, method=method,
                                         **residue_evidence(left, record)))


def residue_words(left: Residue, record: dict[str, Any], method: str) -> str:
    """The finding's message: what was measured, on how many inputs, and what it says."""
    from trojanscope.mitigate.record_count import LEVEL, count_words
    from trojanscope.mitigate.run import STILL_ASR

    words = ("too few inputs to tell whether the backdoor is still there"
             if left.level is Severity.LOW else "the backdoor was weakened, not removed"
             if left.weakened else "the backdoor is still there")
    which = ("" if left.key == "asr" else " not sent to the target without it"
             + (f" ({left.inputs} of them)" if left.inputs else ""))  # the flip rate's count
    counted = ("" if left.inputs is None or left.interval is None else
               f"; after: {count_words(left.after, left.inputs, left.interval)}")
    said = (f"{words}: mitigate ({method}) measured the attack's trigger succeeding on "
            f"{left.after:.2%} of its held-out triggered inputs{which} after purifying "
            f"({left.before:.2%} before{counted}); ")
    if left.level is Severity.LOW:
        return said + (f"the {LEVEL:.0%} interval reaches mitigate's {STILL_ASR:.0%} bar, so "
                       "this many inputs cannot say whether the trigger still works: purify "
                       "with more clean data (more held-out inputs) and audit again")
    fell = (f"it fell, but the trigger still works above mitigate's {STILL_ASR:.0%} bar; "
            if left.weakened else "")
    return said + fell + ("a detector that no longer flags the model does not outweigh that "
                          "measurement")


def residue_evidence(left: Residue, record: dict[str, Any]) -> dict[str, Any]:
    """The finding's figures: before and after, and the count and interval where known."""
    figures: dict[str, Any] = (
        {"asr_before": left.before, "asr_after": left.after} if left.key == "asr" else
        {"flip_before": left.before, "flip_after": left.after,
         "asr_before": record["before"].get("asr"), "asr_after": record["after"].get("asr")})
    if left.inputs is not None and left.interval is not None:
        figures.update(inputs=left.inputs, interval=list(left.interval))
    return figures
