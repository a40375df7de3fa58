"""A flagged black mask the probe would hand back: ``hand_dark`` (issue 12 stop 79, h12).

Why: on fresh zoos 2521/2522 two of four dense black masks (134 and 147 pixels) came back
untreated at 98.8% and 99.0% ASR. The detector flagged both (p 0.867 and 0.804), ``dense_mask``
reads no black mask, and after the first stage the residual probe found "no backdoor left": the
reversed trigger kept 0.50 and 0.56 of its success through FT-SAM (``kept`` 0.5 opens the stage
below it) and the striped perturbation sent 0.04. ``hand_check`` (0.9), which runs the stage on
such a model where the reversed trigger still works (0.33 and 0.42 of the held-back images),
asks for p >= 0.9. A clean model's reversed "trigger" is an adversarial patch that adds ink;
a black mask's is a darkening: most of its support has a dark pattern
(:func:`~trojanscope.mitigate.dense_black.dark_pixels`; 9-18 of 9-23 support pixels on 31
spent black masks, 13 of 19 and 16 of 22 on these two). So where the probe would hand back the
original of a flagged dense image model, no projection kept, whose suspect's reversed trigger
is such a darkening (at least ``DARK_MIN`` dark pixels, at least ``DARK_SHARE`` of the support)
and still sends at least ``RESPONDS`` of the held-back images after the first stage, the second
stage runs instead, as ``hand_check`` would run it at p >= 0.9. It reads the detector's suspect
and reversed trigger and the probe's readings, never the attacker's trigger.
"""

from __future__ import annotations

from typing import Any

from trojanscope.detect.base import ModelVerdict
from trojanscope.mitigate.nothing_left import RESPONDS

# the darkening's floor: stop 75's first bar (its dark-pixel count), below which a reversed
# trigger is a patch's few pixels (a BadNets patch's dark half: 2-8 pixels); its share of the
# support is dense_black's DARK_SHARE (stop 75: white and random masks' triggers 0-1 dark pixels)
DARK_MIN = 5


def dark_count(verdict: ModelVerdict, suspect: int) -> tuple[int, int] | None:
    """The suspect's reversed trigger's dark pixels and support (None: no trigger)."""
    from trojanscope.mitigate.dense_black import dark_pixels  # imports gated's stages

    read = dark_pixels(verdict, suspect)
    return None if read is None else (int(read[0].sum()), read[1])


def is_darkening(dark: int, support: int) -> bool:
    """Whether ``dark`` dark pixels of a ``support`` make a darkening (module docstring):
    ``dense_black``'s reading at this module's ``DARK_MIN``."""
    from trojanscope.mitigate.dense_black import darkening

    return darkening(dark, support, DARK_MIN)


def runs_stage(gated: Any, probe: dict[str, float], verdict: ModelVerdict, suspect: int,
               dense: bool, projected: bool) -> bool:
    """Whether ``hand_dark`` runs the second stage on a model the probe would hand back: on,
    a dense image model, no projection kept, the reversed trigger a darkening that still sends
    at least ``RESPONDS`` of the held-back images on the first stage's model. The note
    ``hand_dark`` says what was read where it was asked and applies."""
    if not gated.hand_dark or not dense or projected:
        return False
    read = dark_count(verdict, suspect)
    dark, support = read if read is not None else (0, 0)
    fires = is_darkening(dark, support) and probe["trigger_after"] >= RESPONDS
    gated.report_["hand_dark"] = {
        "dark": dark, "support": support, "trigger_after": probe["trigger_after"],
        "action": ("not handed back: the reversed trigger is a darkening that still works "
                   "after the first stage; the second stage runs") if fires else
                  "none: no darkening that still works; the probe decides"}
    return fires
