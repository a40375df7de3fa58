"""Clean twins of an image model trained on the user's own clean file: MM-BD's per-class reading
on networks of the model's own architecture that saw no trigger (issue 9, stop 61).

A CNN ending in global average pooling has a naturally wide class on MNIST (class 8 at about 2.9
times the median class's maximum margin in clean models): the calibrator reads it as a target,
and a reference fitted on one kind of such model (the centre term) does not carry to a user's
other kind (docs/benchmarks.md, issue 9 stops 58-60). Here the reference is made from the user's
model itself: ``count`` copies of its architecture with fresh, seeded weights
(:func:`.tabular_twins.fresh_copy`) are trained on the clean images with the project's one
training loop, and MM-BD is run on each. A class that stands out in the model *and* in its twins
is the architecture's wide class; one that stands out only in the model is not explained by the
architecture and the clean file.

A TorchScript model is read through its editable lift (:func:`~trojanscope.io.script_lift.
lift_torchscript` with ``keep_norm``: each BatchNorm stays a layer of its own, where the
exporter would fold it into the convolution before it; since stop 63 a BatchNorm weight the
exporter merged with another of equal value gets a copy per node, so residual models have
twins); a model with a weight no layer can
draw afresh (GroupNorm or LayerNorm weights an ONNX graph keeps as plain tensors, a custom
``nn.Parameter``) has no twins.
"""

from __future__ import annotations

import torch
from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import InspectionTarget
from trojanscope.detect.blend_sink import GAP_HEAD as GAP_TRAIT  # the head twins explain
from trojanscope.detect.class_excess import class_ratio_features, class_ratios
from trojanscope.detect.tabular_twins import fresh_copy, redrawable
from trojanscope.engine.train import Trainer

TWIN_EPOCHS = 30  # passes over the clean file (200 images: 210 steps of 32)
TWIN_LR = 3e-3
TWIN_BATCH = 32
TWIN_FITS = ("labels", "distil")
TWIN_FIT = "labels"  # the fit auto's twins use (development, stop 61)
MAX_TWINS = 8  # each twin is a copy of the model, trained and searched by MM-BD


def editable(model: nn.Module, input_shape: tuple[int, ...]) -> nn.Module | None:
    """``model`` as a module whose weights can be drawn afresh and trained: itself, or a
    TorchScript model's lift; None where neither holds (no twins)."""
    from trojanscope.errors import UserInputError
    from trojanscope.io.ts_proxy import SandboxedModule

    if isinstance(model, SandboxedModule | torch.jit.ScriptModule):
        from trojanscope.io.script_lift import lift_torchscript

        try:
            model = lift_torchscript(model, tuple(input_shape), keep_norm=True)
        except UserInputError:
            return None
    return model if redrawable(model) else None


def train_twins(model: nn.Module, clean: TensorDataset, count: int, seed: int,
                epochs: int = TWIN_EPOCHS, fit: str = "labels") -> list[nn.Module]:
    """``count`` copies of ``model`` (an :func:`editable` module) with fresh weights drawn with
    ``seed + k``, each trained on ``clean`` (Adam, cosine schedule, seeded), in eval mode:
    ``fit="labels"`` on the file's labels, ``"distil"`` towards ``model``'s own class
    probabilities on the same clean images (which carry no trigger)."""
    if fit not in TWIN_FITS:
        raise ValueError(f"twin fit must be one of {', '.join(TWIN_FITS)}, got {fit!r}")
    data, loss = clean, None
    if fit == "distil":
        with torch.no_grad():
            soft = torch.softmax(model.eval()(clean.x).float(), 1)
        data = TensorDataset(clean.x, soft, clean.class_names)
        loss = soft_cross_entropy
    twins = []
    for k in range(count):
        twin = fresh_copy(model, seed + k)
        trainer = Trainer(epochs=epochs, batch_size=TWIN_BATCH, lr=TWIN_LR, optimizer="adam",
                          seed=seed + k)
        if loss is None:
            trainer.fit(twin, data)
        else:
            trainer.fit(twin, data, loss_fn=loss)
        twins.append(twin.eval().requires_grad_(False))
    return twins


def soft_cross_entropy(model: nn.Module, x: torch.Tensor, soft: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of ``model``'s answers on ``x`` to the class probabilities ``soft``."""
    return -(soft * torch.log_softmax(model(x).float(), 1)).sum(1).mean()


def twin_ratios(twins: list[nn.Module], input_shape: tuple[int, ...], num_classes: int,
                seed: int) -> list[list[float]]:
    """MM-BD's per-class ratio (each class's maximum margin over the median class's) on each
    twin, with MM-BD's default search seeded ``seed``."""
    from trojanscope.detect.mmbd import MMBD

    out = []
    for twin in twins:
        verdict = MMBD().run(InspectionTarget(twin, tuple(input_shape), num_classes),
                             torch.Generator().manual_seed(seed))
        margins = [r.details["margin"] for r in sorted(verdict.per_class, key=lambda r: r.cls)]
        ratios = class_ratios(class_ratio_features(margins, None))
        out.append(ratios or [])
    return out




def twin_features(target: InspectionTarget, features: dict[str, float], count: int,
                  seed: int) -> dict[str, float]:
    """``twin_ratio_<c>``, ``twin_max_<c>`` and ``twin_min_<c>`` (the twins' median, largest
    and smallest MM-BD ratio for class ``c``: :func:`twin_summary`) and ``twin_count`` for a
    model with a global-average-pooling head read on clean images; ``twin_count`` 0
    where no twin can be made (:func:`editable`); nothing for any other model."""
    from trojanscope.detect.coverage import architecture_traits
    from trojanscope.detect.twin_term import TWIN_COUNT

    if (target.clean is None or len(target.input_shape) != 3 or class_ratios(features) is None
            or GAP_TRAIT not in architecture_traits(target.model)):
        return {}
    module = editable(target.model, tuple(target.input_shape))
    if module is None:
        return {TWIN_COUNT: 0.0}
    twins = train_twins(module, target.clean, count, seed, fit=TWIN_FIT)
    ratios = twin_ratios(twins, tuple(target.input_shape), target.num_classes, seed)
    out = twin_summary(ratios, target.num_classes)
    out[TWIN_COUNT] = float(len(twins))
    return out


def twin_summary(ratios: list[list[float]], num_classes: int) -> dict[str, float]:
    """Per class, the twins' median, largest and smallest MM-BD ratio (``twin_ratio_<c>``,
    ``twin_max_<c>``, ``twin_min_<c>``): the reading the twins term compares the model with."""
    import statistics

    from trojanscope.detect.twin_term import TWIN_MAX, TWIN_MIN, TWIN_RATIO

    out = {}
    for c in range(num_classes):
        vals = [r[c] for r in ratios]
        out[f"{TWIN_RATIO}{c}"] = float(statistics.median(vals))
        out[f"{TWIN_MAX}{c}"] = float(max(vals))
        out[f"{TWIN_MIN}{c}"] = float(min(vals))
    return out
