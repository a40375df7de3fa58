"""Images of what a detector found: each recovered trigger's mask and pattern, and a clean
sample (of another class) with the trigger applied — the evidence a reviewer looks at."""

from __future__ import annotations

from collections.abc import Iterable

from torch import Tensor

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ModelVerdict


def sample_not_of(clean: TensorDataset, cls: int) -> Tensor:
    """The first clean sample whose label is not ``cls`` (the kind a trigger would flip)."""
    idx = (clean.labels != cls).nonzero().flatten()
    return clean.x[int(idx[0]) if len(idx) else 0]


def trigger_images(
    verdict: ModelVerdict, clean: TensorDataset | None, classes: Iterable[int] | None = None
) -> dict[str, bytes]:
    """``{"trigger_class{c}_{mask|pattern|applied|clean}.png": PNG bytes}`` for the recovered
    triggers of ``classes`` (default: every class with a trigger). Without clean data the
    trigger is shown on a black image."""
    from trojanscope.visualize import png_bytes, reversed_trigger_images

    wanted = verdict.triggers.keys() if classes is None else classes
    out: dict[str, bytes] = {}
    for cls in wanted:
        trig = verdict.triggers.get(cls)
        if trig is None:
            continue
        sample = sample_not_of(clean, cls) if clean is not None else trig.pattern * 0
        for kind, png in reversed_trigger_images(trig.mask, trig.pattern, sample).items():
            out[f"trigger_class{cls}_{kind}.png"] = png
        scale = max(1, 112 // sample.shape[-1])
        out[f"trigger_class{cls}_clean.png"] = png_bytes(sample, scale)
    return out
