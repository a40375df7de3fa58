"""The pixel raise on a model without a convolution: a weak gap counts only where its class is
the verdict's suspect already (issue 9, stop 73: h9m).

A clean flat MLP made by other code (stop 71's plain-torch MLP, stop 73's scikit-learn MLP)
reads a pixel-probe gap of 0.15-0.21 over its 15 pixels, above the ``auto:raise:pixels``
term's start (0.14, fitted on the own engine's models, whose clean MLPs read at most 0.12),
and the term lifted one to BACKDOORED 0.85 at a class MM-BD did not suspect. On those clean
MLPs the probe's class is the flat MLP's few-pixel favourite (class 5 on MNIST: 49 of 116
stored clean dense models), not MM-BD's top class; a patch-backdoored MLP of the same maker
read a gap of 0.19 at its target, MM-BD's top class too. An entry with
``fitted_on["dense_agree_below"]`` (a gap) holds the term off on a dense model whose gap is
under it and whose probe class is not the verdict's first suspect before the raise; above it,
or where the two agree, the term lifts as before. Opt-in: the key is written in a calibration
file.
"""

from __future__ import annotations

from trojanscope.detect.base import ModelVerdict

AGREE_BELOW = "dense_agree_below"  # the pixel raise entry's fitted_on key (a gap)
HELD = "pixel_dense_held"  # feature recording that the key held the term off


def held_off(term_fitted_on: dict, verdict: ModelVerdict) -> bool:
    """Whether the pixel raise term stays off on this verdict (the module docstring)."""
    below = term_fitted_on.get(AGREE_BELOW)
    feats = verdict.features
    if below is None or feats.get("first_layer_dense") != 1.0:
        return False
    gap, cls = feats.get("pixel_share_gap"), feats.get("pixel_top_class")
    if gap is None or cls is None or gap >= float(below):
        return False
    return not verdict.target_classes or int(cls) != verdict.target_classes[0]


def check_agree(calibrators: dict) -> None:
    """Refuse (ValueError) an entry's ``dense_agree_below`` that is not a number in (0, 1]."""
    for key, term in calibrators.items():
        below = term.fitted_on.get(AGREE_BELOW)
        if below is None:
            continue
        if isinstance(below, bool) or not isinstance(below, (int, float)) or not 0 < below <= 1:
            raise ValueError(f"{key!r}: fitted_on.{AGREE_BELOW} must be a gap in (0, 1], got "
                             f"{below!r}")
