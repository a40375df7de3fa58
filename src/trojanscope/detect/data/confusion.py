"""Confusion training (after Qi et al., USENIX Security 2023, "Towards a proactive ML approach
for detecting backdoor poison samples"), adapted to work without a reserved clean set.

The feature model trained on the suspect data is fine-tuned further on the suspect data mixed,
batch by batch, with a *confusion batch*: samples believed clean whose labels are drawn at
random, weighted ``confusion_weight`` times as much. The random labels destroy what links a
sample's content to its label (the benign task stops fitting), but the confusion samples carry
no trigger, so the link trigger -> target is untouched and survives. After the fine-tuning the
model still gives a poisoned sample its (wrong) label with high confidence, while a clean
sample's own label gets at most about ``(1 + w / K) / (1 + w)`` of the probability (``w`` the
confusion weight, ``K`` classes: 0.33 for the defaults on ten classes).

The original uses a small reserved clean set for the confusion batches. None is given here:
they are drawn from the samples ``auto-features`` scores least suspicious, per class as many as
half the median class size and none it flags (:func:`clean_pool`); a later round (``rounds``)
also leaves out what the previous round flagged. Score: the probability the confused model
gives each sample's own label (higher = more suspicious); flagged: above ``threshold``.

By default (``head_only``) only a copy of the classifier head is fine-tuned, on the inputs of
its first linear layer that the feature model's training already computed (``Features.late``):
the trigger's features are there already, and a step costs a small fraction of a whole-CNN
step (``auto``'s detection went from about 10x to 1.4x ART's Activation Clustering time;
docs/benchmarks.md). On a tiny set whose convolutions hold the trigger weakly (the tests'
448-image synthetic set) the head alone does not keep it: ``head_only=False`` there.

Measured limits (docs/benchmarks.md): all-to-all poison is not found (its label depends on the
content the confusion wipes out), WaNet's warp often does not survive either, and a feature
model that has not yet learnt the backdoor (a few hundred images, 3 epochs) leaves nothing to
find. ``auto`` therefore uses it as a fourth signal, not alone.
"""

from __future__ import annotations

import copy

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from trojanscope.data.dataset import BatchDataset
from trojanscope.detect.data.base import DataDetector
from trojanscope.detect.data.features import Features
from trojanscope.engine.callbacks import Callback, TrainState
from trojanscope.engine.train import Trainer
from trojanscope.errors import UserInputError
from trojanscope.params import check_flag
from trojanscope.registry import register


class _ConfusionBatches(Callback):
    """Appends a confusion batch (pool samples, random labels) to every training batch and
    stops training after ``steps`` steps."""

    def __init__(self, data: BatchDataset, pool: np.ndarray, num_classes: int, size: int,
                 steps: int, seed: int) -> None:
        self.data, self.pool, self.k = data, torch.as_tensor(pool), num_classes
        self.size, self.steps, self.n_main = size, steps, 0
        self.gen = torch.Generator().manual_seed(seed)
        self.done = 0

    def on_batch_start(self, state: TrainState) -> None:
        pick = self.pool[torch.randint(len(self.pool), (self.size,), generator=self.gen)]
        xc, _ = self.data.get_batch(pick)
        yc = torch.randint(self.k, (self.size,), generator=self.gen)
        self.n_main = len(state.y)
        state.x = torch.cat([state.x, xc])
        state.y = torch.cat([state.y, yc])

    def on_batch_end(self, state: TrainState) -> None:
        self.done += 1
        if self.done >= self.steps:
            state.stop = True


@torch.no_grad()
def label_probability(model: nn.Module, data: BatchDataset, batch_size: int = 1024) -> Tensor:
    """Softmax probability ``model`` gives each sample's own label (eval mode)."""
    out = []
    model.eval()
    for start in range(0, len(data), batch_size):
        x, y = data.get_batch(torch.arange(start, min(start + batch_size, len(data))))
        out.append(F.softmax(model(x), 1).gather(1, y[:, None])[:, 0])
    return torch.cat(out)


def head_of(model: nn.Module) -> nn.Module | None:
    """The model's classifier head when it is a ``classifier`` module starting at the model's
    first linear layer (the project's small CNN), else None."""
    head = getattr(model, "classifier", None)
    linear = [m for m in model.modules() if isinstance(m, nn.Linear)]
    if not isinstance(head, nn.Sequential) or not linear or head[0] is not linear[0]:
        return None
    return head


@torch.no_grad()
def head_inputs(model: nn.Module, data: BatchDataset, batch_size: int = 1024) -> Tensor:
    """Inputs of the model's first linear layer for every sample (eval mode)."""
    from trojanscope.detect.data.features import _forward

    return _forward(model, data, batch_size)[0]


def confuse(model: nn.Module, data: BatchDataset, pool: np.ndarray, num_classes: int, *,
            steps: int, weight: float, lr: float, seed: int) -> nn.Module:
    """A copy of ``model`` fine-tuned ``steps`` steps on ``data`` plus confusion batches drawn
    from ``pool`` (random labels, loss weighted ``weight``), through the one engine."""
    model = copy.deepcopy(model)
    batches = _ConfusionBatches(data, pool, num_classes, 64, steps, seed)

    def loss(m: nn.Module, x: Tensor, y: Tensor) -> Tensor:
        n = batches.n_main
        logits = m(x)
        return (F.cross_entropy(logits[:n], y[:n])
                + weight * F.cross_entropy(logits[n:], y[n:])) / (1.0 + weight)

    epochs = max(1, -(-steps * 64 // max(len(data), 1)))
    Trainer(epochs=epochs, lr=lr, schedule="constant", seed=seed).fit(
        model, data, callbacks=[batches], loss_fn=loss)
    return model


CONFUSION_WEIGHT = 3.0  # the confusion batch's loss weight; ``clean_ceiling`` reads the same


@register("data-detector", "confusion")
class ConfusionTraining(DataDetector):
    """Confusion training: fine-tune the feature model with randomly relabelled clean-looking
    samples mixed in; samples it still fits with their own label are poison.

    Arguments:
        rounds: confusion rounds (each later round leaves what earlier rounds flagged out of
            the confusion pool, which is otherwise ranked by the prior scores).
        steps: fine-tuning steps per round (batch 64 + 64 confusion samples).
        confusion_weight: weight of the confusion batch's loss against the suspect batch's.
        lr: Adam learning rate of the fine-tuning.
        threshold: probability of the own label above which a sample is flagged.
        seed: seeds the confusion batches and the fine-tuning.
        resisted_only: a later round leaves out only the previous pool's samples above
            ``threshold`` (pool samples that kept their label though relabelled at random:
            carriers), not everything flagged.
    """

    name = "confusion"
    trains = True  # needs the samples and the feature model, not only features

    def __init__(self, rounds: int = 1, steps: int = 120,
                 confusion_weight: float = CONFUSION_WEIGHT,
                 lr: float = 2e-3, threshold: float = 0.5, head_only: bool = True,
                 seed: int = 0, resisted_only: bool = False) -> None:
        if int(rounds) < 1 or int(steps) < 1:
            raise UserInputError("confusion: rounds and steps must be >= 1")
        self.rounds, self.steps = int(rounds), int(steps)
        self.head_only = check_flag("head_only", head_only)
        self.confusion_weight, self.lr = float(confusion_weight), float(lr)
        self.threshold, self.seed = float(threshold), int(seed)
        self.resisted_only = check_flag("resisted_only", resisted_only)

    @property
    def min_per_class(self) -> int:  # type: ignore[override]
        from trojanscope.detect.data.auto import AutoData

        return AutoData().min_per_class

    def score(self, feats: Features) -> np.ndarray:
        return self.run(feats)[0]

    def run(self, feats: Features) -> tuple[np.ndarray, np.ndarray]:
        from trojanscope.detect.data.auto import AutoFeatures

        return self.run_from(feats, *AutoFeatures(seed=self.seed).run(feats))

    def run_from(self, feats: Features, prior: np.ndarray, prior_flags: np.ndarray,
                 first: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Confusion rounds whose first pool comes from ``prior`` scores and flags. ``first``:
        the first round's own-label probabilities, already computed by a one-round run from
        the same prior and seed (that round is then not trained again)."""
        if feats.model is None or feats.data is None:
            raise UserInputError("confusion: needs the data and a model to fine-tune")
        labels = feats.labels.numpy()
        pool = clean_pool(prior, labels, prior_flags)
        scores, flagged = prior, prior_flags
        model, data = feats.model, feats.data
        head = head_of(model) if self.head_only else None
        if head is not None:  # fine-tune the head alone, on the frozen layers' outputs
            from trojanscope.data.dataset import TensorDataset

            inputs = feats.late if feats.late is not None else head_inputs(model, feats.data)
            data = TensorDataset(inputs, feats.labels,
                                 tuple(str(c) for c in range(feats.num_classes)))
            model = head
        for r in range(self.rounds):
            if r == 0 and first is not None:
                scores = np.asarray(first, dtype=np.float64)
            else:
                confused = confuse(model, data, pool, feats.num_classes, steps=self.steps,
                                   weight=self.confusion_weight, lr=self.lr, seed=self.seed + r)
                scores = label_probability(confused, data).numpy().astype(np.float64)
            flagged = np.flatnonzero(scores > self.threshold)
            out = pool[scores[pool] > self.threshold] if self.resisted_only else flagged
            pool = clean_pool(prior, labels, np.union1d(prior_flags, out))
        return scores, flagged


def clean_ceiling(confusion_weight: float, num_classes: int) -> float:
    """The most of its own label's probability a clean sample keeps after confusion training,
    about ``(1 + w / K) / (1 + w)`` (module docstring): above it, a sample is not clean-looking."""
    w = float(confusion_weight)
    return (1.0 + w / num_classes) / (1.0 + w)


def clean_pool(scores: np.ndarray, labels: np.ndarray, flagged: np.ndarray) -> np.ndarray:
    """The confusion pool: in every class, the least suspicious samples not flagged, as many as
    half the median class size (so no class is missing from it, and a target class swollen by
    poison gives no more than a clean class)."""
    classes, counts = np.unique(labels, return_counts=True)
    quota = max(1, int(np.median(counts)) // 2)
    ok = np.ones(len(scores), dtype=bool)
    ok[flagged] = False
    pool = []
    for c in classes:
        idx = np.flatnonzero((labels == c) & ok)
        pool.append(idx[np.argsort(scores[idx], kind="stable")[:quota]])
    return np.sort(np.concatenate(pool))
