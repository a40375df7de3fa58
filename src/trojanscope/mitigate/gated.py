"""Gated mitigation: ask the model-level detector first, treat only what it flags.

Every method that trains on 200 clean images costs a clean model 1-7 points of accuracy
(docs/benchmarks.md, "Mitigation (issue 12)"), so the only way to keep clean models whole is
not to touch them. The calibrated detector (``detect`` auto by default) rates the model; below
``gate`` the model comes back unchanged, with a note saying so and the probability, and at or
above it the ``then`` method (FT-SAM by default) purifies it. ``force`` skips the question.
"""

from __future__ import annotations

import time
from typing import Any

from torch import nn

from trojanscope import registry
from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ModelVerdict
from trojanscope.detect.calibration import calibrate
from trojanscope.mitigate.base import Mitigation
from trojanscope.params import check_flag, check_option
from trojanscope.registry import register

# Chosen on the three development zoos only (seeds 1200, 1300, 1400; docs/benchmarks.md,
# "Gated mitigation"): the lowest probability any backdoored model got there, with margin.
DEFAULT_GATE = 0.2


def detector_verdict(name: str, model: nn.Module, clean: TensorDataset, seed: int) -> ModelVerdict:
    """The calibrated verdict of detector ``name`` on ``model`` (its probability that the
    model is backdoored, and its classes ranked most suspicious first)."""
    return calibrate(registry.create("detector", name).inspect(
        model, clean, input_shape=clean.input_shape, num_classes=clean.num_classes, seed=seed))


def detector_probability(name: str, model: nn.Module, clean: TensorDataset,
                         seed: int) -> tuple[float, list[int]]:
    """The calibrated probability of detector ``name`` that ``model`` is backdoored, and its
    classes ranked most suspicious first."""
    verdict = detector_verdict(name, model, clean, seed)
    return float(verdict.probability or 0.0), list(verdict.target_classes)


@register("mitigation", "gated")
class Gated(Mitigation):
    """Detector-gated mitigation: a model the detector rates clean comes back unchanged.

    Arguments:
        detector: the registered detector that rates the model (``auto``: calibrated, and
            cheap on small image models).
        gate: treat the model when the calibrated probability is at least this; below it the
            model is returned unchanged (chosen on our development zoos: every backdoored
            model there rated at or above it).
        then: the mitigation that treats a flagged model (with its own defaults).
        force: 1 treats the model whatever the detector says (the detector is not run).
    """

    name = "gated"

    def __init__(self, detector: str = "auto", gate: float = DEFAULT_GATE, then: str = "ftsam",
                 force: bool = False) -> None:
        self.detector = detector
        self.gate = gate
        self.then = then
        self.force = check_flag("force", force)
        check_option("gate", gate, 0.0, 1.0)
        registry.get("detector", detector)  # unknown names fail here, with the registry's error
        self.inner = registry.create("mitigation", then)
        self.min_samples = self.inner.min_samples

    def purify(self, model: nn.Module, clean: TensorDataset | None, seed: int) -> nn.Module:
        assert clean is not None
        report: dict[str, Any] = {}
        self.report_ = report
        if not self.force:
            start = time.perf_counter()
            p, ranked = detector_probability(self.detector, model, clean, seed)
            report["detector"] = f"{self.detector} p={p:.3f} (gate {self.gate})"
            report["detect_s"] = round(time.perf_counter() - start, 1)
            if p < self.gate:
                report["action"] = (f"not treated: the detector found no backdoor (p={p:.3f} < "
                                    f"gate {self.gate}; force=1 treats it anyway)")
                return model
            report["suspect"] = ranked[0] if ranked else None
        report["action"] = f"treated with {self.then}" + (" (forced)" if self.force else "")
        for prm in model.parameters():
            prm.requires_grad_(True)  # the detector may have frozen them
        return self.inner.purify(model, clean, seed)

    @property
    def treated(self) -> bool:
        """Whether the last :meth:`purify` changed the model (``False``: gated out)."""
        return str(getattr(self, "report_", {}).get("action", "")).startswith("treated")
