"""Give a blended backdoor's suspect class back the accuracy the stages took: ``blend_last``
(`gated`'s default since issue 12 stop 68), the capped fit where the input model answers a
faint whole-image blend.

Why (issue 12, stop 68: h12): blended is the worst family of the fresh MNIST MLP zoos (38 of 76
at issue 12's goal over 2439-2476), and the largest group of ASR misses there (blended, the
detector's suspect the attacker's target, 2-5% left) was scored under defaults before
``mixed_last``; under today's default blended models miss on accuracy, lost on the suspect's own
images (stop 66). ``repair_last``'s fit towards the input model with the suspect's share capped
by the output's (:func:`~trojanscope.mitigate.repair_last.fit_repair`) gives it back: on stop
67's development rows it brought 13 of 14 blended models to the goal against 10, while on the
other families it tied or let the trigger back (WaNet 12 -> 9). What tells the families apart
without the attacker's trigger is the input model itself: a model trained on a blend answers a
faint one (``blend_push.blend_reach`` towards the suspect on the method's clean images at
opacity ``BLEND_GATE_ALPHA``: 0.98-1.00 on the 14 development blended models, at most 0.96 on
the 56 others), so the fit runs only where that reading is at least ``BLEND_BAR``. It runs only
where ``mixed_last`` fitted the output (a model the run changed, with a suspect and a reversed
trigger that no longer turns it), so a model the gate passed is never touched; it reads the
detector's suspect, the method's clean images and the input model, never the attacker's
trigger. On fresh zoos 2477/2478 (12 blended, 8 other backdoored, 6 clean MLPs) the gate opened
on the 12 blended models only and the step brought 14 of 20 backdoored to the goal against 11
(4 accuracy misses turned, one model pushed to 2.2% ASR), meeting the rule written before them
(benchmarks/data/mitigate_s68/plan.md): `gated`'s default since (``BLEND_LAST`` = 10).

The gate's reading (issue 12, stop 69: h12): over the 140 stored backdoored MLPs of zoos
2465-2478 the share at 0.15 left a gap of one image between the blended family and the others;
how steeply the share rises from a very faint blend to a faint one (``blend_rise``: the share
at ``RISE_HIGH`` less the share at ``RISE_LOW``) left 11. On fresh zoos 2479/2487 the two gates
agreed on all 20 backdoored models and the rise's gap was the wider (0.55 of its spread against
0.37), meeting the rule written before them (benchmarks/data/mitigate_s69/plan.md): the default
since (``BLEND_RISE`` = True; ``blend_rise=0`` reads the share at 0.15).

The fit's stop (``blend_stop``, issue 12, stop 70: h12; opt-in): the capped fit trades ASR
headroom for accuracy on the blended outputs it treats (2478/blended-001 pushed to 2.2%). With a
bar B the fitted output is read again as the gate reads the input model, its share sent to the
suspect by one searched blend (at ``STOP_ALPHA``), and where that is at least B the output before
the fit is handed back (:func:`stop_fit`). On development the reading did not see the give-back
(2478/blended-001 read 0.27 before the fit and 0.25 after), so the bar put to fresh zoos
2488/2489 was 0.9, above every development output; there it never fired (the one fitted output
read 0.64) and the rule written before them (benchmarks/data/mitigate_s70/plan.md) was not met:
opt-in.
"""

from __future__ import annotations

import copy
from typing import Any

from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ReversedTrigger
from trojanscope.mitigate.after_steps import trigger_after_step
from trojanscope.mitigate.base import with_state
from trojanscope.mitigate.blend_push import blend_reach
from trojanscope.mitigate.repair_last import fit_repair
from trojanscope.mitigate.step_note import mixed_unfitted, step_note

# The gate before stop 69 (``blend_rise=0``): the input model's blend reach towards the suspect
# at this opacity...
BLEND_GATE_ALPHA = 0.15
# ...at least this share of the clean images not of the suspect (development:
# benchmarks/data/mitigate_s68/dev-gate-table.txt; blended 0.978-1.000, the others <= 0.961).
BLEND_BAR = 0.97
# ``blend_rise`` (issue 12, stop 69: h12; the default since): the gate reads how steeply the
# blend turns the images instead, the share at RISE_HIGH less the share at RISE_LOW, at least
# RISE_BAR. A model trained on a blend ignores a very faint one and turns at once as it
# strengthens; patch, pixel and warp backdoors answer a little from the faintest blend on and
# rise slowly. Over the 140
# stored backdoored MLPs of zoos 2465-2478 (benchmarks/data/mitigate_s69/gate-table.txt)
# blended 0.878-0.978, the others at most 0.817: a gap of 11 images of 180 where the share at
# 0.15 leaves one; the bar in the middle of it.
RISE_LOW = 0.02
RISE_HIGH = 0.13
RISE_BAR = 0.85
# ``blend_stop`` (issue 12, stop 70: h12; opt-in): the fitted output read again, its share sent to
# the suspect by one searched blend at STOP_ALPHA (the push's opacity, ``blend_push.BLEND_ALPHA``:
# the outputs answer no fainter blend, 0.00-0.03 at 0.13-0.15 on development); at least the
# option's bar, the fit is undone. STOP_BAR: the bar the stop-70 rule reads, over every fitted
# development output (0.12-0.86; benchmarks/data/mitigate_s70/plan.md).
STOP_ALPHA = 0.3
STOP_BAR = 0.9


def gate_reading(gated: Any, model: nn.Module, clean: TensorDataset, suspect: int,
                 note: dict) -> tuple[float, float]:
    """The gate's reading of the input model ``model`` towards ``suspect`` and its bar, the
    readings written into ``note``: with ``blend_rise`` the share at ``RISE_HIGH`` less the
    share at ``RISE_LOW`` against ``RISE_BAR``, otherwise the share at ``BLEND_GATE_ALPHA``
    against ``BLEND_BAR``."""
    if not gated.blend_rise:
        reach = blend_reach(model, clean.x, clean.y, suspect, BLEND_GATE_ALPHA)
        note["blend"] = round(reach, 4)
        return reach, BLEND_BAR
    high = blend_reach(model, clean.x, clean.y, suspect, RISE_HIGH)
    low = blend_reach(model, clean.x, clean.y, suspect, RISE_LOW)
    note.update(blend=round(high, 4), blend_low=round(low, 4), rise=round(high - low, 4))
    return high - low, RISE_BAR


def blend_step(gated: Any, out: nn.Module, came: dict, clean: TensorDataset, seed: int,
               trigger: ReversedTrigger) -> nn.Module:
    """Where ``mixed_last`` fitted ``out`` and the input model (state ``came``) answers a faint
    blend towards the suspect (:func:`gate_reading` at least its bar; by default, since stop
    69, its share there rising by at least ``RISE_BAR`` from opacity ``RISE_LOW`` to
    ``RISE_HIGH``; with ``blend_rise=0`` at least ``BLEND_BAR`` of the clean images not of the
    suspect sent there at ``BLEND_GATE_ALPHA``): ``gated.blend_last`` epochs of
    :func:`~trojanscope.mitigate.repair_last.fit_repair` on ``out``, in place; otherwise
    ``out`` as it came. ``trigger`` is not read (the registered step's signature). The note's
    ``blend_last`` gives the epochs, the reading(s), the bar, the opacity, what was done and
    the seconds. Its own function so a benchmark can spy on it."""
    del trigger
    with step_note(gated, "blend_last") as note:
        rise = bool(gated.blend_rise)
        note.update(epochs=gated.blend_last, bar=RISE_BAR if rise else BLEND_BAR,
                    alpha=[RISE_LOW, RISE_HIGH] if rise else BLEND_GATE_ALPHA)
        if mixed_unfitted(gated, note):
            return out.eval()
        suspect = int(gated.report_["suspect"])
        reading, bar = gate_reading(gated, with_state(out, came), clean, suspect, note)
        if reading < bar:
            note["action"] = "none: the input model does not answer a faint blend"
            return out.eval()
        undone = copy.deepcopy(out) if gated.blend_stop else None
        fit_repair(out, came, clean, suspect, seed, gated.blend_last)
        note["action"] = ("fitted towards the input model with the suspect's share capped, "
                          "still unlearning: the input model answers a faint blend")
        if undone is not None:
            return stop_fit(gated, out.eval(), undone, clean, suspect, note)
    return out.eval()


def stop_fit(gated: Any, fitted: nn.Module, undone: nn.Module, clean: TensorDataset,
             suspect: int, note: dict) -> nn.Module:
    """``blend_stop``: ``fitted`` (the output after the capped fit) read again, the share of
    ``clean``'s images not of ``suspect`` one searched blend at ``STOP_ALPHA`` sends there; at
    least ``gated.blend_stop``, ``undone`` (the output before the fit) is handed back, the fit
    having let the blend back in; otherwise ``fitted``. The reading goes into ``note``."""
    reading = blend_reach(fitted, clean.x, clean.y, suspect, STOP_ALPHA)
    note.update(stop=gated.blend_stop, stop_alpha=STOP_ALPHA, stop_read=round(reading, 4))
    if reading < gated.blend_stop:
        return fitted
    note["action"] = ("fitted, then undone: the fitted output answers the blend again "
                      "(blend_stop)")
    return undone.eval()


after_step = trigger_after_step("blend_last", __name__, "blend_step", came=True)
