"""Audit steps on the model's behaviour: safe loading, then model-level backdoor detection."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from trojanscope.audit.pipeline import AuditContext, AuditStep
from trojanscope.errors import DataInputError, UserInputError
from trojanscope.io.model_pick import pick_model_path
from trojanscope.registry import register
from trojanscope.report.audit_result import StepResult
from trojanscope.report.model import Severity


@register("audit-step", "load")
class LoadStep(AuditStep):
    """Load the model safely (no pickle), unless an earlier step found a file dangerous."""

    name = "load"
    order = 50
    title = "Safe loading"

    def skip_reason(self, ctx: AuditContext) -> str | None:
        return ctx.blocked

    def run(self, ctx: AuditContext, step: StepResult) -> None:
        from trojanscope.detect.input_level.text_inputs import is_text_model
        from trojanscope.io.models import load_model
        from trojanscope.io.ts_proxy import count_parameters

        path = pick_model_path(ctx.target)
        loaded = load_model(path, scan=not ctx.scanned)  # scanned with the user's policy
        ctx.loaded = loaded
        params = count_parameters(loaded.module)
        manifest = loaded.manifest
        ctx.result.model.update({
            "path": str(path),
            "format": loaded.format,
            "input_shape": list(loaded.input_shape) if loaded.input_shape else None,
            "classes": loaded.num_classes,
            "architecture": _architecture(manifest),
            "text": is_text_model(loaded),  # text models take no image-only mitigation advice
            "parameters": params,
        })
        step.details = {"path": str(path), "format": loaded.format, "parameters": params}


@register("audit-step", "detect")
class DetectStep(AuditStep):
    """Model-level backdoor detection with clean data, or data-free when there is none."""

    name = "detect"
    order = 60
    title = "Backdoor detection"

    def skip_reason(self, ctx: AuditContext) -> str | None:
        if ctx.loaded is None:
            return "the model was not loaded"
        return None

    def run(self, ctx: AuditContext, step: StepResult) -> None:
        from trojanscope import registry
        from trojanscope.detect.calibration import (
            UNCALIBRATED_NOTE,
            calibrate_model,
            load_calibrators,
            lower_note,
            raise_note,
        )
        from trojanscope.detect.class_excess import excess_note
        from trojanscope.detect.evidence import trigger_images
        from trojanscope.detect.guard_reading import scored_by
        from trojanscope.detect.input_level.text_inputs import text_method
        from trojanscope.detect.inputs import choose_clean_data
        from trojanscope.detect.margin_only import margin_only_note

        assert ctx.loaded is not None
        opts = ctx.options
        method = text_method(ctx.loaded, opts.method)
        detector = registry.create("detector", method, **opts.method_params)
        calibrators = load_calibrators(opts.calibration)
        scored_by(detector, calibrators)
        with _data_refusal(opts.data):
            chosen = choose_clean_data(ctx.loaded, detector, opts.data, opts.split,
                                       data_free=opts.data_free, fall_back_to_data_free=True,
                                       label_column=opts.label_column,
                                       text_column=opts.text_column)
        clean = ctx.clean = chosen.dataset
        ctx.result.data = _describe_data(chosen.source, chosen.note, clean, chosen.split)
        with _data_refusal(opts.data, fit_only=True):  # the fit is checked before any work
            verdict = detector.inspect(ctx.loaded.module, clean,
                                       input_shape=ctx.loaded.input_shape,
                                       num_classes=ctx.loaded.num_classes, seed=opts.seed)
        verdict.threshold = opts.threshold
        masked = calibrate_model(verdict, calibrators, ctx.loaded.module, detector)  # + gate
        from trojanscope.detect.flag_level import flag_level
        from trojanscope.detect.trigger_reach import trigger_words

        ctx.result.detection = verdict.as_dict()
        ctx.result.detection["flag_level"] = flag_level(ctx.result.detection)
        p = float(verdict.probability or 0.0)
        target = verdict.target_classes[0] if verdict.target_classes else None
        step.details = {"method": verdict.method, "probability": p, "data": chosen.note,
                        "suspected_target": target}
        trigger = verdict.trigger_text.get(target) if target is not None else None
        reach = verdict.trigger_reach.get(target) if target is not None else None
        if trigger:  # tabular models: the trigger in the table's words
            step.details["suspected_trigger"] = trigger
            if reach:  # how many rows it moves, as detect prints it (stop 81)
                step.details["trigger_reach"] = reach
            trigger = trigger_words(trigger, reach)
        raised = raise_note(verdict.features)  # auto:raise; the finding says so too
        if raised:
            step.details["raised"] = raised
        lowered = lower_note(verdict.features)  # auto:lower:dense, likewise (stop 39)
        if lowered:
            step.details["lowered"] = lowered
        excess = excess_note(verdict.features)  # the excess term's lowering (stop 74)
        if excess:
            step.details["lowered_excess"] = excess
        if masked:  # the data-free mask gate's, likewise (stop 76 read-through, hrev)
            step.details["lowered_mask"] = masked
        if verdict.term_notes:  # the other terms', likewise: not coverage (stop 76 hfix2)
            step.details["term_notes"] = list(verdict.term_notes)
        # a flag no input-space probe raised (issue 9, stop 72; data-free too, stop 74): a note,
        # the rating unchanged
        alone = margin_only_note(verdict.features, verdict.verdict, target, verdict.data_free)
        if alone:
            step.details["margin_only"] = ctx.result.detection["margin_only"] = alone
        tail = "".join(f"; {said}" for said in (lowered, excess, masked, *verdict.term_notes,
                                                 raised, alone) if said)
        if verdict.verdict == "review":
            # a score no calibration stands behind (a tree model made by other code, a
            # calibration file without the method's calibrator): a model to review, not a
            # detected backdoor (docs/benchmarks.md: false alarms)
            why = next((n for n in verdict.coverage_notes if n.startswith(UNCALIBRATED_NOTE)),
                       verdict.coverage_notes[0] if verdict.coverage_notes
                       else "probability not calibrated")
            step.findings.append(ctx.finding(
                "TSA100", f"needs review: uncalibrated backdoor score {p:.2f} (threshold "
                f"{opts.threshold:.2f}; {why}), suspected target class "
                f"{target}" + (f"; {trigger}" if trigger else ""),
                severity=Severity.MEDIUM, probability=p, target=target,
                method=verdict.method))
        elif verdict.flagged:
            severity = ctx.result.rules["TSA100"].severity
            if p >= opts.critical_at:
                severity = Severity.CRITICAL
            step.findings.append(ctx.finding(
                "TSA100", f"backdoor detected: probability {p:.2f} (threshold "
                f"{opts.threshold:.2f}), suspected target class {target}"
                + (f"; {trigger}" if trigger else "") + tail,
                severity=severity, probability=p, target=target, method=verdict.method))
        elif p >= opts.inconclusive_at:
            step.findings.append(ctx.finding(
                "TSA101", f"inconclusive: backdoor probability {p:.2f} is below the threshold "
                f"{opts.threshold:.2f} but above {opts.inconclusive_at:.2f}{tail}",
                probability=p, target=target, method=verdict.method))
        if target is not None:
            ctx.result.images.update(trigger_images(verdict, clean, [target]))


@contextmanager
def _data_refusal(data: str | Path | None, *, fit_only: bool = False) -> Iterator[None]:
    """The user's ``--data`` refused — by its loader, or (``fit_only``) because it does not fit
    the model — is a :class:`DataInputError` naming the option, which stops the audit. Any
    other refusal, and one of data the step chose itself (the manifest's dataset), stays this
    step's error, as before."""
    from trojanscope.audit.data_check import data_error

    try:
        yield
    except DataInputError as exc:
        if data is None:
            raise UserInputError(str(exc)) from None
        raise data_error("--data", data, exc) from None
    except UserInputError as exc:
        if data is None or fit_only:
            raise
        raise data_error("--data", data, exc) from None


def _architecture(manifest) -> str | None:
    """The registered architecture, or a Hugging Face folder's own class name."""
    if manifest is None:
        return None
    hf = getattr(manifest, "hf", None)
    if isinstance(hf, dict) and hf.get("architectures"):
        return ", ".join(hf["architectures"])
    return manifest.arch.name


def _describe_data(source: str | None, note: str, clean, split: str | None) -> dict:
    """Where the clean data came from and a digest of exactly the samples used."""
    if clean is None:
        return {"source": None, "note": note, "data_free": True}
    digest = hashlib.sha256()
    digest.update(clean.x.contiguous().numpy().tobytes())
    digest.update(clean.y.contiguous().numpy().tobytes())
    return {"source": source, "note": note, "split": split, "samples": len(clean),
            "sha256": digest.hexdigest(), "data_free": False}
