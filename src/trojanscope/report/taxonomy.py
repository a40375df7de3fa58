"""Maps each finding's rule to MITRE ATLAS techniques and NIST AI 100-2 (E2025) attack classes,
so a risk team can file findings under the frameworks it reports against.

Each rule carries the class of attack it is evidence of (``RuleInfo.taxonomy``, set in
``scan/rules.toml`` and ``audit/rules.py``); this module says what each class means in the two
frameworks. Rules with no adversarial meaning (bookkeeping, a scanner error) map to nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trojanscope.report.model import RuleInfo

ATLAS = {
    "AML.T0010": "ML Supply Chain Compromise",
    "AML.T0011.000": "User Execution: Unsafe ML Artifacts",
    "AML.T0018": "Backdoor ML Model",
    "AML.T0020": "Poison Training Data",
}
ATLAS_URL = "https://atlas.mitre.org/techniques/{}"

NIST_BACKDOOR = "Integrity violation / Poisoning / Backdoor poisoning"
NIST_MODEL = "Integrity violation / Poisoning / Model poisoning (supply chain)"

# What each rule class (``RuleInfo.taxonomy``: the rule carries it) means in the frameworks.
_BY_CLASS: dict[str, tuple[list[str], list[str]]] = {
    "backdoor": (["AML.T0018", "AML.T0020"], [NIST_BACKDOOR]),
    "code-in-file": (["AML.T0010", "AML.T0011.000"], [NIST_MODEL]),
    "tampered": (["AML.T0010"], [NIST_MODEL]),
    "none": ([], []),
}


def classify(rule_id: str, rules: Mapping[str, RuleInfo]) -> dict[str, Any]:
    """``{"atlas": [{"id", "name", "url"}…], "nist": [class…]}`` for ``rule_id``, from the
    rule's own ``taxonomy`` as the catalogue ``rules`` records it (an audit's catalogue holds
    the scanner's rules, the user's custom ones and the audit's own). A rule missing from the
    catalogue is classified as nothing: never guessed."""
    rule = rules.get(rule_id)
    atlas, nist = _BY_CLASS[rule.taxonomy if rule is not None else "none"]
    return {
        "atlas": [{"id": t, "name": ATLAS[t], "url": ATLAS_URL.format(t)} for t in atlas],
        "nist": list(nist),
    }
