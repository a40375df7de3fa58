"""`gated`'s ``fit_back``: a well-fitted dense image model that a gate opened below the detector's
gate, and in which the projection found no stripe, comes back untreated before the first stage.

What and why (issue 12, stop 81 h12c): the stages fine-tune a model on the method's ~100 clean
images. On a model fitted to far more images (an ``mnist`` MLP, about 0.9-0.95 of its clean
images right) that costs accuracy, and where the detector rated the model below ``gate`` and
only ``stripe_gate`` or ``dense_gate`` opened it, spent user runs show that cost and no gain:
clean MLPs 344b (the stripe gate) -5.05 and 354b (``dense_gate``) -4.95 points, weak runs 340a
-6.93 and 352a -4.04, none of them brought to the goal. The one run such an opening took to the
goal through the stages was a user-file MLP trained on 200 images (271a, right on 0.69 of its
images), which the stages' fine-tuning also lifted (+3.96). A SIG MLP the detector passes is
well fitted too, and the stages take it to the goal: every one on the spent zoos 2511-2524
showed the stripe to ``dense_project``'s own reading (the stripe's reach on the model as it
came at least ``PROJECT_REACH``, 0.35; 0.356-0.956), where clean zoo MLPs read 0.07-0.13.

With ``fit_back=A`` such a model comes back as it came where (1) ``stripe_gate`` or
``dense_gate`` opened it below ``gate``, (2) ``dense_project`` ran and read no stripe (its reach
on the model as it came under ``PROJECT_REACH``: the projection undone for that reason), and
(3) it classifies at least A of the clean images the stages would train on. ``dense_mask`` and
``mask_black`` run before it and keep their models; flagged models, ``force=1`` and a run
without the projection's reading are never handed back. The note's ``fit_back`` says what was
read. Reads the method's own clean images only. The default (0.86) since issue 12 stop 81:
on fresh user runs 392-403 it handed back a clean ``mnist`` MLP the stages cost 6.00 points
(+0.00), lost no run at the goal and cut the median method CPU of the runs it reached from
4.4 s to 3.2 s. 0: off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.engine.metrics import accuracy
from trojanscope.mitigate.dense_gate import opened
from trojanscope.mitigate.gated_defaults import PROJECT_REACH
from trojanscope.mitigate.gated_stripe_gate import stripe_opened

if TYPE_CHECKING:
    from trojanscope.mitigate.gated import Gated

__all__ = ["FIT_BACK", "fits_back", "stripe_read"]

# the default since its rule was met on fresh user runs 392-403 (docs/benchmarks.md, issue 12
# stop 81 h12c: clean runs losing more than 1 point 2 -> 1, none lost at the goal, CPU 3.2 s
# against 4.4 s); DENSE_TEACHER's line between ill- and well-fitted MLPs. 0: off
FIT_BACK = 0.86


def _opened_by(g: Gated) -> str | None:
    """Which gate opened this run below the detector's gate: ``stripe_gate``, ``dense_gate``,
    or None (the detector flagged it, or nothing opened)."""
    if stripe_opened(g):
        return "stripe_gate"
    return "dense_gate" if opened(g) else None


def stripe_read(project: dict[str, Any] | None) -> float | None:
    """The stripe's reach on the model as it came, as ``dense_project`` read it, where the
    projection was undone (no direction kept); None: no such reading (the projection did not
    run, or it kept a direction: a stripe)."""
    if not project or project.get("directions", 0) != 0:
        return None
    reach = project.get("reach_projected")
    return float(reach[0]) if reach else None


def fits_back(g: Gated, model: nn.Module, clean: TensorDataset, p: float) -> bool:
    """Whether ``fit_back`` hands ``model`` back before the first stage: on, rated ``p`` below
    ``gate`` (not forced), opened by ``stripe_gate`` or ``dense_gate``, no stripe in
    ``dense_project``'s reading, and right on at least ``fit_back`` of ``clean``. The note
    ``fit_back`` says what was read where it is on and a gate opened."""
    if g.fit_back <= 0 or g.force or p >= g.gate:
        return False
    by = _opened_by(g)
    if by is None:
        return False
    reach = stripe_read(g.report_.get("project"))
    seen: dict[str, Any] = {"opened_by": by, "stripe": reach, "bar": g.fit_back}
    g.report_["fit_back"] = seen
    if reach is None or reach >= PROJECT_REACH:
        seen["action"] = ("none: the projection kept a stripe or did not read one "
                          "(no evidence that there is none); the stages run" if reach is None
                          else f"none: the stripe reached {reach:.2f} >= {PROJECT_REACH} on "
                               "the model as it came (SIG's evidence); the stages run")
        return False
    acc = accuracy(model, clean.x, clean.y)
    back = acc >= g.fit_back
    seen["accuracy"] = round(acc, 4)
    seen["action"] = (
        f"handed back: {by} opened it below the gate, the projection read no stripe "
        f"({reach:.2f} < {PROJECT_REACH}) and it classifies {acc:.3f} >= fit_back "
        f"{g.fit_back} of the clean images; the stages would only cost it accuracy" if back
        else f"none: it classifies {acc:.3f} < fit_back {g.fit_back} of the clean images; "
             "the stages run")
    return back
