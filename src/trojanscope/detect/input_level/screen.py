"""Screen a batch of inputs: fit a guard on clean inputs, score the batch, flag what lies above
the threshold (the API behind ``trojanscope detect-inputs``)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from trojanscope.detect.input_level.base import FittedGuard, InputDetector, fit_guard
from trojanscope.errors import UserInputError


@dataclass
class Screening:
    """Scores and flags of one batch, with the guard that produced them."""

    guard: FittedGuard
    scores: Tensor
    flagged: Tensor
    elapsed_s: float

    def as_dict(self) -> dict[str, object]:
        """The JSON report: ``notes`` holds the detector's own and, where the flags are as few
        as the false-positive rate gives on clean inputs by chance, a note saying so
        (:func:`~trojanscope.detect.input_level.chance.chance_note`)."""
        from trojanscope.detect.input_level.chance import chance_note

        notes = list(getattr(self.guard.detector, "notes_", []))
        chance = chance_note(int(self.flagged.sum()), len(self.flagged), self.guard.fpr,
                             self.guard.n_calibration)
        return {
            "method": self.guard.detector.name,
            "params": self.guard.detector.get_params(),
            "params_used": self.guard.detector.resolved_params(),  # e.g. the transforms kept
            "scores": [float(s) for s in self.scores],
            "flagged": torch.nonzero(self.flagged).flatten().tolist(),
            "threshold": self.guard.threshold,
            "fpr": self.guard.fpr,
            "forward_passes_per_input": self.guard.detector.forward_passes_per_input,
            "clean_inputs": {"fit": self.guard.n_fit, "threshold": self.guard.n_calibration},
            "elapsed_s": self.elapsed_s,
            "notes": notes + ([chance] if chance else []),
        }


def check_fits(inputs: Tensor, clean_x: Tensor, input_shape: tuple[int, ...] | None) -> None:
    """Inputs, clean inputs and the model's known input shape must agree."""
    expected = tuple(input_shape) if input_shape else tuple(clean_x.shape[1:])
    for what, x in (("clean inputs (--data)", clean_x), ("inputs", inputs)):
        if tuple(x.shape[1:]) != expected:
            raise UserInputError(
                f"{what} have shape {tuple(x.shape[1:])} per input but the model expects "
                f"{expected}"
            )


def screen(
    model: nn.Module,
    inputs: Tensor,
    clean_x: Tensor,
    detector: InputDetector,
    *,
    fpr: float = 0.01,
    seed: int = 0,
    input_shape: tuple[int, ...] | None = None,
) -> Screening:
    """Fit ``detector`` as a guard on ``clean_x`` (threshold at ``fpr``) and check ``inputs``."""
    start = time.perf_counter()
    check_fits(inputs, clean_x, input_shape)
    guard = fit_guard(model, detector, clean_x, fpr=fpr,
                      generator=torch.Generator().manual_seed(seed))
    scores, flagged = guard.check(inputs)
    return Screening(guard, scores, flagged, time.perf_counter() - start)
