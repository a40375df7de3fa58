"""Fast trigger reverse-engineering: all classes at once, then the promising few (K-Arm-style).

Neural Cleanse optimises one (mask, pattern) pair per class, one class after another, each for
hundreds of steps. Most of that budget goes to classes that are plainly not backdoor targets.
Following K-Arm's idea (Shen et al., ICML 2021) of treating classes as arms and spending
optimisation only on the promising ones, this method

1. optimises the triggers of **all** classes jointly for a short warm-up, in one batched forward
   pass per step (each class's trigger applied to clean samples of the other classes);
2. keeps the ``arms`` classes with the smallest successful masks and refines only those, each
   with its own dynamically balanced mask penalty (raised while the trigger succeeds, lowered
   while it fails, as in Neural Cleanse).

The model-level statistic is the MAD anomaly index of the smallest refined mask against the
warm-up masks of all classes (a backdoor target needs a far smaller trigger than the others).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from trojanscope.detect.base import (
    ClassResult,
    InspectionTarget,
    ModelDetector,
    ModelVerdict,
    ReversedTrigger,
    balanced_sample,
    mad_anomaly,
)
from trojanscope.registry import register
from trojanscope.triggers.stamp import stamp


class _Triggers:
    """K (mask, pattern) pairs in logit space, optimised together."""

    def __init__(self, k: int, shape: tuple[int, ...], generator: torch.Generator) -> None:
        c, h, w = shape
        self.mask_logit = (
            torch.randn(k, 1, h, w, generator=generator) * 0.1 - 2.0
        ).requires_grad_()
        self.pattern_logit = (torch.randn(k, c, h, w, generator=generator) * 0.1).requires_grad_()

    def mask(self) -> Tensor:
        return torch.sigmoid(self.mask_logit)

    def pattern(self) -> Tensor:
        return torch.sigmoid(self.pattern_logit)


@register("detector", "trigger_search")
class TriggerSearch(ModelDetector):
    """Fast trigger reverse-engineering: all classes jointly, then refine the top few (K-Arm-style).

    Arguments:
        per_class: clean samples per class used for optimisation.
        warmup_steps: joint optimisation steps over all classes.
        refine_steps: further steps for each of the ``arms`` most promising classes.
        arms: how many classes are refined.
        batch_per_arm: samples each class's trigger is applied to at every step.
        lr: Adam learning rate on mask and pattern logits.
        init_cost: initial weight of the mask-size penalty.
        success: attack success a trigger must reach to count.
    """

    name = "trigger_search"
    feature_names = ("ts_*",)
    needs_data = True

    def __init__(
        self,
        per_class: int = 20,
        warmup_steps: int = 80,
        refine_steps: int = 150,
        arms: int = 3,
        batch_per_arm: int = 12,
        lr: float = 0.1,
        init_cost: float = 1e-3,
        success: float = 0.9,
    ) -> None:
        self.per_class = per_class
        self.warmup_steps = warmup_steps
        self.refine_steps = refine_steps
        self.arms = arms
        self.batch_per_arm = batch_per_arm
        self.lr = lr
        self.init_cost = init_cost
        self.success = success

    # -- optimisation ---------------------------------------------------------------------
    def _optimise(
        self,
        target: InspectionTarget,
        triggers: _Triggers,
        classes: list[int],
        pools: list[Tensor],
        steps: int,
        generator: torch.Generator,
    ) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """Optimise the triggers of ``classes``; returns best masks, patterns, norms, success."""
        k = len(classes)
        idx = torch.tensor(classes)
        opt = torch.optim.Adam(
            [triggers.mask_logit, triggers.pattern_logit], lr=self.lr, betas=(0.5, 0.9)
        )
        cost = torch.full((k,), self.init_cost)
        shape = target.input_shape
        best_norm = torch.full((k,), float("inf"))
        best_mask = torch.ones(k, 1, *shape[1:])
        best_pattern = torch.zeros(k, *shape)
        best_success = torch.zeros(k)
        labels = idx.repeat_interleave(self.batch_per_arm)
        for _ in range(steps):
            x = torch.stack(
                [
                    pools[c][
                        torch.randint(len(pools[c]), (self.batch_per_arm,), generator=generator)
                    ]
                    for c in classes
                ]
            )  # k × b × C × H × W
            mask = triggers.mask()[idx][:, None]
            pattern = triggers.pattern()[idx][:, None]
            stamped = stamp(x, mask, pattern).flatten(0, 1)
            logits = target.model(stamped)
            ce = F.cross_entropy(logits, labels, reduction="none").view(k, -1).mean(1)
            norms = mask.flatten(1).sum(1)
            loss = (ce + cost * norms).sum()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            with torch.no_grad():
                hit = (logits.argmax(1) == labels).float().view(k, -1).mean(1)
                ok = hit >= self.success
                better = ok & (norms < best_norm)
                best_norm = torch.where(better, norms, best_norm)
                best_success = torch.where(better, hit, best_success)
                best_mask[better] = mask[better, 0]
                best_pattern[better] = pattern[better, 0]
                cost = torch.where(ok, cost * 1.2, cost / 1.2).clamp(1e-5, 1.0)
        # Classes that never reached the success rate keep the full mask as their norm.
        full = float(shape[1] * shape[2])
        best_norm = torch.where(torch.isinf(best_norm), torch.full_like(best_norm, full), best_norm)
        return best_mask, best_pattern, best_norm, best_success

    def _pools(self, target: InspectionTarget, generator: torch.Generator) -> list[Tensor]:
        """Per class, the clean samples of the other classes (a trigger is applied to them)."""
        assert target.clean is not None
        data = balanced_sample(target.clean, self.per_class, generator)
        return [data.x[data.labels != c] for c in range(target.num_classes)]

    def recover(
        self, target: InspectionTarget, classes: list[int], generator: torch.Generator
    ) -> tuple[dict[int, ReversedTrigger], dict[int, float]]:
        """Reverse-engineer the triggers of ``classes`` only (warm-up and refinement steps spent
        on them): the evidence for targets another method suspects. Returns the triggers and
        their mask L1 norms (the full image where no small trigger reached the success rate)."""
        pools = self._pools(target, generator)
        triggers = _Triggers(target.num_classes, target.input_shape, generator)
        masks, patterns, norms, _ = self._optimise(
            target, triggers, classes, pools, self.warmup_steps + self.refine_steps, generator
        )
        found = {c: ReversedTrigger(c, masks[j].detach(), patterns[j].detach())
                 for j, c in enumerate(classes)}
        return found, {c: float(norms[j]) for j, c in enumerate(classes)}

    # -- the method -------------------------------------------------------------------------
    def run(self, target: InspectionTarget, generator: torch.Generator) -> ModelVerdict:
        k = target.num_classes
        pools = self._pools(target, generator)
        triggers = _Triggers(k, target.input_shape, generator)
        _, _, warm_norm, _ = self._optimise(
            target, triggers, list(range(k)), pools, self.warmup_steps, generator
        )
        chosen = torch.argsort(warm_norm)[: min(self.arms, k)].tolist()
        masks, patterns, refined, _ = self._optimise(
            target, triggers, chosen, pools, self.refine_steps, generator
        )
        norms = warm_norm.clone()
        for j, c in enumerate(chosen):
            norms[c] = torch.minimum(refined[j], warm_norm[c])
        # Anomaly of each class's (possibly refined) norm against the warm-up population.
        median = warm_norm.median()
        mad = (warm_norm - median).abs().median() * 1.4826
        anomaly = (median - norms) / mad.clamp_min(1e-6)
        order = torch.argsort(anomaly, descending=True).tolist()
        top = order[0]
        statistic = float(anomaly[top])
        per_class = [
            ClassResult(
                c, float(anomaly[c]), {"mask_l1": float(norms[c]), "refined": float(c in chosen)}
            )
            for c in range(k)
        ]
        triggers_out = {
            c: ReversedTrigger(c, masks[j].detach(), patterns[j].detach())
            for j, c in enumerate(chosen)
        }
        features = {
            "ts_anomaly": statistic,
            "ts_log_norm_ratio": float(torch.log(median / norms[top].clamp_min(1e-3))),
            "ts_warm_anomaly": float(mad_anomaly(-warm_norm).max()),
        }
        return ModelVerdict(
            method=self.name,
            statistic=statistic,
            target_classes=order,
            per_class=per_class,
            features=features,
            triggers=triggers_out,
        )
