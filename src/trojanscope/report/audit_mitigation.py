"""The audit's mitigation recommendation: when a model is rated high or critical for a backdoor,
which ``trojanscope mitigate`` method to try and the exact commands (purify, then audit the
purified model again). Shared by every audit report format."""

from __future__ import annotations

import shlex
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from trojanscope.report.model import Severity

if TYPE_CHECKING:
    from trojanscope.report.audit_result import AuditResult


# What ``mitigate`` writes for each model format, as the purified model to audit again: a run
# folder for our own models; for TorchScript and ONNX, the same format inside the output folder.
PURIFIED_FILE = {"safetensors": "{out}", "torchscript": "{out}/model.torchscript.pt",
                 "onnx": "{out}/model.onnx"}


def recommend_mitigation(result: AuditResult) -> dict[str, Any] | None:
    """``{"method", "text", "commands"}`` for a backdoor rated high or critical in a model
    ``mitigate`` can purify (a run folder, TorchScript, ONNX); ``None`` otherwise (a file whose
    loading runs code is never purified: it is not loaded at all; ``mitigate`` takes no text
    data, so a text model gets no command that would fail)."""
    from trojanscope.mitigate.auto import FLAGGED_PARAMS, MEASURED, resolve
    from trojanscope.report.audit_next import backdoor_detected, runs_code_when_loaded

    if result.rating.level < Severity.HIGH or not backdoor_detected(result):
        return None
    purified = PURIFIED_FILE.get(result.model.get("format", ""))
    if runs_code_when_loaded(result) or purified is None or result.model.get("text"):
        return None
    source = (result.data or {}).get("source")
    data = shlex.quote(source) if source else "CLEAN.npz"
    target = shlex.quote(result.target)
    again = second_reading(result, target, data)
    if again is not None:
        return again
    out_name = f"{_model_name(PurePath(result.target))}-mitigated"
    out = shlex.quote(out_name)
    method = resolve("auto", False, foreign=result.model.get("format") != "safetensors")
    forced = FLAGGED_PARAMS.get(method)  # the audit already rated it: treat, never hand back
    text = (f"Purify a copy with {method} (the best method measured for such models, see "
            "docs/mitigation.md), then audit it again; keep the original as evidence. A clean "
            "re-audit is not proof of removal (a weakened backdoor can escape detection): "
            f"{MEASURED[method]}"
            + ("" if source else " CLEAN.npz: clean data you trust (200 samples or more)."))
    return {
        "method": method,
        "text": text,
        "commands": [
            f"trojanscope mitigate {target} --data {data} --method {method}"
            + (f" --method-param {forced}" if forced else "") + f" --out {out}",
            f"trojanscope audit {shlex.quote(purified.format(out=out_name))} --data {data} "
            f"--report reports/{out}",
        ],
    }


def second_reading(result: AuditResult, target: str, data: str) -> dict[str, Any] | None:
    """Where the folder is ``mitigate``'s output and its record reads the trigger removed
    (:func:`~trojanscope.report.record_clear.record_clear`, no ``TSA120``): a second reading
    of the detector's flag, not a second purification (stop 80's first contact recommended
    ``mitigate … --method-param force=1`` on a folder ``gated`` had taken to ASR 1.11%)."""
    from trojanscope.report.record_clear import record_clear

    step = result.step("record")
    read = record_clear(step.details if step is not None else None)
    if read is None or any(f.rule_id == "TSA120" for f in result.findings):
        return None
    return {
        "method": "none",  # no mitigation to run again: a reading to take first
        "text": ("No second purification yet: this folder is mitigate's output and its "
                 f"record reads the trigger it was measured with removed ({read}); the flag "
                 "is the detector's reading of the purified model, which the record cannot "
                 "clear (it is a file in the folder, and it measures one trigger). Read the "
                 "flag a second way before purifying again: a second method, or more clean "
                 "data; a flag that holds there is a backdoor the record did not measure."),
        "commands": [f"trojanscope detect {target} --data {data} --method neural_cleanse"],
    }


def _model_name(path: PurePath) -> str:
    """A short name for ``path``'s model: the file name without its model suffixes, or the
    folder's name for the files ``mitigate`` and ``train`` write (``fixed/model.onnx``)."""
    name = path.name
    for suffix in (".torchscript.pt", ".onnx", ".pt", ".pth", ".safetensors"):
        name = name.removesuffix(suffix)
    if name == "model" and path.parent.name:
        return path.parent.name
    return name or "model"
