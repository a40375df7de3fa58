"""`gated`'s ``fit_back``: a well-fitted dense image model that a gate opened below the detector's
gate comes back untreated where the stages would run.

What and why (issue 12, stop 81 h12c): the stages fine-tune a model on the method's ~100 clean
images. On a model fitted to far more images (an ``mnist`` MLP, about 0.95 of its clean images
right) that can only cost accuracy, and where the detector rated the model below ``gate`` and
only ``stripe_gate`` or ``dense_gate`` opened it, spent user runs show that cost and no gain:
clean MLPs 344b (the stripe gate) -5.05 and 354b (``dense_gate``) -4.95 points, weak runs 340a
-6.93 and 352a -4.04, none of them brought to the goal. The one run such an opening took to the
goal through the stages was a user-file MLP trained on 200 images (271a, 0.69 of its images
right), which the stages' fine-tuning also lifted (+3.96). With ``fit_back=A`` such a model comes
back as it came where it classifies at least A of the method's clean images; a stripe-gate
opening at or above :data:`SIG_REACH` (SIG's shape: development SIG MLPs 0.93-1.00, clean
zoo MLPs at most 0.71) is never handed back. ``dense_mask`` and ``mask_black`` run before it
and keep their models; flagged models (p at or above ``gate``) and ``force=1`` are never read.
The note's ``fit_back`` says what was read. Reads the method's own clean images only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.engine.metrics import accuracy
from trojanscope.mitigate.dense_gate import OPENED, opened

if TYPE_CHECKING:
    from trojanscope.mitigate.gated import Gated

__all__ = ["FIT_BACK", "SIG_REACH", "fits_back"]

FIT_BACK = 0.0  # off; A in (0, 1]: the model back where it classifies >= A of the clean images
# a stripe-gate opening reaching this share is SIG's evidence, never handed back (stop 46's
# readings: gated-out SIG MLPs 0.93-1.00 towards their target, clean zoo MLPs at most 0.711)
SIG_REACH = 0.9


def _opened_by(g: Gated) -> str | None:
    """Which gate opened this run below the detector's gate: ``stripe_gate``, ``dense_gate``,
    or None (the detector flagged it, or nothing opened)."""
    if str(g.report_.get("stripe_gate", {}).get("action", "")).startswith(OPENED):
        return "stripe_gate"
    return "dense_gate" if opened(g) else None


def fits_back(g: Gated, model: nn.Module, clean: TensorDataset, p: float) -> bool:
    """Whether ``fit_back`` hands ``model`` back untreated: on, rated ``p`` below ``gate``,
    opened by ``stripe_gate`` (reach under :data:`SIG_REACH`) or ``dense_gate``, and right on
    at least ``fit_back`` of ``clean``. The note ``fit_back`` says what was read where it is
    on and a gate opened."""
    if g.fit_back <= 0 or g.force or p >= g.gate:
        return False
    by = _opened_by(g)
    if by is None:
        return False
    reach = float(g.report_["stripe_gate"].get("reach", 0.0)) if by == "stripe_gate" else None
    if reach is not None and reach >= SIG_REACH:
        g.report_["fit_back"] = {"opened_by": by, "reach": reach, "action": (
            f"none: the stripe reached {reach:.2f} >= {SIG_REACH} (SIG's evidence); the "
            "stages run")}
        return False
    acc = accuracy(model, clean.x, clean.y)
    back = acc >= g.fit_back
    g.report_["fit_back"] = {
        "opened_by": by, "accuracy": round(acc, 4), "bar": g.fit_back,
        **({"reach": reach} if reach is not None else {}),
        "action": (f"handed back: {by} opened it below the gate and it classifies "
                   f"{acc:.3f} >= fit_back {g.fit_back} of the clean images; the stages "
                   "would only cost it accuracy") if back else
                  (f"none: it classifies {acc:.3f} < fit_back {g.fit_back} of the clean "
                   "images; the stages run")}
    return back
