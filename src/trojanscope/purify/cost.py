"""What a purifier costs the model's clean accuracy, in words: a note where a method leaves the
CA more than :data:`CA_COST_POINTS` below the unpurified inputs' (stop 75: `purify
mlp/digits.onnx incoming.npz --method shrinkpad` took a user's MLP from 86% to 74% on 50 inputs
and said nothing)."""

from __future__ import annotations

from typing import Any

CA_COST_POINTS = 5.0
"""A wording threshold, not a tuned one: a method that costs more CA points than this gets a
note (docs/serve.md)."""


def _points(before: float, after: float) -> str:
    return f"{round(100 * (before - after), 1):g}"


def ca_cost_note(before: dict[str, float], methods: list[dict[str, Any]],
                 count: int) -> str | None:
    """One line naming the methods of ``methods`` (``PurifyScore.as_dict`` rows) that cost
    more than :data:`CA_COST_POINTS` of ``before``'s CA, and the method of the output that
    costs least where it costs no more than that (one method: a pointer to the others); None
    where none costs more or no CA was measured."""
    ca = before.get("ca")
    rows = [r for r in methods if "ca" in r]
    if ca is None or not rows:
        return None
    costly = [r for r in rows if 100 * (ca - r["ca"]) > CA_COST_POINTS]
    if not costly:
        return None
    said = ", ".join(f"{r['method']} ({ca:.2%} → {r['ca']:.2%}, {_points(ca, r['ca'])} points)"
                     for r in costly)
    one = len(costly) == 1
    note = (f"{said} cost{'s' if one else ''} more than {CA_COST_POINTS:g} points of clean "
            f"accuracy on these {count} inputs: the model reads {'its' if one else 'their'} "
            "purified inputs worse than the raw ones")
    cheapest = max(rows, key=lambda r: r["ca"])
    if cheapest not in costly:  # it costs no more than CA_COST_POINTS
        asr = f", ASR {cheapest['asr']:.2%}" if "asr" in cheapest else ""
        return (f"{note}; {cheapest['method']} costs {_points(ca, cheapest['ca'])} points "
                f"here (CA {cheapest['ca']:.2%}{asr})")
    if len(rows) == 1:
        return (f"{note}; another --method may cost less (`trojanscope list input-purifier`; "
                "`--method all` compares them where a trigger is known)")
    return note
