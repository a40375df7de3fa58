"""End the second stage's rounds on a dense image model once the backdoor's trigger is spent:
``round_stop``.

Why (issue 12, stop 73: h12a): on BadNets MLPs the second stage's six rounds, which distil
towards the input model, give back some of the accuracy FT-SAM took in the first rounds and take
it again in the last ones, for a few tenths of a point of the attacker's success
(2489/badnets-005: -1.6 points after round 3 at 0.6% ASR, -3.4 after round 6 at 0.1%;
docs/benchmarks.md, issue 12 stops 72 and 73). ``dense_stop`` (stop 40b) reads the same thing,
the mean probability the detector's reversed triggers the stage started from give their class
on the method's clean images, but also stops where a round took less than a tenth off it; on
MLPs that second stop ends the stage after round 4 or 5 on most BadNets models, well before the
trigger is spent. ``round_stop=P`` keeps the first reading only: the rounds stop after the
round that leaves it at most P; the cap (``rounds``, ``dense_rounds``) stays as it is, so the
stage can only be shortened, and the after-steps (``free_reach``, ``teach_last``,
``mixed_last``) still take what residue it leaves. It reads the detector's reversed triggers
and the method's clean images, never the attacker's trigger. Where ``dense_stop`` is set it
decides, as before.
"""

from __future__ import annotations

from typing import Any

# Off by default: opt-in until a fresh population meets the rule written before it.
ROUND_STOP = 0.0


def stage(g: Any, settings: dict[str, Any]) -> None:
    """``round_stop``'s settings for the second stage on a dense image model (``settings``,
    ``Adaptive``'s arguments, changed in place): ``stop_trigger`` at ``g.round_stop`` with no
    second stop (``stop_fall`` 0). Nothing where it is off or ``dense_stop`` is set."""
    if g.round_stop > 0 and g.dense_stop is None:
        settings["stop_trigger"] = float(g.round_stop)
        settings["stop_fall"] = 0.0
