"""What the opt-in probes a user asked of ``auto`` read, where no shipped term turns the reading
into the probability (``-p sig_probe=true``, ``-p blend_low=true``; issue 9, stop 77).

Both record per-class shares on an image model with a global-average-pooling head read with
clean images, and nothing on any other. Before stop 78 ``detect`` printed neither: a user who
asked for a probe saw the same text whether it ran, found a class, or could not run (stop 78
first contact, hcmd: a GAP head and a user's CNN without one read alike).
"""

from __future__ import annotations

from typing import Any

from trojanscope.detect.blend_low import LOW_LOGIT, low_lead
from trojanscope.detect.sig_probe import SIG_LOGIT, sig_lead

__all__ = ["asked_notes"]

NOTHING = ("recorded nothing: the probe reads only image models with a global-average-pooling "
           "head, given clean images (--data)")


def asked_notes(detector: Any, features: dict[str, float]) -> list[str]:
    """One line per opt-in probe ``detector`` ran (its ``sig_probe`` / ``blend_low`` switch on):
    the class its shares reach first, by how much, and that the probability does not read it;
    or that it recorded nothing. A reading its term raised on (a calibration file's blend-low
    or sig entry, stop 78) is left to the term's own note."""
    notes = []
    if getattr(detector, "sig_probe", False) and SIG_LOGIT not in features:
        notes.append(_note("-p sig_probe=true", "one sinusoid in SIG's form", sig_lead(features),
                           "it moves the probability only where a calibration file's sig entry "
                           "raises on it, and it did not here (the shipped file has no such "
                           "entry; sig_share_<class> and sig_phase_<class> in --format json)"))
    if getattr(detector, "blend_low", False) and LOW_LOGIT not in features:
        notes.append(_note("-p blend_low=true", "its blend at opacity 0.05", low_lead(features),
                           "it moves the probability only where a calibration file's blend-low "
                           "entry raises on it, and it did not here (the shipped file has no "
                           "such entry; blend_low_share_<class> in --format json)"))
    return notes


def _note(asked: str, what: str, lead: tuple[int, float, float] | None, read: str) -> str:
    """The line for one probe: its top class and lead, or :data:`NOTHING`."""
    if lead is None:
        return f"{asked} {NOTHING}"
    cls, share, ahead = lead
    return (f"{asked}: {what} sends {share:.2f} of the other classes' clean inputs to class "
            f"{cls}, {ahead:.2f} more than to the next class; {read}")
