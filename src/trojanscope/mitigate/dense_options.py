"""`gated`'s options for the stages on a dense image model: checked, scoped and applied here.

On MNIST MLPs `gated`'s stages cost a backdoored model 2.5-4.5 points of accuracy
(docs/benchmarks.md, issue 12 stops 33-34b), so six options (opt-in, but for ``dense_rho``)
change how the first stage treats an image model without a 2-D convolution (:func:`applies`):
which layer the stages train (``dense_first``, ``dense_pull``), how long or how hard the first
stage trains (``dense_epochs``, ``dense_rho``), how closely it keeps the original's outputs on
the clean images (``dense_distill``), whether it runs at all (``dense_then``), and
which first-layer units are pruned before it (``dense_prune``). :class:`Gated` keeps one
:class:`DenseOptions` and asks it at each of those points. Every option's default leaves the
model treated as any other but ``dense_rho``'s: FT-SAM runs at half its radius on a dense model
(since issue 12 stop 35). (``dense_lr``, ``dense_rounds``, ``dense_check``, ``dense_reach``
and ``dense_project``, which change the second stage or come before both, stay in
:mod:`~trojanscope.mitigate.gated`; ``dense_rounds``' default caps that stage at eight rounds
on a dense image model since issue 12 stop 44 (four from stop 39b), with ``dense_near``.)
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from typing import Any

from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ModelVerdict
from trojanscope.mitigate.base import Mitigation
from trojanscope.mitigate.dense_first import PullBack
from trojanscope.mitigate.dense_prune import prune_first_layer
from trojanscope.mitigate.guard import hold_back
from trojanscope.mitigate.stripe_projection import dense_network, first_linear
from trojanscope.params import check_flag, check_option

# ``dense_rho``'s default: FT-SAM's radius halved on a dense image model (development MLPs of
# zoo-2100/2200/2300, 19 of 39 at the goal against 16; then a fresh seed-2400 zoo by a rule
# written before it existed, 5 of 13 against 2: docs/benchmarks.md, issue 12 stops 34b and 35).
DENSE_RHO = 0.5


def applies(model: nn.Module, clean: TensorDataset) -> bool:
    """The options' scope (and ``dense_project``'s, ``stripe_gate``'s and ``auto``'s frame
    probe's and ``dense_pixel_steps``'): image inputs (N, C, H, W) to a dense network
    (:func:`~trojanscope.mitigate.stripe_projection.dense_network`: no convolution of any kind,
    and a Linear the first weights the model uses on two of the images)."""
    return clean.x.dim() == 4 and dense_network(model, clean.x[:2])


def dense_scope(g: Any, model: nn.Module, clean: TensorDataset) -> bool:
    """:func:`applies`, read once per ``gated`` purify: the reading ``Gated.purify`` stored in
    ``g.dense_scope_`` (every model a run treats is a copy of the one it came with, and every
    clean set a part of its clean images: the layers and the images' shape do not change), or
    read now where none is stored (a stage called on its own). Before stop 80 each of about a
    dozen places ran its own two-image forward."""
    stored = getattr(g, "dense_scope_", None)
    return applies(model, clean) if stored is None else stored


@dataclass
class DenseOptions:
    """What `gated` does differently on a dense image model (every default but `dense_rho`'s,
    `dense_mask`'s, `mask_ranked`'s and `mask_dark`'s: nothing).

    Arguments (`gated`'s options of the same names):
        dense_first: on a flagged model whose first learned layer is dense (an MLP), 1 lets the
            second stage train that layer only, 2 both stages (every other weight frozen:
            :mod:`~trojanscope.mitigate.dense_first`; a patch, blend or stripe trigger enters an
            MLP there, and the layers above keep the clean function); 0 (default): every
            weight, as for every model. Development data only (issue 12 stop 34).
        dense_pull: with ``dense_first``, the share of the way the first layer moves back
            towards the original model's after every step of the second stage (0, default:
            no pull).
        dense_epochs: with N > 0, the first stage runs N epochs on an image model without a
            convolution (where the ``then`` method has ``epochs``; 0, default: its own). On the
            MLPs of zoo-2100/2200 FT-SAM's 40 epochs cost 1.4-2.9 points of the backdoored
            models' accuracy, most of what they lost. Development data only (issue 12 stop 34).
        dense_then: 0 skips the first stage on a model without a convolution when the
            second stage follows (the probe then reads the original model as the first stage's);
            1 (default): it runs on every model. Development data only (issue 12 stop 34).
        dense_rho: the first stage's radius (``rho``, where the ``then`` method has one) is
            multiplied by this on an image model without a convolution (``DENSE_RHO`` = 0.5 by
            default: half FT-SAM's radius; 1: as for every other model). The default since a
            fresh seed-2400 MLP zoo, by a rule written before it existed: 5 of its 13 models at
            issue 12's goal against 2 at the full radius, none lost, no ASR up by more than one
            triggered image (0.14 point), a flagged clean model handed back whole instead of
            5.1 points down (docs/benchmarks.md, issue 12 stop 35).
        dense_distill: with D > 0, the first stage's distillation weight (``distill``, where
            the ``then`` method has one: FT-SAM's pull towards the original model's outputs on
            the clean images, 1 by default) is D on an image model without a convolution; 0
            (default): its own. On development MLPs (zoo-2402, FT-SAM alone at `gated`'s
            radius) 3 cost 0.0-1.1 points less than 1 and left the backdoor about as strong
            after that stage (ASR 0.2-3.3 points higher). Development data only (issue 12 stop 38);
            a rule on a fresh zoo (seed 2404, stop 39) could not test it: no model changed.
        dense_prune: with K > 0, a flagged model whose first learned layer is dense first has
            up to K units of that layer pruned, those the suspect's reversed trigger drives
            most, as many as keep the held-back accuracy within one image of the unpruned
            model's (:mod:`~trojanscope.mitigate.dense_prune`); ``revert`` still returns the
            unpruned original. 0 (default): none. Development data only (issue 12 stop 34b).
        first_near: with K > 0, the first stage's distillation (FT-SAM's ``near``, where the
            ``then`` method has one) also reads K unlabelled neighbours of each clean image on
            an image model without a convolution, as the second stage's ``dense_near`` does:
            FT-SAM's 40 epochs on the clean images cost patch and blend MLPs 1.25-2.0 points
            (issue 12 stop 47), its distillation pinning the clean function only at the
            samples. 0 (default): none (issue 12 stop 48).
        dense_mask: with E > 0, on a flagged dense image model whose first layer holds a dense
            pixel mask the input model answers towards the detector's suspect (read off the
            blank pixels' weight columns), E epochs of unlearning that mask stamped white on the
            input model replace both stages and the steps after them
            (:mod:`~trojanscope.mitigate.dense_mask`; the note's ``dense_mask``); elsewhere the
            stages run as without it. 120 (default since issue 12 stop 73, h12w: with
            ``mask_ranked`` it took 15 of 16 fresh white/random masks to the goal against 2,
            none lost); 0: never read (stop 72's default).
        mask_ranked: with ``dense_mask``, 1 draws each stamped copy from the mask's pixels the
            input model answers most (a random share of the top ones, ranked by the suspect's
            gradient on the mask-stamped clean images) instead of a random share of all of
            them: most of a random mask's completed pixels are not the attacker's, and a copy
            stamped on them taught the model to answer those, not the mask (issue 12 stop 73).
            1 (default since stop 73, h12w); 0: stop 72's share of every pixel. Without
            ``dense_mask`` nothing reads it.
        mask_dark: with ``dense_mask``, D > 0 also sets to 0, on half the stamped copies, a
            random share (drawn in [0, D] per copy) of the pixels outside the stamp: a random
            mask's black half, which no reading sees, is then darkened now and then on copies
            under their true labels, so the unlearnt model stops answering white-on-dark
            (issue 12 stop 74, h12s: on spent 60-74-pixel random masks the default left
            2.8-3.9%). 0.5 (default since issue 12 stop 74, h12s: on fresh zoos 2507/2508 of
            60-90-pixel masks, 15 of 16 at the goal against 13, none lost); 0: the copies'
            other pixels as they are (stop 73's default).
        mask_black: with E > 0 (and ``dense_mask`` on), on a flagged dense image model where
            ``dense_mask`` did not fire and the detector's reversed trigger is a darkening the
            input model answers (a black mask: pixels set to 0, which no first-layer reading
            sees), E epochs of unlearning copies with the inked pixels the suspect gains most
            from zeroing set to 0 replace the stages and the steps after them
            (:mod:`~trojanscope.mitigate.dense_black`; the note's ``mask_black``); elsewhere
            the stages run as without it. It fires only on a darkening of at least 14 dark
            pixels (``dense_black.DARK_MIN``; 5 at stop 75). 0 (default): never read (issue
            12 stop 75, h12b: on fresh zoos 2513/2514, 6 of 8 black masks at the goal against
            5, one lost; stop 76, h12b, with the 14-pixel bar: on fresh zoos 2517/2518 it
            fired on 2 of 8 black masks and lost one, a 71-pixel mask at 4.2% against 0.7%;
            neither rule was met).
    """

    dense_first: int = 0
    dense_pull: float = 0.0
    dense_epochs: int = 0
    dense_then: bool = True
    dense_rho: float = DENSE_RHO
    dense_prune: int = 0
    dense_distill: float = 0.0
    first_near: int = 0
    dense_mask: int = 120  # issue 12 stop 73 (h12w): rule met on fresh zoos 2501/2502
    mask_ranked: bool = True
    mask_dark: float = 0.5  # issue 12 stop 74 (h12s): rule met on fresh zoos 2507/2508
    mask_black: int = 0  # issue 12 stop 75 (h12b): opt-in

    def __post_init__(self) -> None:
        """Refuse a value out of range: a ValueError the registry turns into one error line."""
        check_option("dense_first", self.dense_first, 0, 2, integer=True)
        check_option("dense_pull", self.dense_pull, 0.0, 1.0)
        if self.dense_pull and not self.dense_first:
            raise ValueError(
                "dense_pull pulls the layer dense_first trains: give dense_first 1 or 2 with it"
            )
        check_option("dense_epochs", self.dense_epochs, 0, 1000, integer=True)
        self.dense_then = check_flag("dense_then", self.dense_then)
        check_option("dense_rho", self.dense_rho, 0.0, 1.0, above=True)
        check_option("dense_prune", self.dense_prune, 0, 4096, integer=True)
        check_option("dense_distill", self.dense_distill, 0.0, 100.0)
        check_option("first_near", self.first_near, 0, 8, integer=True)
        check_option("dense_mask", self.dense_mask, 0, 1000, integer=True)
        self.mask_ranked = check_flag("mask_ranked", self.mask_ranked)
        check_option("mask_dark", self.mask_dark, 0.0, 1.0)
        check_option("mask_black", self.mask_black, 0, 1000, integer=True)

    def layer(
        self, model: nn.Module, clean: TensorDataset, report: dict[str, Any]
    ) -> nn.Module | None:
        """``dense_first``: the one layer the stages train (None without the option or when
        the model has no dense first layer; the report says which)."""
        if not self.dense_first:
            return None
        layer = first_linear(model, clean.x[:2])
        report["dense_first"] = (
            next(n for n, m in model.named_modules() if m is layer)
            if layer is not None
            else "not applied: no dense first layer"
        )
        return layer

    def first_stage_layer(self, layer: nn.Module | None) -> nn.Module | None:
        """The layer the first stage alone trains (``dense_first=2``; None: every weight)."""
        return layer if self.dense_first == 2 else None

    def prune(
        self,
        model: nn.Module,
        clean: TensorDataset,
        verdict: ModelVerdict | None,
        seed: int,
        fraction: float,
        report: dict[str, Any],
    ) -> None:
        """``dense_prune``: prune the first-layer units the suspect's reversed trigger drives
        most (in place, :mod:`~trojanscope.mitigate.dense_prune`), k chosen on the ``fraction``
        of ``clean`` the second stage holds back."""
        if not self.dense_prune:
            return
        layer = first_linear(model, clean.x[:2])
        suspect = verdict.target_classes[0] if verdict and verdict.target_classes else None
        trigger = verdict.triggers.get(suspect) if verdict and suspect is not None else None
        if layer is None or trigger is None:
            report["prune"] = "skipped: no dense first layer or no reversed trigger"
            return
        start = time.perf_counter()
        fit, _, gx, gy = hold_back(model, clean, fraction, seed)
        pruned = prune_first_layer(model, layer, [trigger], fit, gx, gy, self.dense_prune)
        pruned["seconds"] = round(time.perf_counter() - start, 1)
        report["prune"] = pruned

    def first_stage(self, inner: Mitigation) -> Mitigation:
        """The first stage for a dense model: ``inner`` itself, or a copy of it with
        ``dense_epochs``, ``dense_rho``, ``dense_distill`` and ``first_near`` applied
        (``inner`` stays as it was, for the next model)."""
        if not (self.dense_epochs or self.dense_rho != 1.0 or self.dense_distill
                or self.first_near):
            return inner
        inner = copy.copy(inner)
        if self.dense_epochs and hasattr(inner, "epochs"):
            inner.epochs = int(self.dense_epochs)
        if hasattr(inner, "rho"):
            inner.rho = inner.rho * self.dense_rho
        if self.dense_distill and hasattr(inner, "distill"):
            inner.distill = float(self.dense_distill)
        if self.first_near and hasattr(inner, "near"):
            inner.near = int(self.first_near)
        return inner

    def pull(
        self, model: nn.Module, layer: nn.Module | None, original: nn.Module
    ) -> list[PullBack]:
        """``dense_pull``'s callback for the second stage: ``layer`` (``dense_first``'s) pulled
        towards ``original``'s layer of the same name (none without a layer or a pull)."""
        if layer is None or self.dense_pull <= 0:
            return []
        name = next(n for n, m in model.named_modules() if m is layer)
        return [PullBack(layer, self.dense_pull, towards=original.get_submodule(name))]


def option(name: str) -> property:
    """A read-only attribute of `gated` that reads its :class:`DenseOptions`' ``name`` (the
    parameters' getter, ``get_params``, reads init arguments as attributes)."""
    return property(
        lambda self: getattr(self.dense_options_, name),
        doc=f"``{name}``: see :class:`DenseOptions`.",
    )
