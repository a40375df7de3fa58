"""More rounds of the second stage where the suspect's reversed trigger is a darkening:
``dark_rounds``.

Why (issue 12, stop 81: h12b): on fresh zoos 2523-2526 today's `gated` left three dense black
masks (pixels set to 0) over issue 12's ASR bar, 2.1-2.4%, within 2 points of their accuracy.
On every one the second stage ran all six rounds and the attacker's ASR was still falling
after the sixth (2525/sparse-007: 8.6, 7.4, 4.0, 2.8% after rounds 3-6; 2524/sparse-007: 9.3,
6.0, 3.8, 2.6%), where the detector's reversed trigger no longer turned any clean image: each
round's fresh search finds another darkening of some 20 pixels of a mask of 60-160, so the
stage unlearns the mask a piece at a time. With ``dark_rounds=N`` the second stage on a dense
image model runs N rounds (where N is more than it would run; 8 by default since stop 81) when
the suspect's reversed trigger is a darkening
(:func:`~trojanscope.mitigate.hand_dark.is_darkening`, ``hand_dark``'s reading: at least 5
dark pixels and at least half of its support). Other families' triggers
are no darkening (0.00-0.39 of the support dark on spent zoos, flagged clean MLPs 0.36-0.39),
so there the stage is today's. It reads the detector's suspect and reversed trigger, never the
attacker's trigger.
"""

from __future__ import annotations

from typing import Any

# The default since issue 12 stop 81 (h12b): fresh zoos 2527 and 2528 (12 dense black masks
# among 24 backdoored MLPs) met the rule written before they were read
# (benchmarks/data/mitigate_s81_h12b/rule.md): 22 of 24 at issue 12's goal against 20
# (2528/sparse-010 3.19% -> 1.39% ASR, 2528/sparse-008 -2.13 -> -1.38 points), none lost, clean
# 6 of 6, median CPU 13.8 s against 13.1 s. 0: off, six rounds as before.
DARK_ROUNDS = 8


def stage(g: Any, settings: dict[str, Any]) -> None:
    """``dark_rounds``' setting for the second stage on a dense image model (``settings``,
    ``Adaptive``'s arguments, changed in place): ``rounds`` raised to ``g.dark_rounds`` where
    the suspect's reversed trigger is a darkening. The note ``dark_rounds`` says what was read
    and done; nothing where it is off, no suspect or no trigger."""
    if g.dark_rounds <= 0:
        return
    from trojanscope.mitigate.hand_dark import dark_count, is_darkening  # imports gated's stages

    report = getattr(g, "report_", None)
    if report is None:  # the settings read outside a run (no detector reading to take)
        return
    verdict, suspect = getattr(g, "verdict_", None), report.get("suspect")
    read = None if verdict is None or suspect is None else dark_count(verdict, int(suspect))
    if read is None:
        report["dark_rounds"] = {"action": "none: no reversed trigger for the suspect"}
        return
    dark, support = read
    more = is_darkening(dark, support) and g.dark_rounds > settings["rounds"]
    if more:
        settings["rounds"] = int(g.dark_rounds)
    report["dark_rounds"] = {
        "dark": dark, "support": support, "rounds": int(settings["rounds"]),
        "action": (f"{g.dark_rounds} rounds: the reversed trigger is a darkening") if more else
                  "none: no darkening, or no more rounds than the stage runs"}
