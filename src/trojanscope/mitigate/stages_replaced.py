"""The one way a step may replace `gated`'s stages and every step after them: raise
:class:`StagesReplaced` with its model; :meth:`~trojanscope.mitigate.gated.Gated.purify`
catches it and hands that model back.

Why (issue 12 stop 73, h12): ``dense_mask`` unlearns a dense pixel mask in place of the
stages, and is read inside ``Gated._purify``, three calls below ``purify`` (one of five
dispatchers, then ``_purify_margin``, ``_purify_undo``). Stop 72 told the steps after it by a
flag only ``free_reach``'s dispatcher read, so ``dense_repair``, ``bias_refit``,
``back_distill`` and ``margin`` still ran on the unlearnt model (stop 72, hfix). An exception
passes every layer between (tests and benchmarks replace those by name) without each having to
carry the verdict back, and ``purify`` is the one place that reads it.
"""

from __future__ import annotations

from torch import nn


class StagesReplaced(Exception):
    """Carries the model a step put in place of the stages up to ``Gated.purify``."""

    def __init__(self, model: nn.Module, why: str) -> None:
        super().__init__(why)
        self.model = model
