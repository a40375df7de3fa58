"""The audit's own rules (beside the scanner's): backdoor verdicts, signatures, integrity;
each with the class of attack it is evidence of (its ``taxonomy``)."""

from __future__ import annotations

import functools

from trojanscope.report.model import RuleInfo, Severity

AUDIT_RULES = {
    r.rule_id: r
    for r in [
        RuleInfo("TSA100", "backdoor-detected",
                 "Model-level detection flagged the model as backdoored: some inputs carrying a "
                 "small trigger are sent to one target class.", Severity.HIGH, "backdoor"),
        RuleInfo("TSA101", "backdoor-inconclusive",
                 "The backdoor probability is below the threshold but not low enough to call "
                 "the model clean.", Severity.MEDIUM, "backdoor"),
        RuleInfo("TSA110", "poisoned-training-data",
                 "Data-level detection flagged training samples that carry a trigger with a "
                 "flipped label: the data would plant a backdoor in any model trained on them.",
                 Severity.HIGH, "backdoor"),
        RuleInfo("TSA120", "backdoor-left-by-mitigation",
                 "The record mitigate wrote beside the purified model measured the attack's "
                 "trigger still succeeding after purifying: the backdoor was not removed, "
                 "whatever a detector says of the purified model.", Severity.HIGH, "backdoor"),
        RuleInfo("TSA200", "signature-invalid",
                 "The signature does not verify with the given key, or an expected signature "
                 "is missing.", Severity.HIGH, "tampered"),
        RuleInfo("TSA201", "changed-since-signing",
                 "Files were modified, removed, added or renamed after the folder was signed.",
                 Severity.HIGH, "tampered"),
        RuleInfo("TSA202", "unsigned", "The model folder carries no signature.", Severity.INFO,
                 "none"),
        RuleInfo("TSA203", "signature-not-checked",
                 "A signature is present but no public key was given to check it.", Severity.LOW,
                 "none"),
        RuleInfo("TSA210", "manifest-digest-mismatch",
                 "A file's SHA-256 differs from the digest its manifest recorded at export.",
                 Severity.HIGH, "tampered"),
    ]
}


@functools.cache
def builtin_rules() -> dict[str, RuleInfo]:
    """The scanner's built-in rules and the audit's own, by id: an audit's catalogue before any
    user ``--config``."""
    from trojanscope.scan import load_policy

    return {**load_policy().rules, **AUDIT_RULES}
