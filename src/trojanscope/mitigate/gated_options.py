"""`gated`'s options for the gate, the residual probe and the projection: typed, checked, explained.

Why: `gated` has about fifty options, and each one's range check, default and the evidence
behind it belong together. Each group is a frozen dataclass whose fields are the ``-p`` options
of the same names; it refuses a value out of range with one line (ValueError, which the
registry turns into one error line) and resolves the defaults that say nothing where they do
not apply. :class:`~trojanscope.mitigate.gated.Gated` builds the groups and keeps every value as
an attribute of the same name (``get_params`` reads them there). The second stage's options
and what runs after it are in :mod:`~trojanscope.mitigate.gated_stage_options`; the first
stage's options on a dense image model in :mod:`~trojanscope.mitigate.dense_options`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from trojanscope import registry
from trojanscope.mitigate.conv_gate import CONV_GAP, CONV_GATE
from trojanscope.mitigate.dense_back import DENSE_BACK
from trojanscope.mitigate.dense_fall import DENSE_FALL
from trojanscope.mitigate.dense_gate import DENSE_GATE
from trojanscope.mitigate.fit_back import FIT_BACK
from trojanscope.mitigate.gated_defaults import (
    CANDIDATES,
    DEFAULT_GATE,
    DENSE_PROJECT,
    HAND_CHECK,
    HAND_DARK,
    KEPT,
    PROBE_EPS,
    PROJECT_KEPT,
    RESIDUAL,
    STRIPE_GATE,
)
from trojanscope.mitigate.nothing_left import WEAK
from trojanscope.mitigate.project_cost import PROJECT_COST
from trojanscope.mitigate.read_least import READ_LEAST
from trojanscope.params import check_flag, check_option

KEPT_ALWAYS = 1.01  # ``kept`` above any share: the residual probe never skips the second stage


def settle(group: object, name: str, value: object) -> None:
    """Set a frozen group's field to its checked or resolved value."""
    object.__setattr__(group, name, value)


@dataclass(frozen=True)
class GateOptions:
    """Whether a model is treated at all, and by what first stage.

    Arguments:
        detector: the registered detector that rates the model (``auto``: calibrated, and
            cheap on small image models).
        gate: treat the model when the calibrated probability is at least this; below it the
            model is returned unchanged (chosen on our development zoos: every backdoored
            model there rated at or above it).
        then: the mitigation that treats a flagged model (with its own defaults).
        force: 1 treats the model whatever the detector says (without ``unlearn`` the
            detector is not run; with it, it runs for the suspect class only, and ``revert``
            does not apply: a forced model is never handed back untreated).
        stripe_gate: with R > 0, a dense image model (as for ``dense_project``) that the
            detector rated below ``gate`` is treated anyway where a striped perturbation of at
            most ``probe_eps`` towards the detector's suspect class sends at least R of the
            held-back clean images there (SIG's shape, which the detector can rate low:
            development SIG MLPs at p 0.158, 0.200 and 0.074); the note's ``stripe_gate`` entry
            gives the reach. Default 0.78 (with ``stripe_top=0``, ``stripe_eps=0.4``; issue 12
            stop 46, h12c: met its rule on fresh zoos 2419/2420, ``STRIPE_GATE``); 0: the
            detector's p alone decides (the default before). Before stop 46, development data only
            (issue 12 stop 37, corrected in stop 38: the three gated-out SIG MLPs reached 0.67,
            0.98 and 0.56 (zoo-2402's sig-007, first read at 0.000 on its projected model), and
            all three came back at the goal; clean development MLPs reached at most 0.311,
            zoo-2200's clean-000); opt-in until a fresh zoo meets a rule written before
            it (zoo-2403's could not test it: no backdoored model there was gated out, and its
            one gated-out clean MLP reached 0.400; issue 12 stop 38; nor zoo-2404's: its one
            gated-out SIG MLP had the detector's second class as its target, reach 0.18 towards
            the suspect and 0.87 towards the target, and its six clean MLPs 0.04-0.16; stop 39).
            Where it cannot apply (not a dense image model, ``force=1``) the note's
            ``stripe_gate`` entry says it was skipped.
        stripe_top: ``stripe_gate`` reads the stripe's reach towards each of the detector's
            top K classes (at most ``CANDIDATES``), not its first suspect alone, and opens on
            the class reached best, which then becomes the suspect of both stages (default 1:
            1: the first suspect only; 0, the default: every class the detector ranked). A
            gated-out SIG MLP's target was the detector's second class on zoos 2404 and 2411,
            outside its top three on zoo-2417 (issue 12 stop 46). ``stripe_top=3`` changed no
            model of fresh zoos 2417 and 2418 (its rule failed); ``stripe_top=0`` opened
            2419/sig-002 (97.1% -> 0.0% ASR, -1.8 points) and changed no other model of fresh
            zoos 2419 and 2420 (docs/benchmarks.md, issue 12 stop 46, h12c).
        stripe_eps: the stripe gate's largest perturbation per pixel (default 0.4, the
            second stage's own bound; unset: ``probe_eps``, as before stop 46).
        conv_gate: with R > 0, an image model with a convolution that the detector rated below
            ``gate`` is treated anyway where a striped perturbation of at most ``stripe_eps``
            or a universal warp of at most ``warp`` towards one of the classes the detector
            ranked sends at least R of the held-back clean images there; that class becomes
            the suspect (:mod:`~trojanscope.mitigate.conv_gate`; SIG and WaNet CNNs the
            detector passed on fresh zoo 2480, issue 12 stop 65). 0 (default): the detector's
            p alone decides on such a model. Opt-in (issue 12 stop 66, h12c).
        conv_gap: with D > 0, ``conv_gate`` counts a stripe or warp reading only where its class
            stands at least D above the next-best class of the same kind (the model's own reach
            on the others its clean baseline; :func:`~trojanscope.mitigate.conv_gate.
            standing_out`): the suite's clean synthetic CNN is reached towards three of four
            classes at 1.0. 0 (default): the bar alone. Opt-in, development readings only
            (issue 12 stop 68, h12c).
        suspect: with C >= 0, class C is the suspect both stages treat, put first in the
            detector's ranking (the gate still reads the detector's probability; where
            ``stripe_gate``, ``conv_gate`` or ``project_next`` open, they choose their class
            as before); the note's ``suspect_given`` names the detector's own first class.
            -1 (default): the detector's first class. Why (issue 12, stop 77 hwc): on a user's
            weak MLP run planted at class 0, the detector read on the method's 100 of 200 clean
            images named class 6 (the few-pixel probe's lift at 0, 1.57 logits, under the
            naming floor), ASR 42.22% -> 22.22%; ``detect`` on all 200 named 0, and
            ``suspect=0`` on the same split took it to 1.11% (one spent model: opt-in).
        read_least: with N > 0, the detector reads at least N clean samples: the method's
            share and, where it holds fewer, held-out samples to make N (stratified, seeded;
            all of them where fewer are held out); the method still trains on its share and
            the figures are still read on the held-out samples, whose clean pixels and labels
            then chose the class treated (the note's ``detector_read`` says so)
            (:mod:`~trojanscope.mitigate.read_least`). 0 (default): the share only. Why (issue
            12, stop 78 hwc): on a user's 200-image file the share is 100 images, and on a
            weak backdoor the detector's class moves with them (``detect`` on all 200 named
            the target, the share another class); with N = 200 ``gated`` reads ``detect``'s
            own reading. The zoos' 200 of 1,000 are not touched.
        dense_gate: with G >= 0, a dense image model (an MLP) rated below ``gate`` is treated
            anyway where the detector's p is at least G (``dense_gate=0``: every such model),
            the stages as for a flagged model (:mod:`~trojanscope.mitigate.dense_gate`); the
            probe may still hand it back. 0 is the default since issue 12 stop 79 (hwc): weak
            ``mnist`` MLP runs (poison rate 0.005-0.01, ASR 6.6-29.4%) were rated p
            0.000-0.076, as low as clean ones, and handed back untreated; on fresh user runs
            332-343 it took 7 of 18 backdoored runs to the goal against 6, lost none and moved
            no clean run (the probe handed the clean MLPs back). -1: off.
        dense_back: with B in (0, 1], where ``dense_gate`` opened and ``dense_mask`` did not
            take the model, a quarter of the clean images is set apart before the first stage
            and the input model comes back where the run's output classifies more than B fewer
            of them (:mod:`~trojanscope.mitigate.dense_back`; read after the steps after the
            stages, so only with ``free_reach`` > 0). 0 (default): off. Why (issue 12, stop 80
            hwc): on fresh user run 340a the detector's first class was not the target and
            the stages cost 6.93 points; a clean MLP read that way would lose as much.
        dense_fall: 1: where ``dense_gate`` opened, the residual probe opens the second stage
            only where the reversed trigger fell through the first stage (kept < ``kept``);
            a striped perturbation alone hands the input model back
            (:mod:`~trojanscope.mitigate.dense_fall`). 0 (default): the probe as for any
            model. Why (issue 12, stop 80 hwc): on 340a the stripe (0.208) opened the stages
            at a class the trigger did not fall for (kept 0.842), and they cost 6.93 points.
        fit_back: with A in (0, 1], a dense image model rated below ``gate`` that
            ``stripe_gate`` or ``dense_gate`` opened, that ``dense_mask`` / ``mask_black`` did
            not take, and in which ``dense_project`` read no stripe (its reach on the model as
            it came under ``PROJECT_REACH``, 0.35), comes back untreated before the first
            stage where it classifies at least A of the clean images the stages would train
            on: their fine-tuning on ~100 images can only cost a well-fitted model accuracy
            (:mod:`~trojanscope.mitigate.fit_back`). 0.86 is the default since issue 12 stop
            81 (h12c): on fresh user runs 392-403 it handed back a clean ``mnist`` MLP the
            stages cost 6.00 points (clean runs losing more than 1 point 2 -> 1), lost no run
            at the goal and cut the method's median CPU where it read from 4.4 s to 3.2 s;
            spent runs: clean MLPs 344b and 354b (-5.05, -4.95) and weak runs 340a and 352a
            (-6.93, -4.04) read as handed back, a user-file MLP right on 0.69 of its images
            (271a, taken to the goal) and SIG MLPs (the stripe read 0.36-0.96) as before.
            0: off.
    """

    detector: str = "auto"
    gate: float = DEFAULT_GATE
    then: str = "ftsam"
    force: bool = False
    suspect: int = -1
    read_least: int = READ_LEAST
    dense_gate: float = DENSE_GATE
    dense_back: float = DENSE_BACK
    dense_fall: bool = DENSE_FALL
    fit_back: float = FIT_BACK
    stripe_gate: float = STRIPE_GATE["gate"]
    stripe_top: int = STRIPE_GATE["top"]
    stripe_eps: float | None = STRIPE_GATE["eps"]
    conv_gate: float = CONV_GATE
    conv_gap: float = CONV_GAP

    def __post_init__(self) -> None:
        settle(self, "force", check_flag("force", self.force))
        check_option("stripe_gate", self.stripe_gate, 0.0, 1.0)
        check_option("conv_gate", self.conv_gate, 0.0, 1.0)
        check_option("conv_gap", self.conv_gap, 0.0, 1.0)
        check_option("stripe_top", self.stripe_top, 0, CANDIDATES, integer=True)
        settle(self, "stripe_top", int(self.stripe_top))  # a slice bound: 2.0 from Python is 2
        if self.stripe_eps is not None:
            check_option("stripe_eps", self.stripe_eps, 0.0, 1.0, above=True)
        check_option("gate", self.gate, 0.0, 1.0)
        check_option("dense_gate", self.dense_gate, -1.0, 1.0)
        check_option("dense_back", self.dense_back, 0.0, 1.0)
        settle(self, "dense_fall", check_flag("dense_fall", self.dense_fall))
        check_option("fit_back", self.fit_back, 0.0, 1.0)
        check_option("suspect", self.suspect, -1, float("inf"), integer=True)
        settle(self, "suspect", int(self.suspect))
        check_option("read_least", self.read_least, 0, float("inf"), integer=True)
        settle(self, "read_least", int(self.read_least))
        registry.get("detector", self.detector)  # unknown names fail here, the registry's error


@dataclass(frozen=True)
class ProbeOptions:
    """The residual probe after the first stage, and what is handed back without the second.

    Arguments:
        kept, residual: the second stage runs only when, on the held-back clean images,
            the reversed trigger kept less than ``kept`` of its success through the first
            stage, or a striped perturbation of at most ``probe_eps`` per pixel still sends at
            least ``residual`` of them to the suspect class (``kept=1.01``: always; a clean
            model the detector flagged shows neither, and the stage would only cost it
            accuracy).
        probe_eps: the probe's largest perturbation per pixel.
        kept_p: the reversed trigger's ``kept`` opens the second stage only where the
            detector's calibrated probability is at least this; below it only the striped
            perturbation can (0, default: wherever the detector flagged the model). On the
            development zoos every flagged clean model was flagged only just (p 0.20-0.57),
            every backdoored model whose second stage rested on ``kept`` alone rated p >= 0.84,
            while ``kept`` itself parted them by one held-back image (zoo-2400's clean-000 kept
            0.50, a backdoored MLP 0.47); docs/benchmarks.md, issue 12 stop 35b. Development
            data only: opt-in until a fresh zoo meets the rule written there.
        sure: with P > 0, the probe's "no backdoor left" does not skip the second stage on a
            model the detector rated at p >= P (and whose projection, if any, was undone): the
            stage runs as if the probe had found one, and the note's ``overruled`` says so
            (:mod:`~trojanscope.mitigate.nothing_left`: the probe handed back backdoored models
            at p 0.993-1.000 on four zoos, every flagged clean development MLP rated p <= 0.436).
            0 (default): the probe decides. Development data only (issue 12 stop 40).
        project_first: 1 returns the first stage's model, not the projected one, where a
            ``dense_project`` projection was kept and the probe then found no backdoor left
            (the first stage, trained from the projected model, took back most of the
            projection's accuracy cost on development SIG MLPs); 0 (default): the projected
            model, as ``revert`` returns it. Development data only (issue 12 stop 40).
        project_cost: with D > 0 (opt-in, issue 12 stop 72: h12a), where a ``dense_project``
            projection was kept and cost at least D of the accuracy on the method's clean
            images (the projected model against the model as it came, neither trained on
            them), the probe then found no backdoor left, and the detector's reversed trigger
            sends fewer than ``teach_last``'s 0.05 of those images to the suspect on the
            projected model (so ``teach_last`` will not give the cost back), the first stage's
            model comes back instead of the projected one, as with ``project_first``; the
            note's ``project`` gives ``cost`` and ``flip``
            (:mod:`~trojanscope.mitigate.project_cost`). On development SIG MLPs it turned the
            two accuracy misses of 28 (-2.9 and -3.6 points -> +1.4 and -1.0) and changed no
            other; on fresh zoos 2495/2496 it fired on none, so its rule was not met. 0
            (default): off, nothing read.
        revert_stripe: with R > 0 (opt-in, issue 12 stop 48: h12d), before ``revert`` hands
            back the original of a dense image model (no projection kept), the striped
            perturbation of at most ``probe_eps`` is fitted towards every class on the original;
            where one other than the suspect reaches at least R of the held-back images there
            and still at least ``residual`` on the first stage's model, that class becomes the
            suspect and the probe reads again (so the second stage may run); the note's
            ``revert_stripe`` gives the reach. zoo-2427's sig-002 (target 0, detector's suspect
            6, p 0.340) was handed back at 97.2% ASR: class 0's stripe reached 0.69 on the
            original, class 6's 0.20. 0 (default): ``revert`` alone decides. Development data
            only (:mod:`~trojanscope.mitigate.revert_stripe`).
        hand_check: with P > 0, a model the probe would hand back without the second stage
            (the original where it found no backdoor left, the first stage's model on weak
            evidence) goes through the stage instead where the detector rated it at p >= P, no
            projection was kept, and the reversed trigger still sends at least ``RESPONDS``
            (0.2) of the held-back images on the first stage's model
            (:func:`~trojanscope.mitigate.nothing_left.still_responds`); the note's
            ``hand_check`` says so. Default ``HAND_CHECK`` = 0.9 since fresh zoos 2415 and 2416
            together met the rule written before they existed (16 of 26 MLPs at the goal
            against 15; one model changed: a WaNet MLP handed back at 22.6% ASR, 0.4% after);
            on development zoos 2405-2413 the probe had handed back five originals at p 1.000
            with 22-100% ASR (issue 12 stop 46). 0: off, the probe decides (the default before).
        weak_first: with W > 0, the first stage's model is returned, and no second stage
            runs, where the probe found a backdoor left only through a weak reversed trigger:
            one that sent fewer than W of the held-back images before the first stage, with the
            striped perturbation under ``residual``
            (:func:`~trojanscope.mitigate.nothing_left.weak_evidence`); 0: off. Default
            ``WEAK`` = 0.5, since fresh zoos 2409 and 2410 together met the rule written before
            they existed (12 of 26 MLPs at issue 12's goal against 11: a SIG MLP's second stage
            skipped, 0.0% at -3.9 -> 0.1% at -0.2; nothing else changed; issue 12 stop 42).
        revert: 1 (default) returns the *original* model when the probe shows neither (the
            probe's second opinion overrules the detector's flag: the first stage's cost on a
            flagged clean model is undone); 0 returns the first stage's model.
        hand_projected: with B > 0, where ``dense_project``'s projection was kept and the probe
            would hand the projected model back (no backdoor left), the second stage runs
            instead where the detector rated it at p >= ``hand_check`` and the suspect's
            reversed trigger still sends at least B of the held-back images on the projected
            model (:func:`~trojanscope.mitigate.nothing_left.projected_responds`); the note's
            ``hand_check`` says so. zoo-2433's badnets-000 (p 1.000, trigger 0.62 on the
            projected model) came back at 97.6% ASR; SIG's reversed triggers send 0.00-0.47
            there on development zoos. 0 (default): off (issue 12 stop 49, h12f).
        projected_undo: with ``hand_projected``, the projection is undone instead: both stages
            run again from the model as it came, with no projection (as where ``project_kept``
            undoes one); the note's ``hand_projected`` keeps the first run's action.
        hand_dark: 1 runs the second stage, whatever the detector's p, on a dense image model
            the probe would hand back (the original, no projection kept) whose suspect's
            reversed trigger is a darkening (at least 5 dark pixels, at least half its support)
            that still sends at least ``RESPONDS`` (0.2) of the held-back images after the
            first stage: a black mask's reading, where ``hand_check`` asks p >= 0.9
            (:mod:`~trojanscope.mitigate.hand_dark`; the note ``hand_dark``). Fresh zoos
            2521/2522 handed back two dense black masks at p 0.87 and 0.80, 99% ASR. Default
            ``HAND_DARK`` = 1 since fresh zoos 2523/2524 met the rule written before they were
            read (20 of 24 backdoored MLPs at the goal against 19, none lost; issue 12 stop 79,
            h12). 0: off, the probe and ``hand_check`` decide.
    """

    kept: float = KEPT
    residual: float = RESIDUAL
    probe_eps: float = PROBE_EPS
    kept_p: float = 0.0
    sure: float = 0.0
    project_first: bool = False
    project_cost: float = PROJECT_COST
    weak_first: float = WEAK
    hand_check: float = HAND_CHECK
    revert_stripe: float = 0.0
    revert: bool = True
    hand_projected: float = 0.0
    projected_undo: bool = False
    hand_dark: bool = HAND_DARK

    def __post_init__(self) -> None:
        settle(self, "hand_dark", check_flag("hand_dark", self.hand_dark))
        settle(self, "project_first", check_flag("project_first", self.project_first))
        check_option("weak_first", self.weak_first, 0.0, 1.0)
        check_option("hand_check", self.hand_check, 0.0, 1.0)
        check_option("revert_stripe", self.revert_stripe, 0.0, 1.0)
        settle(self, "revert", check_flag("revert", self.revert))
        check_option("hand_projected", self.hand_projected, 0.0, 1.0)
        settle(self, "projected_undo", check_flag("projected_undo", self.projected_undo))
        if self.projected_undo and not self.hand_projected:
            raise ValueError("projected_undo changes what hand_projected does: set "
                             "hand_projected > 0 too")
        check_option("kept", self.kept, 0.0, KEPT_ALWAYS)
        check_option("residual", self.residual, 0.0, 1.0)
        check_option("probe_eps", self.probe_eps, 0.0, 1.0)
        check_option("kept_p", self.kept_p, 0.0, 1.0)
        check_option("sure", self.sure, 0.0, 1.0)
        check_option("project_cost", self.project_cost, 0.0, 1.0)


@dataclass(frozen=True)
class ProjectOptions:
    """Striped directions projected out of a dense model's first layer before both stages.

    Arguments:
        dense_project: with N > 0, a flagged model whose first learned layer is dense (an
            MLP) first has striped shortcuts towards the suspect class projected out of that
            layer, N directions (each a striped perturbation of at most ``probe_eps``
            towards it, fitted on the clean images and orthogonal to the ones before)
            (:mod:`~trojanscope.mitigate.stripe_projection`: no weight trained); the projected
            model then stands in for the original (both stages start from it, the probe
            compares with it and ``revert`` returns it). Default ``DENSE_PROJECT`` = 2 with
            ``project_kept`` = 0.72, since a fresh seed-2402 MLP zoo met the rule written
            before it existed (issue 12 stop 37); 0: none. Alone (``project_kept=0``) it failed
            its rule on a fresh zoo (seed 2200): because the projected model stands in for the
            original, two backdoored MLPs that the default cleaned were handed back (sparse-004
            at 98.6%, badnets-005 at 83.1% ASR), and a suspect that is not the target projects
            the wrong direction (docs/benchmarks.md, issue 12 stop 33). Where it cannot apply
            (not a dense network as ``dense_options.applies`` reads it, inputs that are not
            images, ``unlearn=0``) a value given (``2`` included) leaves a note saying why; the
            default says nothing. A dense model whose first module with weights is not a
            ``Linear`` with a bias (a norm first) is a note: no layer could be projected.
        project_kept: with R > 0, ``dense_project``'s projection is undone (the original
            weights restored, before either stage) unless the striped perturbation reached at
            least ``PROJECT_REACH`` of the held-back images on the original model and the
            detector's reversed trigger kept less than R of its success through the projection
            (a stripe, SIG's shape, goes with the projection; a patch or a blend does not, and
            is left to the stages as without the option). Default ``PROJECT_KEPT`` = 0.72
            (with ``dense_project=2``, since seed 2402: its SIG MLP's projection was kept,
            99.9% -> 0.0% ASR, every other flagged model's undone); 0: the projection stays.
            On development MLPs (issue 12 stop 36) SIG triggers kept 0.00-0.61 through two
            directions, every other backdoor 0.83-1.04, and flagged clean models reached
            0.09-0.13. A value given (``0.72`` included) is refused with ``dense_project=0``
            (the default is ignored there). No
            reversed trigger, or one that moved less than ``residual.MIN_BEFORE`` of the images
            on the original, is no evidence: the projection is undone (since hF3; before, it
            was kept on the reach alone). An undone projection's figures are reported as
            ``reach_projected`` and ``trigger_projected``.
        project_repair: with E > 0, where ``dense_project``'s projection was kept and the probe
            then hands the projected model back (no backdoor left), that model's layers behind
            its frozen first layer are fitted for E epochs on the clean labels and on the input
            model's outputs on neighbours of the clean images, the suspect left out
            (:mod:`~trojanscope.mitigate.project_repair`): on development SIG MLPs (zoos
            2427-2430) that projection cost 2.7-4.5 points. 0 (default): the projected model as
            it is. ``project_repair=5`` failed its rule on fresh zoos 2433/2434 (18 of 26 MLPs at
            the goal either way: three models changed, none's standing), so it is opt-in (issue
            12 stop 49, h12b). A repaired model is left alone by ``free_reach``'s step (since
            stop 52: on development SIG MLPs the step cost a repaired model 0.9-2.0 points).
            ``project_repair=20`` brought 22 of 26 development MLPs (zoos 2427-2440, 25 of them
            SIG) to the goal against today's 13, but failed its rule on fresh zoos 2441/2442
            (15 of 20 backdoored MLPs at the goal either way: the four on the path were there
            already), and again on fresh zoos 2443-2446 (29 of 40 either way: one model
            gained, one lost to a residue today's step removes from the unrepaired model), so
            it stays opt-in (issue 12 stop 52, h12 and h12r).
        project_next: with N > 0, where ``dense_project``'s projection towards the detector's
            first class was undone because its stripe reached less than ``PROJECT_REACH`` on
            the original, the detector's next N classes are tried in its order, each under
            the same projection and ``project_kept``'s rule with its own reversed trigger; the
            first kept stays projected and becomes the suspect the stages treat
            (:mod:`~trojanscope.mitigate.project_next`; the note's ``project_next`` lists the
            tries). 0 (default): the suspect is the detector's first class. Aimed at fresh SIG
            MLP 2505/sig-001 (issue 12 stop 74, h12g): target 9 ranked second, left at 97% ASR.
            Needs ``dense_project`` and ``project_kept`` on.
    """

    dense_project: int | None = None
    project_kept: float | None = None
    project_repair: int = 0
    project_next: int = 0
    # the options the user gave (None: the default, which says nothing where it cannot apply;
    # a value given, the default's own included, is a note there, or refused without a
    # projection)
    asked_: list[str] = field(init=False)

    def __post_init__(self) -> None:
        # project_next counts where given > 0 (its default, 0, is off: stop 74's second
        # review, hrev2: given on a model the projection skips, it said nothing)
        settle(self, "asked_", [k for k, v in (("dense_project", self.dense_project),
                                               ("project_kept", self.project_kept),
                                               ("project_next", self.project_next or None))
                                if v is not None])
        given = self.project_kept
        settle(self, "dense_project",
               DENSE_PROJECT if self.dense_project is None else self.dense_project)
        check_option("dense_project", self.dense_project, 0, 28, integer=True)
        settle(self, "project_kept", PROJECT_KEPT if given is None else given)
        check_option("project_kept", self.project_kept, 0.0, 1.0)
        if given is not None and given > 0 and not self.dense_project:
            raise ValueError("project_kept reads dense_project's projection: set dense_project "
                             "too (e.g. dense_project=2)")
        check_option("project_repair", self.project_repair, 0, 50, integer=True)
        settle(self, "project_repair", int(self.project_repair))
        check_option("project_next", self.project_next, 0, 9, integer=True)
        settle(self, "project_next", int(self.project_next))
        if self.project_next and not (self.dense_project and self.project_kept):
            raise ValueError("project_next tries dense_project's projection under project_kept's "
                             "rule: keep both on (e.g. dense_project=2 project_kept=0.72)")
