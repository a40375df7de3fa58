"""``span-text`` (issue 15, stop 56): score a text input by how much of its predicted class the
model loses when one token span is removed (:mod:`span_occlusion`). A triggered input hangs on
its trigger, and removing any part of it returns the sentence to its own class; a clean one is
carried by several words. The score needs no clean data; the guard's threshold is set on the
detector's own scores of the clean inputs it is given (nothing is fitted on them, so they are
distributed as a new clean input's), at the rank of :func:`pac_threshold` as ``strip-text``'s.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from trojanscope.detect.input_level.base import pac_threshold
from trojanscope.detect.input_level.span_occlusion import protected_ids, span_drops, span_passes
from trojanscope.detect.input_level.text_base import TextInputDetector
from trojanscope.params import check_option
from trojanscope.registry import register

MEASURES = ("drop", "share")  # what span-text scores (see ``measure``)
MAX_WIDTH = 8  # the widest window removed at most (tokens)


@register("input-detector", "span-text")
class SpanText(TextInputDetector):
    """Span occlusion for text models: remove each window of ``width`` tokens (one every
    ``stride`` tokens) in turn and read the predicted class's probability without it.

    Arguments:
        width: tokens per window, 1 to 8.
        stride: tokens from one window's start to the next, 1 to ``width`` (so every token is
            in some window: a trigger any of whose words undoes it when removed is reached).
            ``width=2, stride=2`` removes each pair of tokens: half the forward passes of
            every single token, and an inserted sentence loses a word in any of them.
        max_spans: windows read per input at most (one forward pass each, from the start;
            a longer input's last windows are not read).
        measure: ``"drop"``: the input's own probability of its predicted class minus the
            least it keeps with one span removed; ``"share"``: that over the own probability.
        fpr_confidence: a guard's threshold is the rank of :func:`pac_threshold` (the clean
            flag rate at most ``--fpr`` with this probability over the clean inputs), as
            ``strip-text``'s default.
    """

    name = "span-text"
    needs_clean_data = False
    min_clean = 10

    def __init__(self, width: int = 2, stride: int = 2, max_spans: int = 64,
                 measure: str = "drop", fpr_confidence: float = 0.95) -> None:
        check_option("width", width, 1, MAX_WIDTH, integer=True)
        check_option("stride", stride, 1, width if isinstance(width, int) else MAX_WIDTH,
                     integer=True)
        check_option("max_spans", max_spans, 1, integer=True)
        if measure not in MEASURES:
            raise ValueError(f"measure must be one of {', '.join(MEASURES)}, got {measure!r}")
        if not 0.0 < float(fpr_confidence) < 1.0:
            raise ValueError(f"fpr_confidence must lie in (0, 1), got {fpr_confidence!r}")
        self.width = int(width)
        self.stride = int(stride)
        self.max_spans = int(max_spans)
        self.measure = measure
        self.fpr_confidence = float(fpr_confidence)

    @property
    def forward_passes_per_input(self) -> int:
        """One for the input and one per window: at most ``max_spans``, and no more windows
        than the inputs read have tokens (first contact, stop 57: ``max_spans=1e12`` printed
        "1000000000001 forward pass(es) per input")."""
        return 1 + span_passes(self.max_spans, getattr(self, "tokens_", None))

    def own_calibration(self) -> bool:
        """Nothing is fitted on the clean inputs: their scores stand for new inputs'."""
        return True

    def guard_threshold(self, clean_scores: Tensor, fpr: float) -> float:
        return pac_threshold(clean_scores, fpr, self.fpr_confidence)

    def _fit(self, model: nn.Module, clean_x: Tensor | None, generator: torch.Generator) -> None:
        self.pad_id_ = int(getattr(model, "pad_id", 0))
        self.protected_ = protected_ids(model)
        self.tokens_: int | None = None  # the longest input scored (its windows' bound)

    def _score(self, x: Tensor) -> Tensor:
        self.tokens_ = max(self.tokens_ or 0, int(x.shape[-1]))
        return span_drops(self.model, x, self.width, self.stride,  # type: ignore[arg-type]
                          self.max_spans, self.pad_id_, self.protected_, self.measure == "share")
