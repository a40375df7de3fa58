"""`gated`'s options for the second stage and what runs after it: typed, checked, explained.

Why: as :mod:`~trojanscope.mitigate.gated_options` (the gate, the probe, the projection), each
option's range check, default and the evidence behind it live together here, in one frozen
dataclass per stage; :class:`~trojanscope.mitigate.gated.Gated` keeps every value as an
attribute of the same name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from trojanscope.mitigate.conv_fast import CONV_EPOCHS, CONV_ROUND_EPOCHS, CONV_STOP, FAST_CONV
from trojanscope.mitigate.conv_lean import CONV_EARLY, CONV_LEAN
from trojanscope.mitigate.dark_rounds import DARK_ROUNDS
from trojanscope.mitigate.gated_defaults import (
    AUG_CLASS,
    AUG_LAST,
    AUG_MEAN,
    BLEND_LAST,
    BLEND_RISE,
    BLEND_STOP,
    DENSE_CANDIDATES,
    DENSE_NEAR,
    DENSE_ROUNDS,
    DENSE_TEACHER,
    FIRST_READ,
    FOLD_BACK,
    FREE_REACH,
    FRESH_LAST,
    GUARD_BUDGET,
    GUARD_TRIPS,
    HELD_PICK,
    MARGIN,
    MARGIN_MOST,
    MARGIN_PULL,
    MIXED_HELD,
    MIXED_LAST,
    NEAR_FREE,
    REACH_ROUND2,
    REFIT_LAST,
    REPAIR_LAST,
    REPROJECT_LAST,
    RESIDUE_LAST,
    RESIDUE_ROUNDS,
    RESTORE_LAST,
    ROUND_LAST,
    SPARSE_LAST,
    TEACH_LAST,
    TRIGGER_LAST,
    UNLEARN,
    WARP,
)
from trojanscope.mitigate.gated_options import settle
from trojanscope.mitigate.round_stop import ROUND_STOP
from trojanscope.params import check_flag, check_option

FLAGS = ("unlearn", "stripes", "hold", "check", "candidates", "warp_candidates",
         "dense_candidates", "near_mix", "near_free", "dense_check", "dense_reach", "conv_lean",
         "conv_early")


def _fraction(high: float) -> Callable[[str, object], object]:
    """A share from 0 to ``high``, checked and kept as given."""
    def check(name: str, value: object) -> object:
        check_option(name, value, 0.0, high)  # type: ignore[arg-type]
        return value
    return check


def _count(high: int) -> Callable[[str, object], object]:
    """A whole number from 0 to ``high``, as an int."""
    def check(name: str, value: object) -> object:
        check_option(name, value, 0, high, integer=True)  # type: ignore[arg-type]
        return int(value)  # type: ignore[call-overload]
    return check


@dataclass(frozen=True)
class StageOptions:
    """The second stage: unlearning the recovered triggers, its guard, check and candidates.

    Arguments:
        unlearn: 1 (default) adds the second stage after ``then``, behind the probe below (0:
            ``then`` alone; on a fresh seed-1700 zoo the two stages with ``revert`` brought 8
            of 12 models to the goal against 7 for ``then`` alone: docs/benchmarks.md, "A
            second stage that spares clean models").
        eps: the second stage's largest perturbation per pixel (fraction of [0, 1]).
        rounds: the second stage's rounds (10 epochs each; the trigger search is refreshed
            after each, and the CA guard may end them early).
        stripes: 1 restricts the perturbation to vertical stripes (0: any perturbation).
        check: 1 (default) compares the second stage's model with the first stage's on the
            clean images the stage held back (:mod:`trojanscope.mitigate.accept`) and keeps
            the first stage's when the second left it worse: a class other than the suspect
            much easier to reach (a WaNet model on zoo-1700 went from 2.1% to 16.5% ASR when
            the suspect was not its target), the suspect's trigger stronger, or accuracy lost.
        candidates: 1 measures, after the second stage, the reversed triggers of the detector's
            top ``CANDIDATES`` classes on the held-back images, and runs the stage once more on
            the suspect plus every class whose trigger's flip rate rose by at least
            ``RISE_ALL`` (the backdoor's real target coming back while the wrong class was
            unlearnt); the default since a fresh seed-1900 zoo (8 of 8 models at the goal
            against 7: docs/benchmarks.md, "Every candidate class whose trigger comes back is
            unlearnt"); 0: the suspect alone.
        hold: 1 makes the first stage train only on the images the second stage trains on,
            so the quarter it holds back is unseen by both (its guard and the check then read
            real accuracy); 0 (default): the first stage trains on every clean image.
        guard_hold: with a share S > 0, that share of the clean images (per class, drawn from
            the seed) is set apart before either stage on a flagged image model: the stages,
            the probes and the check use the rest, and the second stage's CA guard reads the
            share against the model before the stages, less ``guard_budget``
            (:mod:`~trojanscope.mitigate.held_guard`; the default guard reads images the first
            stage trained on, so it cannot see the 2-3 point losses; issue 12 stop 41). 0
            (default): no share. Measured, the 50-image share cannot see a 2-3 point loss either
            and the 50 images cost the stages: 4 of 13 MLPs at the goal on zoo-2407, 4 against
            the default's 6 on a fresh seed-2408 zoo (docs/benchmarks.md, issue 12 stop 41).
        guard_budget: the largest drop on ``guard_hold``'s share the guard lets a round leave
            (default 0.03: one image of 50 is 0.02).
        guard_trips: how many rounds the second stage's CA guard takes back before it ends
            the stage (``Adaptive``'s ``trips``; default 2). The guard reads 50 held-back
            images against the original's accuracy less 1.5 points, under one image: the
            10-13% residues of development zoos 2428-2430 were stages it ended after 2-4 of 6
            rounds (issue 12 stop 49). A larger value lets the stage go on, at half the
            learning rate after each trip, while every round is still held to the floor.
        warp: with > 0, the second stage also unlearns a universal smooth warp towards each
            class it unlearns (:mod:`~trojanscope.mitigate.universal_warp`, control-point
            offsets at most ``warp``, WaNet's units), for warping backdoors the reversed
            trigger does not cover, where such a warp sends at least ``WARP_REACH`` of the
            held-back images to the suspect class on the original model (default ``WARP`` =
            4, since a fresh seed-2000 zoo: its WaNet models 2.4% and 0.7% ASR -> 0.1% and
            0.3%, one of them at 2.6 points of accuracy; 8 of 13 models at the goal either
            way); 0: none.
        warp_candidates: 1 asks the warp probe again, before ``candidates``' extra stage, about
            the classes that joined there, and unlearns the warp in that stage where one of them
            reaches ``WARP_REACH`` (a WaNet target that was not the suspect); 0 (default): the
            extra stage keeps the first stage's choice. Development data only, not evaluated
            on a fresh zoo.
        dense_candidates: 0 (the default, ``DENSE_CANDIDATES``, since issue 12 stop 47) skips
            ``candidates``' extra stage on a dense image model (the dense options' scope): the
            risen classes are still measured and reported (the note's ``candidates.again``),
            not unlearnt. On development MLPs the extra stage ran only on patch, sparse and
            blend backdoors already at 0.0-5.4% ASR and cost 1.3-2.6 points; fresh zoos 2423
            and 2424 together met the rule written before they existed (20 of 26 MLPs at the
            goal against 18; docs/benchmarks.md, issue 12 stop 47, h12a). 1: the extra stage
            on every model (the default before).
        dense_lr: the second stage's learning rate on a model without a convolution (an
            MLP) is multiplied by this (default 1: as for every model). The two SIG MLPs of a
            seed-2000 zoo lost 3.7 and 5.6 points, 3.0 and 4.5 of them in the second stage,
            and its guard cannot see it (docs/benchmarks.md, "The accuracy cost on small SIG
            MLPs"); development data only, not evaluated on a fresh zoo.
        dense_rounds: with > 0, the second stage on a dense image model (the dense options'
            scope, :func:`~trojanscope.mitigate.dense_options.applies`) runs at most this many
            rounds (``DENSE_ROUNDS`` = 8 by default since issue 12 stop 44, with ``dense_near``: a
            cap, so ``rounds``, 6, run; 4 from stop 39b, since a fresh seed-2405 MLP zoo met its
            rule); 0: ``rounds``, as for every other model.
            Three rounds with ``dense_check=0`` failed its rule on a fresh MLP zoo (seed 2100:
            four backdoored models' ASR rose by more than 2 points; issue 12 stop 33).
        dense_stop: with a probability P (default unset: off), the second stage on a dense
            image model stops after the round where the detector's reversed triggers it started
            from give their class a mean probability of at most P on the clean images, or
            where a round took less than a tenth off that reading
            (:meth:`~trojanscope.mitigate.adaptive.Adaptive._gone`); ``dense_rounds`` (then
            also above ``rounds``) is only the safety net. Its own fresh trigger search keeps
            finding adversarial patches there, so its own stop never fires, and four rounds
            left four MLPs of a fresh seed-2406 zoo at 2.8-5.0% ASR, still falling
            (docs/benchmarks.md, issue 12 stop 40b). Opt-in: ``dense_stop=0.005,
            dense_rounds=10``; it failed its rule on a second fresh zoo, seed 2408 (6 of 13 at
            the goal either way: one gained, one lost to accuracy; issue 12 stop 41).
        round_stop: with P > 0 (opt-in, issue 12 stop 73: h12a; default 0, off), the second
            stage on a dense image model stops after the round that leaves the detector's
            reversed triggers it started from giving their class a mean probability of at most
            P on the clean images: ``dense_stop``'s first reading without its second (a round
            that took less than a tenth off), under today's cap, so it can only shorten the
            stage (:mod:`~trojanscope.mitigate.round_stop`). Where ``dense_stop`` is set it
            decides. The last rounds cost BadNets MLPs up to 1.8 points for a few tenths of
            ASR (docs/benchmarks.md, issue 12 stops 72 and 73).
        dark_rounds: with N > 0, the second stage on a dense image model runs N rounds,
            where that is more than it would run, when the suspect's reversed trigger is a
            darkening (``hand_dark``'s reading: a black mask's;
            :mod:`~trojanscope.mitigate.dark_rounds`): on spent black masks the attacker's ASR
            was still falling after the sixth round (2.6-2.8% after it). Default
            ``DARK_ROUNDS`` = 8 since issue 12 stop 81 (h12b: fresh zoos 2527/2528 met the rule
            written before they were read, 22 of 24 backdoored MLPs at the goal against 20,
            none lost); 0: six rounds, as before.
        dense_near: with K > 0, the second stage on a dense image model also distils the
            model before the first stage on K unlabelled neighbours of each clean image (pairs
            mixed, then shifted by up to 2 pixels: ``Adaptive``'s ``near``,
            :func:`~trojanscope.mitigate.adaptive.neighbourhood`): 150 images pin the clean
            function only at those points, and the stage's rounds cost MLPs 1-2 points in
            between (zoo-2410, issue 12 stop 42); 0: none. ``near_mix=0`` shifts each image
            alone (no mixing); ``near_free=1`` leaves the suspect classes out of that
            distillation. Default ``DENSE_NEAR`` = 2 with ``near_free=1`` and
            ``dense_rounds=8``, since fresh zoos 2411 and 2412 together met the rule written
            before they existed (14 of 26 MLPs at issue 12's goal against 8; issue 12 stop 44).
        dense_teacher: with A > 0, the second stage on a dense image model whose original
            classifies fewer than A of the method's clean images (which it never trained on)
            distils the first stage's model (the model as it comes to the stage), not the
            original; the guard's floor is still the original's. A poor original is a poor
            teacher: on zoo-2412's WaNet MLPs (0.82-0.83 accuracy; FT-SAM's model 4-8 points
            better and at 1.4-2.8% ASR) the stage's first round pulled the model back towards
            it (ASR 2.8 -> 7.1% and 1.4 -> 5.4%), while on well-trained MLPs the first stage's
            model was the worse teacher (zoo-2412's badnets-000 -5.1 points against -3.5);
            issue 12 stop 45. Default ``DENSE_TEACHER`` = 0.86 since fresh zoos 2413 and 2414
            together met the rule written before they existed (14 of 26 MLPs at the goal
            against 10); 0: the original always (the default before). The bar is absolute,
            set on MLPs of the bundled MNIST (well-trained ones 0.88-0.93): where a dense
            model is well trained below it (an MLP on CIFAR-10) it always takes the first
            stage's model, untested there; give a bar for the data (or 0). It is read on the
            method's share of the clean data (the reference, after a kept ``dense_project``
            projection), so it moves with that split: at 200 images 8 of 12 development
            WaNet MLPs read above 0.86 on one of ten split seeds (review of stop 45).
        dense_check: 0 skips ``check`` on a model without a convolution (1, default: the
            check runs on every model). On development MLPs its reach rule undid 8 of 20
            second stages that had removed the backdoor (a class 0.20-0.25 easier to reach by
            a perturbation of 0.1: fine-tuning alone moves an MLP that much) and never caught
            a real failure there; development data only, like ``dense_lr``.
        dense_reach: 0 (default) makes ``check`` on a dense network (no convolution, and a
            ``Linear`` the first weighted layer: positive evidence of an MLP) judge the held-back
            accuracy and the suspects' reversed triggers only, not the other classes' reach
            (reported still): on development MLPs that reach rule undid second stages that had
            removed the backdoor (zoo-2100's badnets-005 left at 84.2% ASR, zoo-2200's sparse-009
            at 14.4%) and never caught a real failure. The default rests on development data
            only: a rule written before a fresh seed-2300 MLP zoo existed let it ship, but that
            zoo could not test it (the reach rule fired on none of its models; the same 13
            models either way, docs/benchmarks.md, issue 12 stop 34). 1: the reach is judged on
            every model, as before.
        fast_conv: with K > 0, on a model with a convolution the second stage runs at most K
            rounds and ``check`` reads the reach of the suspects and the detector's top
            ``CANDIDATES`` classes only (:mod:`~trojanscope.mitigate.conv_fast`: a treated CNN
            cost 107-151 s of CPU against issue 12's 60 s). 6 (default since issue 12 stop 69:
            today's six rounds, a larger ``rounds`` capped at 6 on a CNN, the check narrowed;
            T69's rule met on fresh CNN zoo 2485); 0: the check reads every class. Stop 67, h12c.
        conv_stop: with a probability P, on a model with a convolution the second stage stops
            after the round at which the triggers it started from give their class at most P
            (``stop_trigger``; ``rounds`` the net) and ``check`` is narrowed as under
            ``fast_conv`` (:mod:`~trojanscope.mitigate.conv_fast`). None (default): off.
            Opt-in (issue 12 stop 68, h12c).
        conv_epochs: with E > 0, on a model with a convolution the first stage (FT-SAM, or
            ``then``'s method where it has ``epochs``) runs E passes instead of its own (40):
            about a ninth of a treated CNN's CPU is FT-SAM's (:mod:`~trojanscope.mitigate.
            conv_fast`). 20 (default since issue 12 stop 69, h12c: T69's rule met on fresh CNN zoo
            2485, with ``fast_conv=6``); 0: the first stage's own epochs.
        conv_round_epochs: with E > 0, on a model with a convolution each of the second
            stage's rounds trains E epochs instead of its own (10), the rounds' count and
            their trigger searches kept: the rounds' training was about 40% of a treated CNN's
            CPU under T69 (:mod:`~trojanscope.mitigate.conv_fast`). 7 (default since issue 12
            stop 70, h12c: T70's rule met on fresh CNN zoo 2486); 0: the stage's own epochs.
        conv_lean: 1, on a model with a convolution, leaves out work whose result nothing
            reads, the same model coming back: the check fits only the reach it can judge,
            each round's CA guard reads once the round ends, the last round's trigger search is
            not run (:mod:`~trojanscope.mitigate.conv_lean`). 1 (default since issue 12 stop 71,
            h12c: T71's rule met on fresh CNN zoo 2490, with ``conv_early``); 0: off.
        conv_early: 1, on a model with a convolution and the ``auto`` detector, gates on
            ``auto`` without its three input-space probes (empty pixels, pixels, frame) where
            that verdict already reaches ``gate`` (its suspects and triggers MM-BD's), and on
            the full detector elsewhere (:mod:`~trojanscope.mitigate.conv_lean`). 1 (default
            since issue 12 stop 71, h12c: T71's rule met on fresh CNN zoo 2490); 0: off.
    """

    unlearn: bool = True
    eps: float = UNLEARN["eps"]
    rounds: int = UNLEARN["rounds"]
    stripes: bool = UNLEARN["stripes"]
    check: bool = True
    candidates: bool = True
    hold: bool = False
    guard_hold: float = 0.0
    guard_budget: float = GUARD_BUDGET
    guard_trips: int = GUARD_TRIPS
    warp: float = WARP
    warp_candidates: bool = False
    dense_candidates: bool = DENSE_CANDIDATES
    dense_lr: float = 1.0
    dense_rounds: int = DENSE_ROUNDS
    dense_stop: float | None = None
    round_stop: float = ROUND_STOP
    dark_rounds: int = DARK_ROUNDS
    dense_near: int = DENSE_NEAR
    near_mix: bool = True
    near_free: bool = NEAR_FREE
    dense_teacher: float = DENSE_TEACHER
    dense_check: bool = True
    dense_reach: bool = False
    fast_conv: int = FAST_CONV
    conv_stop: float | None = CONV_STOP
    conv_epochs: int = CONV_EPOCHS
    conv_round_epochs: int = CONV_ROUND_EPOCHS
    conv_lean: bool = CONV_LEAN
    conv_early: bool = CONV_EARLY

    def __post_init__(self) -> None:
        check_option("fast_conv", self.fast_conv, 0, 10, integer=True)
        settle(self, "fast_conv", int(self.fast_conv))
        check_option("conv_epochs", self.conv_epochs, 0, 100, integer=True)
        settle(self, "conv_epochs", int(self.conv_epochs))
        check_option("conv_round_epochs", self.conv_round_epochs, 0, 100, integer=True)
        settle(self, "conv_round_epochs", int(self.conv_round_epochs))
        if self.conv_stop is not None:
            check_option("conv_stop", self.conv_stop, 0.0, 1.0)
            settle(self, "conv_stop", float(self.conv_stop))
        for name in FLAGS:  # true/false or 1/0
            settle(self, name, check_flag(name, getattr(self, name)))
        check_option("guard_hold", self.guard_hold, 0.0, 0.5)
        check_option("guard_budget", self.guard_budget, 0.0, 1.0)
        check_option("dense_lr", self.dense_lr, 0.0, 1.0, above=True)
        check_option("dense_rounds", self.dense_rounds, 0, integer=True)
        if self.dense_stop is not None:
            check_option("dense_stop", self.dense_stop, 0.0, 1.0)
        check_option("round_stop", self.round_stop, 0.0, 1.0)
        settle(self, "round_stop", float(self.round_stop))
        check_option("dark_rounds", self.dark_rounds, 0, 20, integer=True)
        settle(self, "dark_rounds", int(self.dark_rounds))
        check_option("dense_near", self.dense_near, 0, 8, integer=True)
        check_option("dense_teacher", self.dense_teacher, 0.0, 1.0)
        settle(self, "dense_teacher", float(self.dense_teacher))
        check_option("guard_trips", self.guard_trips, 1, 10, integer=True)
        settle(self, "guard_trips", int(self.guard_trips))
        check_option("warp", self.warp, 0.0, 10.0)
        check_option("eps", self.eps, 0.0, 1.0)
        check_option("rounds", self.rounds, 1, integer=True)


@dataclass(frozen=True)
class AfterOptions:
    """What runs after the stages: the residue search, the suspect's margin, the repair.

    Arguments:
        residue: with B > 0, after the second stage (where its model was kept) the
            suspect's trigger is searched again on the purified model with its mask's L1
            limited to the detector's first trigger's
            (:func:`~trojanscope.mitigate.fresh_residue.bounded_search`), and where it still
            sends at least B of the held-back images to the class one more round of the stage
            runs with it, at most ``residue_rounds`` (2) times; where it does not, nothing
            changes (the search trains nothing). The note's ``residue`` holds the readings.
            0 (default): off. Built for the MLPs left at 2-4% ASR after the stage, whose first
            trigger reads 0.000-0.022 as on the models at the goal; not recommended: on
            development zoos 2413-2416 the search read 0.000-0.044 on those residues and
            0.000-0.200 on models at <= 2% ASR (no bar parts them), and the extra rounds raised
            the six residues' ASR they ran on to 4.0-6.5% (issue 12 stop 46, h12d).
        margin: with M > 0, on a dense image model that `gated` changed (not one it returns
            as it came), the detector's suspect class's logit is lowered by M at the end (its
            output bias; :mod:`~trojanscope.mitigate.suspect_margin`): the class is predicted
            only where it wins by M. Built for the 2-5% residues the stages leave on MLPs, a
            soft bias towards the target that no trigger search reads (issue 12 stop 47,
            h12b); the note's ``margin`` says what was done. Off by default (``MARGIN`` = 0):
            ``margin=1`` with ``margin_pull`` 0.35 met its rule on fresh zoos 2425 and 2426 (19
            of 26 MLPs at the goal against 18; one gained, none lost), but on fresh zoos 2423
            and 2424 it gained two models and pushed two past 2 points of accuracy, as it gained
            five and lost four on development zoos 2419-2422 (issue 12 stop 47, lead). Where it
            does not apply (not a dense image model) nothing is said unless it was asked for:
            then a note says why.
        margin_pull: with R > 0, ``margin`` is the most the logit is lowered, and the margin
            used is the smallest (steps of 0.25) at which the suspect's pull on mixed copies of
            the clean images is at most R: the images not of the suspect class that it wrongly
            takes, over the mean any other class wrongly takes
            (:func:`~trojanscope.mitigate.suspect_margin.choose_margin`); a model where the
            suspect pulls no more than that is left as the stages left it, and so is a
            two-class model (no pull to read; a note says so). Default ``MARGIN_PULL`` = 0.35;
            0: the margin is ``margin`` itself.
        margin_held: 1 caps ``margin``'s step where it first costs one of the clean images
            the second stage held back (``val_fraction`` of them, the stage's own split, never
            trained on by that stage): the images it classifies correctly with the suspect's
            logit lowered are counted step by step (``STEP``) and the margin stops at the last
            step before the count falls (:func:`~trojanscope.mitigate.suspect_margin.held_cap`;
            the note's ``held_lost``). Built for the margin's losses at stop 47 (models already
            near 2 points of accuracy pushed past them); 0 (default): no cap (issue 12 stop 48,
            h12b; opt-in).
        dense_repair: with E > 0, after the stages a dense image model they changed is
            fitted back towards the input model's clean function for E epochs
            (:mod:`~trojanscope.mitigate.dense_repair`: cross-entropy on the clean images,
            distillation on their neighbours with the suspect left free, the suspect's reversed
            trigger kept unlearnt); 0 (default): none. ``dense_repair=2`` failed its rule on
            fresh zoos 2427/2428 (16 of 26 at the goal either way: one gained, one lost;
            docs/benchmarks.md, issue 12 stop 48), so it is opt-in.
        bias_refit: 1 shifts the output bias of a dense image model the stages changed back
            to the input model's class shares (:mod:`~trojanscope.mitigate.bias_refit`); 0
            (default): off. It failed its rule on fresh zoos 2437/2438 (issue 12 stop 50,
            h12m), so it is opt-in.
        free_reach: with R > 0, after the stages, on a dense image model they changed with a
            suspect class, a free (unstriped) universal perturbation of at most 0.15 per pixel
            is searched towards the suspect on the clean images; where it sends at least R of
            those not of the suspect there, such perturbations (at most 0.2) are unlearnt for
            5 epochs with distillation towards the model as the stages left it
            (:mod:`~trojanscope.mitigate.free_unlearn`; the note's ``free_reach``). Built for
            the blended and SIG residues of 2-5% (issue 12 stop 51, h12a). Default
            ``FREE_REACH`` = 0.15 since fresh zoos 2439/2440 met the rule written before them
            (16 of 20 backdoored MLPs at the goal against 15, none lost); 0: off, the default
            before. With ``bias_refit`` or ``dense_repair`` asked the default is 0 (they take
            the last step); a value asked for with them is refused.
        back_distill: with E > 0, last (after ``free_reach``'s step), a dense image model the
            stages changed with a suspect class is trained E epochs on the clean images under
            their true labels with distillation towards the *input* model on them and their
            neighbours, the suspect's column left out; kept only where the free perturbation's
            reach towards the suspect rose by at most ``BACK_RISE`` (0.01), else the stages'
            model comes back (:mod:`~trojanscope.mitigate.back_distill`; the note's
            ``back_distill``). Built for the accuracy the stages cost in the suspect class
            (issue 12 stop 53, h12); 0 (default): off. It failed its rule on fresh zoos
            2447/2448 (15 of 20 backdoored MLPs at the goal either way), so it is opt-in. Not
            combined with ``bias_refit`` or ``dense_repair``.
        reach_round2: 1, after ``free_reach``'s step (where it read the model), reads that
            reading towards every class; where the suspect is not the least reachable, the
            step's unlearning runs once more with distillation weight 8
            (:mod:`~trojanscope.mitigate.reach_round`; the note's ``reach_round2``). Built for
            the residues the stages leave where they did not push the suspect below every other
            class (issue 12 stop 54, h12: 46 against 44 of 60 development MLPs at the goal, none
            lost). Default ``REACH_ROUND2`` = 1 since fresh zoos 2449/2450 met the rule written
            before them (12 of 20 backdoored MLPs at the goal against 11, none lost); 0: the
            default before. Off where ``free_reach`` is 0 (and so beside ``bias_refit`` or
            ``dense_repair``); asked for there, it is refused.
        first_read: with R > 0, where a stripe projection was kept and the probe found no
            backdoor left (the projected model handed back), the first stage's model is kept
            aside and, after ``free_reach``'s step and ``reach_round2``, handed back instead
            where ``free_reach``'s reading on it (a free universal perturbation of at most
            0.15 per pixel) sends fewer than R of the clean images not of the suspect there and
            the suspect is the least reachable class on it
            (:mod:`~trojanscope.mitigate.first_read`; the note's ``first_read``). Built for the
            projection's accuracy cost on SIG MLPs (issue 12 stop 55, h12); default
            ``FIRST_READ`` = 0 (off): ``first_read=0.03`` gained five and lost one of 36
            development SIG MLPs, then moved none across the goal on fresh zoos 2451/2452 and
            failed the rule written before them. Not beside ``project_repair`` (which fits the
            projected model instead: nothing is kept). Off where ``free_reach`` is 0; asked for
            there, it is refused.
        held_pick: with R in (0, 0.5], R of the clean images (per class, from the seed) are set
            apart after the detector's gate and no stage or step trains or reads on them; at
            the end, of the run's output, the stages' model (where the later steps changed it)
            and the first stage's model (where the projected model was handed back), those
            ``free_reach``'s readings call clean (under its bar, under 0.03 for the first
            stage's model, and the suspect the least reachable class) are read on the share and
            the one that classifies most of it comes back, ties to the later
            (:mod:`~trojanscope.mitigate.held_pick`; the note's ``held_pick``). Built for the
            accuracy-only misses (issue 12 stop 56, h12); default ``HELD_PICK`` = 0 (off):
            ``held_pick=0.2`` failed its rule on fresh zoos 2453/2454 (5 of 14 against 6). Off
            where ``free_reach`` is 0; asked for there, it is refused.
        fold_back: with E > 0, last (after ``held_pick``), on a model the run changed with a
            suspect class, E epochs of ``back_distill``'s fit towards the input model with
            ``free_reach``'s perturbed copies trained on, kept only where a two-fold
            cross-fitted reading on the clean images (the fit trained on one half, read on the
            other, both ways) classifies at least ``FOLD_GAIN`` (2) more images than the output
            and the reach towards the suspect rose by at most ``BACK_RISE`` (0.01) over both
            halves and on all the images after the fit
            (:mod:`~trojanscope.mitigate.fold_back`; the note's ``fold_back``). Built for the
            accuracy-only misses with nothing taken from training (issue 12 stop 57, h12);
            default ``FOLD_BACK`` = 0 (off): ``fold_back=1`` failed its rule on fresh zoos
            2455/2456 (13 of 20 against 14; it fired once and lost that model). Off where
            ``free_reach`` is 0; asked for there, it is refused.
        sparse_last: 1, last (after ``fold_back``), where ``free_reach``'s step read the model
            (a model the run changed, with a suspect class), a sparse universal perturbation
            towards the suspect (32 pixels each set to 0 or 1, chosen greedily against the
            model) is unlearnt for 5 epochs: the clean images and copies stamped with it under
            their true labels, with ``free_reach``'s distillation towards the model as it came
            (:mod:`~trojanscope.mitigate.sparse_last`; the note's ``sparse_last``). Built for
            the ASR residues of 2-5% no reading of the method sees (issue 12 stop 58, h12);
            default ``SPARSE_LAST`` = 0 (off): ``sparse_last=1`` failed its rule on fresh zoos
            2457/2458 (11 of 20 against 12; none gained, one lost). Off where ``free_reach``
            is 0; asked for there, it is refused.
        residue_last: with a bar B > 0, last (after ``sparse_last``), where ``free_reach``'s
            step read the model and the detector left a reversed trigger for the suspect, the
            suspect's mean logit rise under that trigger on the clean images not of it is read
            on the output over the same on the input model; at or above B, ``sparse_last``'s
            unlearning runs (5 epochs, a sparse perturbation towards the suspect)
            (:mod:`~trojanscope.mitigate.residue_last`; the note's ``residue_last``). Built for
            the ASR residues of 2-4% (issue 12 stop 59, h12); default ``RESIDUE_LAST`` = 0
            (off): ``residue_last=0.1`` failed its rule on fresh zoos 2459/2460 (14 of 20 as
            today's; one gained, one lost). Off where ``free_reach`` is 0; asked for there, it
            is refused.
        refit_last: with E > 0, last (after ``residue_last``), where ``free_reach``'s step read
            the model, E epochs of ``free_reach``'s distilling fine-tune towards the output
            itself (the clean images under their true labels, its own outputs on them and on
            seeded neighbours; no perturbed copies), kept only where ``free_reach``'s reading
            towards the suspect rose by at most ``back_distill``'s bar
            (:mod:`~trojanscope.mitigate.refit_last`; the note's ``refit_last``). Built for
            the accuracy-only misses (issue 12 stop 60, h12); default ``REFIT_LAST`` = 0
            (off): ``refit_last=5`` failed its rule on fresh zoos 2461/2462 (13 of 20 against
            14; none gained, one lost). Off where ``free_reach`` is 0; asked for there, it is
            refused.
        trigger_last: with E > 0, last (after ``refit_last``), where ``free_reach``'s step read
            the model and the detector left a reversed trigger for the suspect that still sends
            at least ``trigger_last.TRIGGER_BAR`` of the clean images not of the suspect there,
            E epochs of ``free_reach``'s distilling fine-tune towards the output itself with
            copies stamped by that trigger under their true labels
            (:mod:`~trojanscope.mitigate.trigger_last`; the note's ``trigger_last``). Built
            for the ASR residues of 2-4% (issue 12 stop 62, h12); default ``TRIGGER_LAST`` = 0
            (off): read on development only (14 of 25 at the goal against 15). Off where
            ``free_reach`` is 0; asked for there, it is refused.
        round_last: with a bar B > 0, last (after ``trigger_last``), where ``free_reach``'s
            step read the model and the detector left a reversed trigger for the suspect that
            still sends at least B of the clean images not of the suspect there on the output,
            one more round of ``free_reach``'s unlearning with ``reach_round2``'s distillation
            weight 8 (:mod:`~trojanscope.mitigate.round_last`; the note's ``round_last``).
            Built for the ASR residues of 2-4% (issue 12 stop 62, h12); default
            ``ROUND_LAST`` = 0 (off): ``round_last=0.3`` failed its rule on fresh zoos
            2465/2466 (10 of 20 as today's; it fired on one model). Off where ``free_reach`` is
            0; asked for there, it is refused.
        fresh_last: with a bar B > 0, last (after ``round_last``), where ``free_reach``'s
            step read the model and the detector left a reversed trigger for the suspect, that
            trigger is searched again on the output (warm from the detector's, its mask no
            larger) and, where the found trigger still sends at least B of the clean images not
            of the suspect there, unlearnt for 5 epochs of ``free_reach``'s distilling
            fine-tune towards the output (:mod:`~trojanscope.mitigate.fresh_last`; the note's
            ``fresh_last``). Built for the ASR residues the reversed trigger no longer sees
            (issue 12 stop 63, h12); default ``FRESH_LAST`` = 0 (off). Off where
            ``free_reach`` is 0; asked for there, it is refused.
        teach_last: with E > 0, last (after ``fresh_last``), where ``free_reach``'s step read
            the model and the detector's reversed trigger for the suspect still sends at least
            ``teach_last.TEACH_FLIP`` (0.05) of the clean images not of the suspect there on
            the output, E epochs of ``free_reach``'s unlearning (pushed copies towards the
            suspect under their true labels) with the *input* model as the distillation's
            teacher (:mod:`~trojanscope.mitigate.teach_last`; the note's ``teach_last``).
            Built for the accuracy-only misses (issue 12 stop 64, h12). Default
            ``TEACH_LAST`` = 5 since fresh zoos 2469/2470 met the rule written before them (10
            of 20 backdoored MLPs at the goal against 9, none lost; 0: the default before), 3
            since fresh zoos 2529/2530 met stop 82's (h12b: five epochs grew the SIG stripe
            back; 20 of 24 at the goal against 19, none lost; 5: the default before).
            Off where ``free_reach`` is 0 (and so beside ``bias_refit`` or ``dense_repair``);
            asked for there, it is refused.
        mixed_last: with E > 0, last (after ``teach_last``), where ``free_reach``'s step read
            the model, the detector left a reversed trigger for the suspect and ``teach_last``
            did not fit (that trigger sends fewer than ``teach_last.TEACH_FLIP`` of the clean
            images not of the suspect there on the output), E epochs of ``free_reach``'s
            unlearning towards a teacher without the backdoor's pull: per input, the output's
            probability for the suspect and the input model's for the other classes, scaled to
            the rest (:mod:`~trojanscope.mitigate.mixed_last`; the note's ``mixed_last``). Built
            for the misses on BadNets, blended, sparse and WaNet outputs (issue 12 stop 65, h12).
            Default ``MIXED_LAST`` = 5 since fresh zoos 2471/2472 met the rule written before
            them (15 of 20 backdoored MLPs at the goal against 12, none lost); 0: the default
            before. Off where ``free_reach`` is 0; asked for there, it is refused.
        mixed_held: with R in (0, 0.5] (opt-in, issue 12 stop 74: h12; default ``MIXED_HELD`` =
            0, off), R of the clean images (per class, from the seed, ``held_pick``'s split) are
            set apart after the detector's gate, before the projection and FT-SAM; no stage or
            step trains or reads on them but ``mixed_last``, which fits a copy of the output and
            keeps it only where its accuracy on the share is not below the output's
            (:mod:`~trojanscope.mitigate.mixed_held`; the note's ``mixed_last`` -> ``held``).
            Built for the BadNets MLPs ``mixed_last`` takes from the goal on accuracy (issue 12
            stops 73-74); ``mixed_held=0.1`` failed its rule on fresh zoos 2505/2506 (16 of 24
            at the goal against 18: the share cost the stages more than the undo gave back).
            Needs ``mixed_last``; not beside ``held_pick``.
        restore_last: with E > 0, last (after ``mixed_last``), where ``mixed_last`` fitted the
            output and its accuracy on shifted copies of the clean images is at least
            ``restore_last.RESTORE_DROP`` (0.01) below the input model's, E epochs of
            ``free_reach``'s unlearning towards the input model where its top class is the
            suspect and ``mixed_last``'s teacher elsewhere
            (:mod:`~trojanscope.mitigate.restore_last`; the note's ``restore_last``). Built for
            the accuracy-only misses, whose loss sits on the suspect's own clean images (issue
            12 stop 66, h12); default ``RESTORE_LAST`` = 0 (off). Off where ``free_reach`` is 0;
            asked for there, it is refused.
        repair_last: with E > 0, last (after ``restore_last``), where ``mixed_last`` fitted the
            output, E epochs of ``free_reach``'s unlearning towards the input model with the
            suspect's share capped by the output's, kept only where the suspect's margin on the
            clean images stamped with the detector's trigger (its pattern searched again on the
            model inside its mask grown by two pixels) rose by at most 0.25
            (:mod:`~trojanscope.mitigate.repair_last`; the note's ``repair_last``). Built for the
            accuracy-only misses (issue 12 stop 67, h12); default ``REPAIR_LAST`` = 0 (off). Off
            where ``free_reach`` is 0; asked for there, it is refused.
        blend_last: with E > 0, last (after ``repair_last``), where ``mixed_last`` fitted the
            output and the input model sends at least ``blend_last.BLEND_BAR`` (0.97) of the
            clean images not of the suspect there once blended with one searched pattern at
            opacity ``blend_last.BLEND_GATE_ALPHA`` (0.15: a blended backdoor), E epochs of
            ``repair_last``'s fit towards the input model with the suspect's share capped by the
            output's, unguarded (:mod:`~trojanscope.mitigate.blend_last`; the note's
            ``blend_last``). Built for the blended family's misses (issue 12 stop 68, h12).
            Default ``BLEND_LAST`` = 10 since fresh zoos 2477/2478 met the rule written before
            them (14 of 20 backdoored MLPs at the goal against 11, one lost); 0: the default
            before. Off where ``free_reach`` is 0; asked for there, it is refused.
        blend_rise: ``blend_last``'s gate reads how steeply the blend turns the images: the
            share at opacity ``blend_last.RISE_HIGH`` (0.13) less the share at
            ``blend_last.RISE_LOW`` (0.02), at least ``blend_last.RISE_BAR`` (0.85), instead
            of the share at 0.15 at least 0.97: over the 140 stored backdoored MLPs of zoos
            2465-2478 the gap between the blended family and the others is 11 images of 180
            there, one at 0.15 (issue 12 stop 69, h12). Default ``BLEND_RISE`` = True since
            fresh zoos 2479/2487 met the rule written before them (the two gates agreed on all
            20 backdoored MLPs, 20 of 20 at the goal either way, and the rise left the wider
            gap: 0.55 of its spread against 0.37); False (``blend_rise=0``): the gate before.
            Off where ``blend_last`` is; asked for without ``blend_last`` (or ``free_reach``),
            it is refused.
        blend_stop: with a bar B > 0, ``blend_last``'s fit is stopped where the fitted output
            itself still answers a faint blend: its share sent to the suspect by one searched
            blend at opacity ``blend_last.STOP_ALPHA`` at least B hands back the output as it
            was before the fit (:mod:`~trojanscope.mitigate.blend_last`; the note's
            ``blend_last``). Built for the ASR the capped fit gives back on the blended outputs
            it treats (issue 12 stop 70, h12); default ``BLEND_STOP`` = 0 (off: at 0.9 it never
            fired on fresh zoos 2488/2489, every row today's). Off where ``blend_last`` is;
            asked for without ``blend_last`` (or ``free_reach``), it is refused.
        aug_last: with E > 0, last (after ``blend_last``), where ``free_reach``'s step read the
            model and the detector left a reversed trigger for the suspect, E epochs fitting
            the output towards the input model on the suspect's own clean images and their
            noisy copies and towards ``mixed_last``'s teacher elsewhere, on augmented copies
            of the clean images (shifts, noise, mixes of two; never triggered), with copies
            stamped by that trigger under their true labels and towards the teacher's output
            on the unstamped image (:mod:`~trojanscope.mitigate.aug_last`; the note's
            ``aug_last``). Built for the accuracy misses on BadNets and SIG MLPs, whose loss
            sits on the suspect class's own clean images (issue 12 stop 75, h12); no image is
            held back. Default ``AUG_LAST`` = 8 with ``aug_mean`` 3 since fresh zoos 2515/2516
            met the rule written before them (21 of 28 at the goal against 17, none lost;
            ``aug_last=5`` alone had failed its rule on 2511/2512, one lost on the 2-point
            bar); 0: off, the default before. Off where ``free_reach`` is 0; asked for there,
            it is refused.
        aug_mean: with F > 0, ``aug_last``'s output is the mean of its states after epochs
            F..E (E: ``aug_last``) instead of the last one (``aug_last.EpochMean``): the fit's
            last steps move held-out images across the boundary and back from epoch to epoch,
            so the accuracy after a fixed epoch count is a draw of about half a point either
            way (issue 12 stop 76, h12). Default ``AUG_MEAN`` = 3 (with ``aug_last`` 8; the
            rule above); 0: the last state. Off where ``aug_last`` runs fewer than F epochs;
            asked for there (or without ``free_reach``), it is refused.
        aug_class: with a bar B > 0, after ``aug_last``'s fit, a bounded search per source
            class (warm from the reversed trigger, its mask L1 at most twice the trigger's) on
            fresh noisy copies and within-class mixes of that class's clean images; where the
            best class's trigger sends at least B of its copies to the suspect and lies near the
            reversed trigger, ``aug_last``'s fit is run again with that trigger stamped on every
            clean image and noisy copy too (:mod:`~trojanscope.mitigate.aug_class`;
            the note's ``aug_last`` gives ``aug_class``). Built for the BadNets ASR residues of
            one source class near the target that the reversed mask leaves (issue 12 stop 78,
            h12). Default ``AUG_CLASS`` = 0 (off: at 0.1 on fresh zoos 2521/2522, 20 of 28 at
            the goal either way, its rule not met). Off where ``aug_last`` is; asked for there
            (or without ``free_reach``), it is refused.
        reproject_last: with 1, last (after ``aug_last``), where this run kept a stripe
            projection (``dense_project``), the directions it took out are projected out of the
            output's first layer again (no weight trained;
            :mod:`~trojanscope.mitigate.reproject_last`; the note's ``reproject_last``). Built
            for the SIG MLPs that
            ``teach_last``'s fit towards the input model takes back to 2-3% ASR (issue 12 stop
            80, h12s). Default ``REPROJECT_LAST`` = 0 (off: on fresh zoos 2525/2526, 22 of 24
            at the goal either way, its rule not met).
            Off where ``free_reach`` is 0; asked for there, it is refused.
    """

    residue: float = 0.0
    residue_rounds: int = RESIDUE_ROUNDS
    margin: float | None = None
    margin_pull: float | None = None
    margin_held: bool = False
    dense_repair: int = 0
    bias_refit: bool = False
    free_reach: float | None = None
    back_distill: int = 0
    reach_round2: bool | None = None
    first_read: float | None = None
    held_pick: float | None = None
    fold_back: int | None = None
    sparse_last: bool | None = None
    residue_last: float | None = None
    refit_last: int | None = None
    trigger_last: int | None = None
    round_last: float | None = None
    fresh_last: float | None = None
    teach_last: int | None = None
    mixed_last: int | None = None
    mixed_held: float | None = None
    restore_last: int | None = None
    repair_last: int | None = None
    blend_last: int | None = None
    blend_rise: bool | None = None
    blend_stop: float | None = None
    aug_last: int | None = None
    aug_mean: int | None = None
    aug_class: float | None = None
    reproject_last: bool | None = None
    # None given: the default, which says nothing where it cannot apply (a value asked for does)
    margin_asked_: bool = field(init=False)

    def __post_init__(self) -> None:
        check_option("residue", self.residue, 0.0, 1.0)
        check_option("residue_rounds", self.residue_rounds, 1, 10, integer=True)
        settle(self, "margin_asked_", self.margin is not None or self.margin_pull is not None)
        settle(self, "margin", MARGIN if self.margin is None else self.margin)
        check_option("margin", self.margin, 0.0, MARGIN_MOST)
        settle(self, "margin_pull", MARGIN_PULL if self.margin_pull is None else self.margin_pull)
        check_option("margin_pull", self.margin_pull, 0.0, 10.0)
        settle(self, "margin_held", check_flag("margin_held", self.margin_held))
        if self.margin_held and self.margin <= 0:
            raise ValueError("margin_held caps margin's step: set margin too (e.g. margin=1)")
        check_option("dense_repair", self.dense_repair, 0, 50, integer=True)
        settle(self, "dense_repair", int(self.dense_repair))
        settle(self, "bias_refit", check_flag("bias_refit", self.bias_refit))
        other = bool(self.bias_refit or self.dense_repair)  # another last step asked for
        if self.free_reach is None:  # the default: off where another last step is asked for
            settle(self, "free_reach", 0.0 if other else FREE_REACH)
        check_option("free_reach", self.free_reach, 0.0, 1.0)
        if self.free_reach > 0 and other:
            raise ValueError("free_reach is not combined with bias_refit or dense_repair: "
                             "set free_reach=0 with them")
        check_option("back_distill", self.back_distill, 0, 20, integer=True)
        settle(self, "back_distill", int(self.back_distill))
        if self.back_distill and other:
            raise ValueError("back_distill is not combined with bias_refit or dense_repair: "
                             "ask for one of them")
        rise_asked = self.blend_rise is not None
        stop_asked = self.blend_stop is not None
        mean_asked = self.aug_mean is not None
        class_asked = self.aug_class is not None
        # the after-steps of free_reach's step (mitigate/after_steps.py), each the same way
        after = "after free_reach's step"
        for name, default, check, does in (
            ("reach_round2", REACH_ROUND2, check_flag, "is a second round of free_reach's step"),
            ("first_read", FIRST_READ, _fraction(1.0), "reads free_reach's reading after its step"),
            ("held_pick", HELD_PICK, _fraction(0.5), "chooses " + after),
            ("fold_back", FOLD_BACK, _count(20), "runs " + after),
            ("sparse_last", SPARSE_LAST, check_flag, "runs " + after),
            ("residue_last", RESIDUE_LAST, _fraction(10.0), "reads " + after),
            ("refit_last", REFIT_LAST, _count(20), "runs " + after),
            ("trigger_last", TRIGGER_LAST, _count(20), "runs " + after),
            ("round_last", ROUND_LAST, _fraction(1.0), "reads " + after),
            ("fresh_last", FRESH_LAST, _fraction(1.0), "reads " + after),
            ("teach_last", TEACH_LAST, _count(20), "runs " + after),
            ("mixed_last", MIXED_LAST, _count(20), "runs " + after),
            ("mixed_held", MIXED_HELD, _fraction(0.5), "decides mixed_last's fit " + after),
            ("restore_last", RESTORE_LAST, _count(20), "runs " + after),
            ("repair_last", REPAIR_LAST, _count(20), "runs " + after),
            ("blend_last", BLEND_LAST, _count(20), "runs " + after),
            ("blend_rise", BLEND_RISE, check_flag, "sets blend_last's gate " + after),
            ("blend_stop", BLEND_STOP, _fraction(1.0), "stops blend_last's fit " + after),
            ("aug_last", AUG_LAST, _count(20), "runs " + after),
            ("aug_mean", AUG_MEAN, _count(20), "sets aug_last's output " + after),
            ("aug_class", AUG_CLASS, _fraction(1.0), "reads aug_last's output " + after),
            ("reproject_last", REPROJECT_LAST, check_flag, "runs " + after),
        ):
            self._after_free_reach(name, default, check, does)
        if self.mixed_held and not self.mixed_last:
            raise ValueError("mixed_held decides mixed_last's fit: set mixed_last > 0 with it")
        if self.mixed_held and self.held_pick:
            raise ValueError("mixed_held and held_pick each set a share apart: ask for one")
        if self.blend_rise and not self.blend_last:  # the default says nothing without it
            if rise_asked:
                raise ValueError("blend_rise sets blend_last's gate: set blend_last > 0 with it")
            settle(self, "blend_rise", False)
        if self.blend_stop and not self.blend_last:  # the same for blend_last's stop
            if stop_asked:
                raise ValueError("blend_stop stops blend_last's fit: set blend_last > 0 with it")
            settle(self, "blend_stop", 0.0)
        if self.aug_mean and self.aug_mean > self.aug_last:  # and the mean without its fit
            if mean_asked:
                raise ValueError(  # in the values given (stop 77 hcmd: it said "F" and "E")
                    f"aug_mean={self.aug_mean} hands back the mean of aug_last's states after "
                    f"epochs {self.aug_mean} to aug_last's last, but aug_last={self.aug_last} "
                    f"runs {self.aug_last} epoch{'s' if self.aug_last != 1 else ''}: set "
                    f"aug_last >= {self.aug_mean} with it, or leave aug_mean out")
            settle(self, "aug_mean", 0)
        if self.aug_class and not self.aug_last:  # the search reads aug_last's fit
            if class_asked:
                raise ValueError("aug_class searches aug_last's output: set aug_last > 0 with it")
            settle(self, "aug_class", 0.0)

    def _after_free_reach(self, name: str, default: object,
                          check: Callable[[str, object], object], does: str) -> None:
        """An after-step of ``free_reach``'s step: None (the default) is ``default`` where that
        step runs and off (0 of the default's type) where not; ``check`` refuses a bad value
        and gives the one kept; a step asked for without ``free_reach`` is refused."""
        if getattr(self, name) is None:
            settle(self, name, default if self.free_reach > 0 else type(default)(0))
        settle(self, name, check(name, getattr(self, name)))
        if getattr(self, name) and self.free_reach <= 0:
            raise ValueError(f"{name} {does}: set free_reach > 0 with it (not beside bias_refit "
                             "or dense_repair)")
