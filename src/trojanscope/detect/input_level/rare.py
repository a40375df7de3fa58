"""The rare-position column (issue 14; built in stop 37, ``mahalanobis`` ``rare=true``): how many
of an image's bright pixels (over half the clean data's range above its minimum, as the isolated
column) sit at positions where under ``RARE`` of the clean images it was fitted on are bright.
A centred digit never reaches the border band; a one-pixel cross (a full row and column), a
frame, or pixels scattered across the image do. Measured on the development one-pixel-cross
models (docs/benchmarks.md, stop 36, ``benchmarks/detect_inputs_cross_columns.py``): alone
ROC-AUC ≥ 0.999 and TPR 1.000 on all six, where the isolated column reads nothing (a full line
has no isolated pixels). It reads the input alone: no forward pass. The default of the
five-pass detector (``detect-inputs``) since stop 38's rule, met on fresh models
(docs/benchmarks.md, "issue 14, stop 38"); off in ``serve``'s one-pass guard and in
``ensemble``'s member. Its evidence is MNIST-like digits: on natural images every position is
bright somewhere and the column reads nothing (:func:`rare_notes` says so).
"""

from __future__ import annotations

from torch import Tensor

from trojanscope.detect.input_level.isolated import bright

RARE = 0.005  # a position is rare where fewer than this share of the clean images are bright


def rare_positions(clean_x: Tensor, floor: Tensor, span: Tensor) -> Tensor:
    """The positions (C×H×W booleans) where under ``RARE`` of ``clean_x`` is bright."""
    return bright(clean_x, floor, span).float().mean(0) < RARE


def rare_count(x: Tensor, floor: Tensor, span: Tensor, rare: Tensor) -> Tensor:
    """Per input: the number of its bright pixels at the ``rare`` positions."""
    return (bright(x, floor, span) & rare).flatten(1).sum(1).double()


def rare_notes(n_clean: int, any_rare: bool) -> list[str]:
    """What the fit should tell the user about the column: a clean set too small for "under
    ``RARE``" to mean more than "in none of them", and a column with no rare position at all."""
    notes = []
    if n_clean < round(1 / RARE):
        notes.append(
            f"rare-position column fitted on {n_clean} clean inputs: below "
            f"{round(1 / RARE)} a position is rare wherever no clean input is bright; "
            "give a few hundred"
        )
    if not any_rare:
        notes.append(
            "rare-position column reads nothing: every position is bright in "
            f"≥ {RARE:.1%} of the clean inputs"
        )
    return notes
