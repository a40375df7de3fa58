"""A second reading inside the excess term's guard (issue 9, stop 76: h9s).

The excess term (:mod:`.class_excess`) takes MM-BD's reading back where the top class is one
clean models of the kind lean to; on flat MLPs made by scikit-learn or a plain torch loop a
``wide_recipes`` entry opens classes 5 and 6 behind a guard on MM-BD's own outlier reading
(``mmbd_anomaly`` <= 3.0, ``mmbd_gap`` <= 0.25, stop 74). A weak backdoor aimed there (a low
poison rate, a sparse trigger) stands inside that guard as a clean lean does, on every summary of
MM-BD's margins (stop 75), and the entry lowered it under the flag. What parts them is not the
margin but the input: a trigger sends the other classes' inputs to its target through a few
input values, a clean lean does not. An entry's ``shut`` (``{feature: bound}``) names these
readings; a run that recorded one above its bound is not opened by the entry (read as if the
entry were not in the file), a run without it is read as before. Two readings, one a path:

- with clean data, ``guard_probe_share``: the larger of the empty-pixel and single-pixel
  probes' shares (``detect/universal.py``, ``detect/pixels.py``: the other classes' clean inputs
  they send to a class) at MM-BD's top class — free, the probes ran already;
- data-free, ``guard_mask_stand``: a mask search (Wang et al., S&P 2019: a backdoor target is
  reached by a far smaller mask than the other classes) with MM-BD's own best maximising input
  of each other class as the hosts, every class searched; the stand is
  ``log(median other classes' mask L1 / the top class's)``. It runs only where the shipped
  file's excess term reads the top class through shut entries alone (the runs it can change).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

PROBE_SHARE = "guard_probe_share"
MASK_STAND = "guard_mask_stand"
PROBES = ("empty_share", "pixel_share")  # the per-class shares the probes record
MASK_STEPS = 80  # Adam steps of the data-free search (h9f's, stop 75)
MASK_LAM = 0.05  # its L1 weight: masks small enough that a trigger's few values show
MASK_LR = 0.1


def probe_share(features: dict[str, float], per_class: Sequence) -> float | None:
    """The larger of the probes' shares (:data:`PROBES`) at MM-BD's top class (the largest
    per-class ratio, :func:`.class_excess.top_of`); None where the run has no ratios or no
    probe recorded a share there. ``per_class`` holds :class:`.base.ClassResult` rows or
    their report dicts."""
    from trojanscope.detect.class_excess import class_ratios, top_of

    ratios = class_ratios(features)
    if ratios is None:
        return None
    top = top_of(ratios)
    for row in per_class:
        cls = row["class"] if isinstance(row, dict) else row.cls
        if cls != top:
            continue
        details = (row.get("details") or row) if isinstance(row, dict) else row.details
        shares = [float(details[k]) for k in PROBES if isinstance(details.get(k), int | float)]
        return max(shares) if shares else None
    return None


def mask_sizes(model: nn.Module, inputs: torch.Tensor, margins: torch.Tensor, steps: int,
               lam: float, hosts_per_class: int = 1, classes: list[int] | None = None,
               lr: float = MASK_LR) -> tuple[list[float], list[float]]:
    """Per class (every class, or only ``classes``): the L1 of a mask sending the other classes'
    best ``hosts_per_class`` maximising inputs (``inputs``: classes × starts × input shape,
    ``margins``: classes × starts) to it, and the share it sends there, unrounded — the data-free
    mask gate's search (:func:`.mask_gate.search_masks`), run to ``steps`` without an early exit."""
    from trojanscope.detect.mask_gate import search_masks

    return search_masks(model, inputs, margins, steps, lam, hosts_per_class, classes, lr)


def mask_stand(model: nn.Module, inputs: torch.Tensor, margins: torch.Tensor, top: int,
               steps: int = MASK_STEPS, lam: float = MASK_LAM) -> float:
    """``log(median of the other classes' mask L1 / class top's)`` from :func:`mask_sizes` with
    one host a class: large where ``top`` is reached through far fewer input values."""
    l1, _ = mask_sizes(model, inputs, margins, steps, lam)
    others = torch.tensor([v for c, v in enumerate(l1) if c != top], dtype=torch.float64)
    return math.log(float(others.median()) / max(l1[top], 1e-6))


def shut(entry: dict, features: dict[str, float]) -> bool:
    """Whether a run's second reading shuts an entry: a feature of the entry's ``shut``
    recorded on the run and above its bound. A run without it (the other path's reading, a run
    recorded before stop 76) is not shut."""
    return any(isinstance(features.get(name), int | float) and float(features[name]) > float(bound)
               for name, bound in (entry.get("shut") or {}).items())


def scored_by(detector: object, calibrators: dict | None) -> None:
    """Tell a detector that reads the calibration file while it runs (``auto``'s data-free
    guard search, :func:`searched_where_shut`) which file will score its verdict (``detect
    --calibration FILE``, the audit's, a zoo evaluation's); a detector without
    ``calibrators`` is left alone."""
    if hasattr(detector, "calibrators"):
        detector.calibrators = calibrators


def searched_where_shut(features: dict[str, float], traits: list[str],
                        calibrators: dict | None = None) -> bool:
    """Whether a data-free run needs :data:`MASK_STAND`: an excess term of ``calibrators``
    (the shipped file by default) reads MM-BD's top class on this run only through entries
    whose ``shut`` names it (their guards passed), i.e. where the reading can stop a
    lowering; elsewhere the term reads the class anyway (or not at all) and nothing is run."""
    from trojanscope.detect.calibration import load_calibrators
    from trojanscope.detect.class_excess import TERM, excess_opened, term_entries

    calibrators = load_calibrators() if calibrators is None else calibrators
    for _, _, term in term_entries(calibrators, TERM):
        fitted = term.fitted_on
        read = excess_opened(features, traits, fitted.get("reference") or {},
                             int(fitted.get("min_clean", 4)), float(fitted.get("wide", 0.0)),
                             fitted.get("wide_recipes"))
        if read and all(MASK_STAND in (e.get("shut") or {}) for e in read[1]):
            return True
    return False
