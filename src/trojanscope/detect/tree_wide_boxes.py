"""The box excess read over more of a tree's missed leaves (issue 16 stop 74: candidate W74,
opt-in ``box_wide``).

``tab_box`` (:mod:`.tree_boxes`) replays the boxes of the ten leaves per class that the clean
rows miss most. With a 200-row file that top ten is chance for a backdoor towards the majority
class: its poison is split into small leaves that expect under one of 200 rows, while natural
leaves in regions the file happens to hold few rows of miss all of theirs (docs/benchmarks.md,
issue 16 stop 66: ranked by the whole split's deficits, the same replay parted XGBoost's
target-0 backdoors from clean trees at ROC-AUC 0.986, by the 200-row file's 0.819). Ranking
cannot be repaired from the file; reading more of the ranking can: the ``wide`` most missed
leaves hold the trigger's leaves far more often than the first ten, and a clean tree's extra
boxes move the linear reference as much as the model (natural regions), so the excess of the
best few stays low. ``tab_box_wide`` / ``tab_major_box_wide`` are ``tab_box`` /
``tab_major_box`` read over the ``wide`` most missed leaves; every default feature is read as
without them.

``tab_box_above`` (stop 74, h16w: candidate M74) is ``tab_box``, or the wide box put on
``tab_box``'s scale where it stands higher: the larger of the two standardised values, so a
box the top ten already hold keeps its weight (W74, the wide box in ``tab_box``'s place,
lowered backdoors whose 80 leaves add little to the ten's).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from trojanscope.detect.calibration import Calibrator, load_calibrators
from trojanscope.detect.tree_boxes import Replay, leaf_excess, most_missed
from trojanscope.models.trees import LeafRecord

MAX_BOX_WIDE = 200  # leaves per class, at most (a 30-tree depth-6 ensemble holds ~1,900)
BAND_BOX_WIDE = 80  # the default for an XGBoost tree read with a file in a size band (M74)
# the libraries whose trees read the wide box by default with a file in a size band
BAND_WIDE_LIBRARIES = ("xgboost",)
# W74's map of ``tab_box_wide`` (80 leaves) onto ``tab_box``'s scale: the wide box's centre and
# scale matched on the 41 clean development zoo readings
# (benchmarks/data/tabular_s74_h16/calibration_w74.json); ``tab_box``'s side is read from the
# band entry itself (:func:`box_map`), so a refit of that entry moves the map with it
WIDE_CENTRE, WIDE_SCALE = 0.6556722933373768, 0.487305875069323
BAND_ENTRY = "tabular-search:tree:xgboost:rows200"  # the entry that reads ``tab_box_above``


def wide_box_features(model: Any, ref: Any, records: list[LeafRecord], x: np.ndarray,
                      schema: Any, num_classes: int, wide: int, mean_of: int, replay: Replay,
                      silent: set[int], major: int) -> dict[str, float]:
    """``tab_box_wide`` (the largest class's excess) and ``tab_major_box_wide`` (the majority
    class's): :func:`.tree_boxes.leaf_excess`, the replay ``tab_box`` reads, over the ``wide``
    leaves per class that the file's ``len(x)`` rows miss most (classes in ``silent``,
    unsearched, read 0, as ``tab_box``)."""
    leaves = {c: most_missed(records, c, len(x), wide) for c in range(num_classes)
              if c not in silent}
    excess = leaf_excess(model, ref, leaves, x, schema, num_classes, mean_of, replay).excess
    return {"tab_box_wide": float(excess.max()), "tab_major_box_wide": float(excess[major])}


def box_map(calibrators: dict[str, Calibrator] | None = None) -> tuple[float, float]:
    """The centre and scale ``tab_box_above`` is put on: the mean and scale with which
    :data:`BAND_ENTRY` of ``calibrators`` (None: the shipped file) reads it (``tab_box`` in a
    file from before M74). Read, not copied, so a refit of the entry cannot leave the map stale
    (stop 74's second review, hrev2). No such entry: the wide box's own centre and scale (it
    is then read as it is, above ``tab_box``)."""
    entry = (load_calibrators() if calibrators is None else calibrators).get(BAND_ENTRY)
    for name in ("tab_box_above", "tab_box"):
        if entry is not None and entry.mean and entry.scale and name in entry.features:
            i = entry.features.index(name)
            return float(entry.mean[i]), float(entry.scale[i])
    return WIDE_CENTRE, WIDE_SCALE


def remap_box_above(features: dict[str, float], calibrators: dict[str, Calibrator]) -> None:
    """Make ``tab_box_above`` again, in place, on the map of the file that scores it: the
    detector makes it on the shipped file's :func:`box_map`, so a ``--calibration FILE`` whose
    band entry is the user's own refit scored the wide box on the shipped file's scale (stop
    74's hfix3, "Falls short"; stop 75: hcmd). Only a reading that holds the two boxes it is
    made of, and only where ``calibrators`` hold :data:`BAND_ENTRY` (no other entry reads it);
    the shipped file gives the detector's own value."""
    if BAND_ENTRY not in calibrators or not {"tab_box", "tab_box_wide",
                                             "tab_box_above"} <= features.keys():
        return
    features["tab_box_above"] = box_above(features["tab_box"], features["tab_box_wide"],
                                          box_map(calibrators))


def box_above(box: float, wide: float, centre_scale: tuple[float, float] | None = None
              ) -> float:
    """``tab_box_above``: ``box``, or ``wide`` mapped onto ``box``'s scale where it reads higher
    (standardised by ``centre_scale``, the band entry's by default (:func:`box_map`), the
    larger of the two)."""
    centre, scale = box_map() if centre_scale is None else centre_scale
    return max(float(box), centre + scale * (float(wide) - WIDE_CENTRE) / WIDE_SCALE)
