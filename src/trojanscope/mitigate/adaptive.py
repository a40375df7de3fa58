"""Adaptive unlearning: settings from the model and its clean data, not constants.

Fixed fine-tuning settings chosen on one zoo were too strong for models from another training
recipe (docs/benchmarks.md, "Mitigation of models we did not make"). This method sets itself per
model:

1. **Is there anything to remove?** Two model-level detectors (the trigger search and MM-BD)
   give calibrated probabilities; when both are below ``gate`` the model is returned unchanged
   (a clean model the detectors pass loses nothing).
2. **What to remove**: the triggers the detector recovers for its most suspicious classes
   (never the attacker's), stamped at random shifts and strengths onto the method's clean
   samples under their *true* labels, and a universal perturbation towards each suspect class
   (at most ``eps`` per pixel) that follows the model batch by batch; after each round the
   trigger search runs again on the model as it is now, so what is left of the backdoor is
   found and unlearnt too.
3. **How hard**: the learning rate is a fraction of the model's own weight scale (Adam moves
   each weight by about the learning rate per step), BatchNorm keeps the model's running
   statistics (a few hundred samples would re-estimate them badly), and the loss distils the
   original model's outputs on the clean samples, so the clean function stays where it was.
4. **When to stop**: a quarter of the clean samples is held back for validation; a round that
   ends with validation accuracy more than ``ca_budget`` below the original's goes back to its
   last epoch within the budget and the learning rate halves (a second such round ends
   training); training also ends once no fresh trigger succeeds on more than ``stop_asr`` of
   the validation samples.
"""

from __future__ import annotations

import time
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from trojanscope import registry
from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import InspectionTarget, ReversedTrigger
from trojanscope.detect.trigger_search import TriggerSearch
from trojanscope.engine.callbacks import Callback, TrainState
from trojanscope.engine.metrics import accuracy, predict
from trojanscope.engine.modes import eval_mode
from trojanscope.errors import UserInputError
from trojanscope.mitigate.base import (
    KeepPruned,
    Mitigation,
    distillation,
    fine_tune,
    frozen_copy,
)
from trojanscope.mitigate.gated import detector_verdict
from trojanscope.mitigate.guard import Guard, LateGuard, hold_back, shifted
from trojanscope.mitigate.second_split import GUARD_STOP
from trojanscope.mitigate.trigger_prune import proxy_asr, prune_by_trigger
from trojanscope.mitigate.universal_warp import UniversalWarp
from trojanscope.params import check_flag, check_option
from trojanscope.registry import register
from trojanscope.triggers.stamp import stamp

NORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)
# ``stop_trigger``'s second stop: a round that leaves the starting triggers' probability above
# this share of the reading before it (development MLPs of zoo-2406: the reading levelled out at
# 0.012-0.016 where the real trigger's success was 0.7-1.7%; issue 12 stop 40b).
STOP_FALL = 0.9
# ``rel_lr``'s default (a second stage scales it by ``gated``'s ``dense_lr``).
REL_LR = 0.02


def weight_scale(model: nn.Module) -> float:
    """Root mean square of the model's weight matrices and kernels (biases and norms left out)."""
    ws = [p.detach().flatten() for p in model.parameters() if p.dim() > 1]
    if not ws:
        return 1.0
    return float(torch.cat(ws).pow(2).mean().sqrt())


def trigger_probability(model: nn.Module, trigger: ReversedTrigger, data: TensorDataset) -> float:
    """The mean probability ``model`` gives ``trigger``'s class on ``data``'s images outside
    it, the trigger stamped: a reading that keeps falling where the share of images it flips
    has already reached zero on a few dozen images."""
    keep = data.y != trigger.target
    if not bool(keep.any()):
        return 0.0
    with torch.no_grad():
        logits = predict(model, trigger.apply(data.x[keep]))
    return float(torch.softmax(logits, 1)[:, trigger.target].mean())


def neighbourhood(x: Tensor, gen: torch.Generator, shift: int = 2, mix: bool = True) -> Tensor:
    """Unlabelled inputs near the clean images ``x``: each a random convex mix of two of them
    (weight uniform in [0, 1]; ``mix=False``: each image alone) moved by up to ``shift``
    pixels (zero fill; not moved unless ``x`` is a batch of images). The second stage distils
    the reference model's outputs on them (``near``): with 150 images the clean function is
    pinned only at those points, and the stage's rounds move it in between (the 1-4 points
    MLPs lost there; issue 12 stops 42-44)."""
    b = len(x)
    mixed = x
    if mix:
        other = x[torch.randperm(b, generator=gen)]
        lam = torch.rand(b, *([1] * (x.dim() - 1)), generator=gen)
        mixed = lam * x + (1 - lam) * other
    if shift <= 0 or x.dim() != 4:
        return mixed
    h, w = x.shape[-2:]
    padded = F.pad(mixed, (shift, shift, shift, shift))
    dy = torch.randint(0, 2 * shift + 1, (b,), generator=gen)
    dx = torch.randint(0, 2 * shift + 1, (b,), generator=gen)
    rows = (dy[:, None] + torch.arange(h)[None, :])  # b x h
    cols = (dx[:, None] + torch.arange(w)[None, :])  # b x w
    idx = torch.arange(b)[:, None, None]
    out = padded.permute(0, 2, 3, 1)[idx, rows[:, :, None], cols[:, None, :]]  # b h w c
    return out.permute(0, 3, 1, 2).contiguous()


class FrozenNorms(Callback):
    """BatchNorm layers stay in eval mode (the model's running statistics) while training."""

    @staticmethod
    def freeze(model: nn.Module) -> None:
        for m in model.modules():
            if isinstance(m, NORMS):
                m.eval()

    def on_epoch_start(self, state: TrainState) -> None:
        self.freeze(state.model)


class Unlearning(Callback):
    """Each batch gets a stamped copy (a recovered trigger per sample, at a random shift and
    strength) and, with ``eps`` > 0, a copy moved by a universal perturbation towards a suspect
    class, both under the true labels; :meth:`loss` adds distillation on the clean part.

    The perturbations (one per suspect class, at most ``eps`` per pixel) persist from batch to
    batch and take ``adv_steps`` signed-gradient steps each batch against the model as it is
    now: what the unlearning leaves of a shortcut to a suspect class is found again at once.
    With ``stripes`` a perturbation is one row repeated down the image (the shape of SIG's
    signal, which a free perturbation of the same bound does not find); with no recovered
    trigger only the perturbations are unlearnt.
    """

    def __init__(self, teacher: nn.Module, triggers: list[ReversedTrigger], suspects: list[int],
                 *, shift: int, temperature: float, distill: float, eps: float, adv_steps: int,
                 generator: torch.Generator, input_shape: tuple[int, ...] | None = None,
                 stripes: bool = False, warp: float = 0.0, near: int = 0,
                 near_mix: bool = True, near_free: bool = False) -> None:
        self.teacher = teacher
        self.near = near
        self.near_mix = near_mix
        self.near_free = near_free
        self.n_near = 0
        self.masks = torch.stack([t.mask for t in triggers]) if triggers else None
        self.patterns = torch.stack([t.pattern for t in triggers]) if triggers else None
        self.suspects = suspects
        self.shift = shift
        self.temperature = temperature
        self.distill = distill
        self.eps = eps
        self.adv_steps = adv_steps
        self.gen = generator
        image = list(input_shape or triggers[0].pattern.shape)
        self.warps = (UniversalWarp(suspects, image[-2], image[-1], warp)
                      if warp > 0 and len(image) == 3 else None)
        shape = list(image)
        if stripes and len(shape) == 3:
            shape[-2] = 1  # one row repeated down the image: SIG's shape
        self.deltas = torch.zeros(len(suspects), *shape)
        self.n_clean = 0

    def _stamped(self, x: Tensor) -> Tensor:
        assert self.masks is not None and self.patterns is not None
        b = len(x)
        pick = torch.randint(len(self.masks), (b,), generator=self.gen)
        mask, pattern = self.masks[pick], self.patterns[pick]
        if self.shift > 0:
            dy, dx = torch.randint(-self.shift, self.shift + 1, (2,), generator=self.gen).tolist()
            mask = torch.roll(mask, (dy, dx), dims=(2, 3))
            pattern = torch.roll(pattern, (dy, dx), dims=(2, 3))
        strength = 0.5 + 0.5 * torch.rand(b, 1, 1, 1, generator=self.gen)
        return stamp(x, (mask * strength).clamp(0, 1), pattern)

    def _perturbed(self, model: nn.Module, x: Tensor) -> Tensor:
        """``x`` moved by the universal perturbation of a random suspect class, after
        ``adv_steps`` steps that push it harder towards that class."""
        j = int(torch.randint(len(self.suspects), (1,), generator=self.gen))
        target = torch.full((len(x),), self.suspects[j], dtype=torch.long)
        delta = self.deltas[j].clone().requires_grad_(True)
        with eval_mode(model):
            for _ in range(self.adv_steps):
                loss = F.cross_entropy(model((x + delta).clamp(0, 1)), target)
                (grad,) = torch.autograd.grad(loss, [delta])
                with torch.no_grad():
                    delta -= self.eps / 4 * grad.sign()
                    delta.clamp_(-self.eps, self.eps)
        FrozenNorms.freeze(model)
        self.deltas[j] = delta.detach()
        return (x + self.deltas[j]).clamp(0, 1)

    def _warped(self, model: nn.Module, x: Tensor) -> Tensor:
        """``x`` resampled through the universal warp of a random suspect class, after
        ``adv_steps`` steps that push it harder towards that class."""
        assert self.warps is not None
        j = int(torch.randint(len(self.suspects), (1,), generator=self.gen))
        with eval_mode(model):
            out = self.warps.push(model, x, j, self.adv_steps)
        FrozenNorms.freeze(model)
        return out

    def on_batch_start(self, state: TrainState) -> None:
        x, y = state.x, state.y
        assert x is not None and y is not None
        parts = [x] if self.masks is None else [x, self._stamped(x)]
        if self.eps > 0:
            parts.append(self._perturbed(state.model, x))
        if self.warps is not None:
            parts.append(self._warped(state.model, x))
        y_all = y.repeat(len(parts))
        near = [neighbourhood(x, self.gen, mix=self.near_mix) for _ in range(self.near)]
        state.x = torch.cat(parts + near)
        state.y = torch.cat([y_all, y.repeat(len(near))]) if near else y_all
        self.n_clean = len(x)
        self.n_near = len(x) * len(near)

    def loss(self, net: nn.Module, x: Tensor, y: Tensor) -> Tensor:
        logits = net(x)
        m = len(x) - self.n_near  # the neighbours (last) are distilled only: no labels
        ce = F.cross_entropy(logits[:m], y[:m])
        if self.distill <= 0:
            return ce
        n = self.n_clean
        total = ce + self.distill * distillation(logits[:n], self.teacher, x[:n], self.temperature)
        if self.n_near:
            keep = None
            if self.near_free:  # the suspects' own logits are left free on the neighbours
                suspects = set(self.suspects)
                keep = [c for c in range(logits.shape[1]) if c not in suspects]
            total = total + self.distill * distillation(logits[m:], self.teacher, x[m:],
                                                        self.temperature, classes=keep)
        return total


@register("mitigation", "adaptive")
class Adaptive(Mitigation):
    """Adaptive trigger unlearning: detector-gated, recovered triggers refreshed each round,
    learning rate from the model's weight scale, distillation and a validation CA guard.

    Arguments:
        detector: the registered detector that recovers the first triggers (and votes).
        second: a second detector that votes on whether to act ("" for none): MM-BD, fast
            and data-free, finds backdoors the trigger search rates low and the reverse.
        gate: the model is returned unchanged when every calibrated probability is below
            this (0: always unlearn).
        suspects: how many of the detector's most suspicious classes are unlearnt.
        rounds: unlearning rounds, each followed by a fresh trigger search.
        epochs: epochs per round.
        rel_lr: Adam learning rate as a fraction of the model's weight RMS.
        distill: weight of the distillation term (the original model's outputs on clean data).
        val_fraction: share of the clean samples held back for the guard and the stopping rule.
        ca_budget: the largest validation accuracy drop an epoch may leave.
        stop_asr: a fresh trigger search succeeding on no more than this ends training.
        shift: largest random shift (pixels) of a stamped trigger.
        prune: largest share of the candidate units pruned before unlearning (0: no pruning).
        eps: largest change per pixel of the universal perturbations towards the suspect
            classes that are unlearnt beside the recovered triggers (0: none).
        adv_steps: signed-gradient steps per batch on those perturbations.
        stripes: 1 makes each perturbation one row repeated down the image (SIG's shape).
        warp: with > 0, each batch also gets a copy resampled through a universal smooth warp
            towards a suspect class (:mod:`~trojanscope.mitigate.universal_warp`; each
            control-point offset at most this, WaNet's units), under the true labels (0: none).
        stop_trigger: with a probability (default unset: never), a round after which the
            triggers the rounds started from give their class at most this (or took less than
            a tenth off that reading) ends training (:meth:`_gone`; ``gated``'s ``dense_stop``).
        stop_from: the first round after which ``stop_trigger`` may end training (default 1;
            ``gated``'s ``conv_stop`` reads from the second: on development CNNs the first
            round raised the reading and the attacker's success before the second took both
            down, issue 12 stop 68).
        stop_fall: ``stop_trigger``'s second stop: a round that leaves the reading above this
            share of the one before it ends training (default ``STOP_FALL``, 0.9; 0: never,
            ``gated``'s ``round_stop``).
        near: with K > 0, each batch also gets K unlabelled copies of its clean images
            mixed in pairs and shifted (:func:`neighbourhood`), on which only the distillation
            towards the reference model's outputs applies (0, default: none; ``gated``'s
            ``dense_near``). ``near_mix``: 1 (default) mixes the images in pairs before the
            shift, 0 shifts each image alone; ``near_free``: 1 leaves the suspect classes out
            of that distillation (both sides renormalised over the other classes), so the
            stage stays free to lower the suspects there.
        trips: how many rounds the CA guard takes back (each halving the learning rate)
            before it ends training (default 2: the second ends it; ``gated``'s
            ``guard_trips``).

    ``extra_callbacks`` (an attribute, empty by default): engine callbacks each round runs
    beside its own (``gated``'s ``dense_first`` pull). ``lean`` (an attribute, False by
    default; ``gated``'s ``conv_lean`` sets it on a model with a convolution): the guard reads
    its accuracy once each round ends (:class:`~trojanscope.mitigate.guard.LateGuard`) and the
    last round's fresh trigger search, which would steer no later round, is not run; the same
    model comes back.
    """

    name = "adaptive"
    lean = False
    min_samples = 60

    def __init__(self, detector: str = "trigger_search", second: str = "mmbd", gate: float = 0.5,
                 suspects: int = 3, rounds: int = 3, epochs: int = 10, rel_lr: float = REL_LR,
                 distill: float = 1.0,
                 val_fraction: float = 0.25, ca_budget: float = 0.015, stop_asr: float = 0.1,
                 shift: int = 2, prune: float = 0.0, eps: float = 0.1,
                 adv_steps: int = 2, stripes: bool = False, warp: float = 0.0,
                 stop_trigger: float | None = None, near: int = 0,
                 near_mix: bool = True, near_free: bool = False, trips: int = 2,
                 stop_from: int = 1, stop_fall: float = STOP_FALL) -> None:
        for what, name in (("detector", detector), ("second", second)):
            if not isinstance(name, str):  # -p detector=0 is no name (and 0 is not "")
                raise ValueError(f"{what} must name a registered detector, got {name!r}")
            if name or what == "detector":  # an unknown name fails here, not after the
                registry.get("detector", name)  # setup; "" (second only) means none
        self.detector = detector
        self.second = second
        self.gate = gate
        self.suspects = suspects
        self.rounds = rounds
        self.epochs = epochs
        self.rel_lr = rel_lr
        self.distill = distill
        self.val_fraction = val_fraction
        self.ca_budget = ca_budget
        self.stop_asr = stop_asr
        self.shift = shift
        self.prune = prune
        self.eps = eps
        self.adv_steps = adv_steps
        self.stripes = check_flag("stripes", stripes)
        check_option("warp", warp, 0.0, 10.0)
        self.warp = float(warp)
        if stop_trigger is not None:
            check_option("stop_trigger", stop_trigger, 0.0, 1.0)
        self.stop_trigger = None if stop_trigger is None else float(stop_trigger)
        check_option("stop_from", stop_from, 1, 100, integer=True)
        self.stop_from = int(stop_from)
        check_option("stop_fall", stop_fall, 0.0, 1.0)
        self.stop_fall = float(stop_fall)
        check_option("near", near, 0, 8, integer=True)
        self.near = int(near)
        self.near_mix = check_flag("near_mix", near_mix)
        self.near_free = check_flag("near_free", near_free)
        check_option("trips", trips, 1, 10, integer=True)
        self.trips = int(trips)
        self.extra_callbacks: list[Callback] = []

    def purify(self, model: nn.Module, clean: TensorDataset | None, seed: int) -> nn.Module:
        assert clean is not None
        if clean.x.dim() != 4:
            raise UserInputError(f"mitigation {self.name!r} stamps image triggers: it needs "
                                 f"image inputs (C×H×W), got shape {list(clean.input_shape)}")
        report: dict[str, Any] = {}
        self.report_ = report
        start = time.perf_counter()
        verdict = detector_verdict(self.detector, model, clean, seed)
        probs = [verdict.probability]
        other = detector_verdict(self.second, model, clean, seed) if self.second else None
        if other is not None:
            probs.append(other.probability)
        known = [p for p in probs if p is not None]
        report["probability"] = [None if p is None else round(p, 3) for p in probs]
        # which detectors read them, each with its own calibrator: not ``detect``'s ``auto``
        # (stop 58: a clean CNN read 0.82 / 0.74 here and 0.12 by ``detect``; docs/mitigation.md)
        report["read_by"] = [self.detector, *([self.second] if self.second else [])]
        report["detect_s"] = round(time.perf_counter() - start, 1)
        if known and max(known) < self.gate:
            report["action"] = "unchanged (detector below the gate)"
            return model
        found = dict(verdict.triggers)
        ranked = [c for c in verdict.target_classes if c in found][: self.suspects]
        gen = torch.Generator().manual_seed(seed)
        if other is not None and (other.probability or 0.0) >= self.gate:
            # the second detector's suspect goes first; its trigger is recovered when the
            # trigger search did not refine that class
            top = other.target_classes[0]
            if top not in found:
                found.update({t.target: t for t in
                              self._search(model, TriggerSearch(), clean, [top], gen)})
            if top in found:
                ranked = [top, *[c for c in ranked if c != top][: self.suspects - 1]]
        triggers = [found[c] for c in ranked]
        report["suspects"] = ranked
        if not triggers:
            report["action"] = "unchanged (no trigger recovered)"
            return model
        return self.unlearn(model, clean, triggers, ranked, seed, gen)

    def unlearn(self, model: nn.Module, clean: TensorDataset, triggers: list[ReversedTrigger],
                ranked: list[int], seed: int, gen: torch.Generator,
                reference: nn.Module | None = None,
                guard: TensorDataset | None = None,
                teacher_model: nn.Module | None = None) -> nn.Module:
        """Unlearn ``triggers`` and universal perturbations towards the ``ranked`` suspect
        classes, round by round (steps 3 and 4 above; ``report_`` says what happened). With no
        trigger only the perturbations are unlearnt. ``reference``: the model whose clean
        outputs are distilled and whose validation accuracy sets the guard's floor (default:
        ``model`` as it comes; a second stage passes the model before the first). ``guard``:
        clean images the guard reads instead of the held-back quarter (``gated``'s
        ``guard_hold``: images no stage trained on). ``teacher_model``: the model whose clean
        outputs are distilled instead of ``reference``'s (the guard's floor stays
        ``reference``'s; ``gated``'s ``dense_teacher``)."""
        report: dict[str, Any] = getattr(self, "report_", None) or {}
        self.report_ = report
        fit, val, gx, gy = hold_back(model, clean, self.val_fraction, seed)
        teacher = frozen_copy(reference if reference is not None else model)
        if guard is not None:  # images neither stage trained on
            gx, gy = shifted(guard, 1, model)
        floor = accuracy(teacher, gx, gy) - self.ca_budget
        if teacher_model is not None:  # distil another model; the floor stays the reference's
            teacher = frozen_copy(teacher_model)
        if guard is not None:
            report["guard_floor"] = round(floor, 4)
        lr = self.rel_lr * weight_scale(model)
        report["lr"] = float(f"{lr:.3g}")
        search = TriggerSearch(warmup_steps=40, refine_steps=80)  # the refresh: shorter
        report["proxy_asr"] = [round(max((proxy_asr(model, t, val) for t in triggers),
                                         default=0.0), 3)]
        report["norm"] = [round(float(triggers[0].mask.sum()), 1) if triggers else None]
        pruned = {}
        if self.prune > 0 and triggers:
            pruned = prune_by_trigger(model, triggers, fit, (gx, gy), val, floor=floor,
                                      stop_asr=self.stop_asr, max_fraction=self.prune)
            report["pruned"] = {n: len(u) for n, u in pruned.items()}
            report["proxy_asr"].append(round(max(proxy_asr(model, t, val) for t in triggers), 3))
        keep = KeepPruned({n: torch.tensor(u) for n, u in pruned.items()})
        start = list(triggers)  # what stop_trigger reads after each round
        self._gone(model, start, clean, report)  # its reading before the first
        trips = 0
        for r in range(self.rounds):
            unlearning = Unlearning(teacher, triggers, ranked, shift=self.shift,
                                    temperature=2.0, distill=self.distill, eps=self.eps,
                                    adv_steps=self.adv_steps, generator=gen,
                                    input_shape=clean.input_shape, stripes=self.stripes,
                                    warp=self.warp, near=self.near,
                                    near_mix=self.near_mix, near_free=self.near_free)
            guard = (LateGuard if self.lean else Guard)(gx, gy, floor)
            extra = list(self.extra_callbacks)  # gated's dense_first pull
            fine_tune(model, fit, epochs=self.epochs, lr=lr, seed=seed + r,
                      callbacks=[FrozenNorms(), unlearning, keep, *extra, guard],
                      loss_fn=unlearning.loss)
            report["rounds"] = r + 1
            if guard.tripped:  # the round was taken back: go on more gently
                trips += 1
                lr /= 2
                if trips >= self.trips:
                    report["action"] = GUARD_STOP  # --second-split reads it
                    break
            if self.lean and r == self.rounds - 1:  # no round after it for a search to steer
                report["action"] = "all rounds"
                break
            fresh = self._search(model, search, clean, ranked, gen)
            asr = max((proxy_asr(model, t, val) for t in fresh), default=0.0)
            report["proxy_asr"].append(round(asr, 3))
            top = [t for t in fresh if t.target == ranked[0]]
            report["norm"].append(round(float(top[0].mask.sum()), 1) if top else None)
            if asr <= self.stop_asr:
                report["action"] = "stopped: no fresh trigger succeeds"
                break
            if self._gone(model, start, clean, report):
                break
            triggers = triggers + fresh
        else:
            report["action"] = "all rounds"
        return model

    def _gone(self, model: nn.Module, start: list[ReversedTrigger], clean: TensorDataset,
              report: dict[str, Any]) -> bool:
        """With ``stop_trigger`` set (a probability; ``None``, the default: never), whether to
        stop after this round, reading the mean probability the triggers the stage started
        from give their classes on the method's clean images outside them
        (:func:`trigger_probability`): stop once it is at most ``stop_trigger``, or once a
        round took less than a tenth off it (``stop_fall``, ``STOP_FALL`` by default: what is
        left is the model's own floor, not the backdoor; 0: no such stop). Where the stage's
        fresh trigger search keeps finding adversarial patches (a dense model) its own stop
        never fires; this reading fell with the real trigger's success round by round on
        development MLPs (docs/benchmarks.md, issue 12 stop 40b). ``report["trigger_left"]``
        holds the reading before the first round and after each."""
        limit = self.stop_trigger
        if limit is None or not start:
            return False
        readings = report.setdefault("trigger_left", [])
        left = max(trigger_probability(model, t, clean) for t in start)
        readings.append(round(left, 4))
        if len(readings) <= self.stop_from:  # before the round it may stop after
            return False
        if left <= limit:
            why = f"{left:.4f} <= {limit}"
        elif self.stop_fall and left > self.stop_fall * readings[-2]:
            why = f"{left:.4f}, down less than {1 - self.stop_fall:.0%} in this round"
        else:
            return False
        report["action"] = f"stopped: the triggers it started from give their class {why}"
        return True

    @staticmethod
    def _search(model: nn.Module, search: TriggerSearch, clean: TensorDataset,
                classes: list[int], gen: torch.Generator) -> list[ReversedTrigger]:
        """The triggers of ``classes`` recovered on the model as it is now (weights frozen);
        a class whose search never reached its success rate has none."""
        was = [p.requires_grad for p in model.parameters()]
        model.eval()
        for p in model.parameters():
            p.requires_grad_(False)
        try:
            target = InspectionTarget(model, clean.input_shape, clean.num_classes, clean)
            found, norms = search.recover(target, classes, gen)
        finally:
            for p, g in zip(model.parameters(), was, strict=True):
                p.requires_grad_(g)
        full = float(clean.input_shape[-1] * clean.input_shape[-2])
        return [found[c] for c in classes if norms[c] < full]
