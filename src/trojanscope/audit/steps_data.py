"""The audit's data step: which samples of the model's training data look poisoned
(``audit --training-data DATA``; the same library call as ``trojanscope detect-data``)."""

from __future__ import annotations

from trojanscope.audit.pipeline import AuditContext, AuditStep
from trojanscope.registry import register
from trojanscope.report.audit_result import StepResult


@register("audit-step", "data")
class DataStep(AuditStep):
    """Data-level poison detection on the training data given with ``--training-data``."""

    name = "data"
    order = 64
    title = "Training-data poison detection"

    def skip_reason(self, ctx: AuditContext) -> str | None:
        if ctx.options.training_data is None:
            return "no --training-data given"
        return None

    def run(self, ctx: AuditContext, step: StepResult) -> None:
        from trojanscope.audit.data_check import training_data
        from trojanscope.detect.data.group_words import group_words
        from trojanscope.detect.data.run import detect_data

        suspect = training_data(ctx.options)  # what the up-front check loaded: no second read
        result = detect_data(suspect.data, method=ctx.options.data_method, seed=ctx.options.seed,
                             poison=suspect.poison)
        n, total = len(result.flagged), len(result.suspicion)
        step.details = {
            "data": suspect.source, "method": result.method, "poisoned": result.poisoned,
            "samples": total, "flagged": n,
            "target_classes": result.target_classes, "elapsed_s": round(result.elapsed_s, 2),
        }
        if result.notes:  # a set smaller than the verdict was calibrated on
            step.details["notes"] = list(result.notes)
        if result.truth is not None:
            t = result.truth
            step.details.update(precision=t.precision, recall=t.recall, fpr=t.fpr,
                                roc_auc=t.roc_auc)
        # a table's most suspicious group (label-groups): the values the flagged rows share,
        # in detect-data's words; named only when rows are flagged, as detect-data does
        groups = result.details.get("groups") or []
        group = groups[0] if n and groups else None
        if group is not None:  # with the flagged rows, 0-based as detect-data's "flagged"
            group = {**group, "flagged_rows": [int(i) for i in result.flagged]}
            step.details["group"] = group
        if n:
            targets = ", ".join(map(str, result.target_classes)) or "none in particular"
            named = f"; most suspicious group: {group_words(group)}" if group else ""
            step.findings.append(ctx.finding(
                "TSA110", f"{n} of {total} training samples look poisoned (method "
                f"{result.method}); suspected target class(es): {targets}{named}",
                file=suspect.source, flagged=n, samples=total,
                target_classes=result.target_classes, method=result.method,
                **({"group": group} if group else {})))
