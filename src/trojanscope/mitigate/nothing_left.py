"""What `gated` hands back when its residual probe finds no backdoor left after the first stage.

The probe's ``revert`` exists for one case: a *clean* model the detector flagged, whose first
stage's cost it undoes by returning the original (every flagged clean development MLP rated
p <= 0.436: 30 clean MLPs of zoos 1900-2404, docs/benchmarks.md, issue 12 stop 40). It fired
on two other kinds of model, and on those it was the miss:

- **A model the detector is sure of** (p >= ``sure``), whose reversed trigger kept 0.53-0.66 of
  its success through FT-SAM because FT-SAM did not remove the backdoor (zoo-2401's sparse-004
  and its two WaNet MLPs, zoo-2402's sparse-009, zoo-2405's blended-006 and wanet-003, all at
  p >= 0.993): the original came back with its backdoor. Here the second stage runs as if the
  probe had found one (``stage``).
- **A model whose stripe projection was kept** (the projection's own test read a striped
  shortcut that the reversed trigger lost much of its success through: SIG's shape): the
  projected model came back, with the projection's accuracy cost (zoo-2404's sig-002 and
  sig-004 at -4.5 and -3.1, zoo-2405's sig-002 at -4.4), although the first stage, trained
  from the projected model, had taken most of that cost back at ASR <= 1.2%. Here the first
  stage's model comes back (``first``).

Neither reads the attacker's trigger or target: p is the detector's, the projection's test the
method's own (``gated.keep_projection``).
"""

from __future__ import annotations

# ``gated``'s candidate value for ``sure`` (opt-in until a fresh zoo meets its rule): above every
# flagged clean development MLP's p (at most 0.436) and under every backdoored model the probe
# handed back with its backdoor (p 0.993-1.000), issue 12 stop 40.
SURE = 0.9

CHOICES = ("revert", "first", "stage")

# ``weak_first``'s default (fresh zoos 2409 and 2410 met its rule, issue 12 stop 42): between
# the reversed triggers of SIG MLPs (0.00-0.44 of the held-back images before the first stage)
# and every other backdoored MLP's (0.56-0.92) in the probe's readings on zoos 2404-2408
# (benchmarks/data/mitigate_s40, mitigate_s41).
WEAK = 0.5


def weak_evidence(probe: dict[str, float], weak: float, perturbation: float) -> bool:
    """Whether the residual ``probe`` (:func:`~trojanscope.mitigate.residual.residual`) rests on
    a weak reversed trigger only: with ``weak`` > 0, one that sent fewer than ``weak`` of the
    held-back images before the first stage (what it "kept" through that stage is a few images'
    noise), while the striped perturbation, SIG's own evidence, sends fewer than
    ``perturbation``. zoo-2408's sig-007: FT-SAM had left 0.0% ASR at +0.7, its trigger (0.22)
    kept 0.40 and opened a second stage that cost 3.6 points (issue 12 stop 41)."""
    return weak > 0 and probe["trigger_before"] < weak and probe["perturbation"] < perturbation


def after_nothing_left(projected: bool, p: float, *, project_first: bool, sure: float) -> str:
    """What to do when the probe found no backdoor left: ``"first"`` (return the first stage's
    model) where a projection was kept and ``project_first`` is set; otherwise ``"stage"`` (run
    the second stage anyway) where ``sure`` > 0 and the detector's ``p`` is at least ``sure``;
    otherwise ``"revert"`` (``gated``'s ``revert`` decides, as before)."""
    if projected and project_first:
        return "first"
    if not projected and sure > 0 and p >= sure:
        return "stage"
    return "revert"


# ``hand_check``'s evidence floor: the probe's own (``residual.MIN_BEFORE``), read here on the
# first stage's model: a reversed trigger that still sends at least this share of the held-back
# images after the first stage has not been removed by it.
RESPONDS = 0.2


def still_responds(probe: dict[str, float], p: float, *, projected: bool, bar: float) -> bool:
    """``hand_check``: whether a model about to be handed back without the second stage (the
    original where the probe found nothing left, the first stage's model on weak evidence)
    should go through the stage instead: with ``bar`` > 0, the detector rated it at ``p >= bar``,
    no stripe projection was kept (a kept projection is SIG's case, which ``project_first``
    and ``weak_first`` handle), and the reversed trigger still sends at least ``RESPONDS`` of the
    held-back images on the first stage's model (``trigger_after``): what the detector is sure
    of is still there. On development MLPs the probe handed back five originals at p 1.000
    whose first stage had left the trigger at 0.36-0.49 of the images (zoos 2405, 2410, 2411,
    2413; 22-100% ASR); ``gated``'s default since issue 12 stop 46 (``HAND_CHECK``)."""
    return (bar > 0 and not projected and p >= bar
            and probe["trigger_after"] >= RESPONDS)


def projected_responds(probe: dict[str, float], p: float, *, projected: bool, bar: float,
                       floor: float) -> bool:
    """``hand_projected``: whether a projected model about to be handed back (a stripe
    projection kept, the probe found no backdoor left) should go through the second stage
    instead: with ``floor`` > 0 and ``bar`` > 0, the detector rated it at ``p >= bar`` and the
    suspect's reversed trigger still sends at least ``floor`` of the held-back images on the
    projected model itself (the probe's ``trigger_before``: its reference there is the projected
    model). SIG's reversed triggers are weak (0.00-0.44 before the first stage, ``WEAK``'s
    readings); zoo-2433's badnets-000, whose striped projection was kept and which came back at
    97.6% ASR, read 0.62 at p 1.000 (issue 12 stop 49, h12f; opt-in)."""
    return (floor > 0 and bar > 0 and projected and p >= bar
            and probe["trigger_before"] >= floor)
