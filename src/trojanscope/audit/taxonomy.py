"""Maps each finding's rule to MITRE ATLAS techniques and NIST AI 100-2 (E2025) attack classes,
so a risk team can file findings under the frameworks it reports against.

The mapping is by rule id; rules with no adversarial meaning (an unreadable file, a scanner
limit) map to nothing.
"""

from __future__ import annotations

from typing import Any

ATLAS = {
    "AML.T0010": "ML Supply Chain Compromise",
    "AML.T0011.000": "User Execution: Unsafe ML Artifacts",
    "AML.T0018": "Backdoor ML Model",
    "AML.T0020": "Poison Training Data",
}
ATLAS_URL = "https://atlas.mitre.org/techniques/{}"

NIST_BACKDOOR = "Integrity violation / Poisoning / Backdoor poisoning"
NIST_MODEL = "Integrity violation / Poisoning / Model poisoning (supply chain)"

_BACKDOOR = (["AML.T0018", "AML.T0020"], [NIST_BACKDOOR])
_CODE_IN_FILE = (["AML.T0010", "AML.T0011.000"], [NIST_MODEL])
_TAMPERED = (["AML.T0010"], [NIST_MODEL])
_NONE: tuple[list[str], list[str]] = ([], [])

# Rules with no adversarial meaning (technical problems, allowlisted imports, bookkeeping).
_NEUTRAL = {"TS100", "TS110", "TS900", "TS999", "TSA202", "TSA203"}
_BY_RULE = {
    "TSA100": _BACKDOOR,
    "TSA101": _BACKDOOR,
    "TSA200": _TAMPERED,
    "TSA201": _TAMPERED,
    "TSA210": _TAMPERED,
    "TS200": _TAMPERED,
    "TS201": _TAMPERED,
    "TS202": _TAMPERED,
    "TS203": _TAMPERED,
    "TS204": _TAMPERED,
    "TS300": _TAMPERED,
    "TS310": _TAMPERED,
    "TS311": _TAMPERED,
    "TS180": _TAMPERED,
    "TS181": _TAMPERED,
    "TS183": _TAMPERED,
    "TS182": _TAMPERED,  # not fully analysed: limits are what evasive files aim at
    "TS206": _TAMPERED,
}


def classify(rule_id: str) -> dict[str, Any]:
    """``{"atlas": [{"id", "name", "url"}…], "nist": [class…]}`` for ``rule_id``."""
    if rule_id in _NEUTRAL:
        atlas, nist = _NONE
    elif rule_id in _BY_RULE:
        atlas, nist = _BY_RULE[rule_id]
    elif not rule_id.startswith("TSA"):  # other scanner rules (custom ones too): code on load
        atlas, nist = _CODE_IN_FILE
    else:
        atlas, nist = _NONE
    return {
        "atlas": [{"id": t, "name": ATLAS[t], "url": ATLAS_URL.format(t)} for t in atlas],
        "nist": list(nist),
    }
