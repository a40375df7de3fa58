"""``label-groups``' ``tie_covers`` (issue 16 stop 72): which groups of another label are a
tied group's own covers, passed over as rivals when the flags are cut.

A conjunction trigger towards a table's minority label (``credit-default``'s class 1) writes
two or three values on rows of the other label and relabels them; its cover rows carry a part
of it and keep their label. The naive Bayes model ``label-groups`` reads is fitted on the
poisoned rows, so it learns the trigger's values as signs of the target: the cover rows (and
the condition's natural rows of the other label) hold the target *less* often than their
values predict, and the ``deficit`` screen scores them, on the trigger's own values, above the
trigger. The trigger's rows, a group larger than the top share, tie at the cut under rows not
their own, and ``tie_margin`` (which asks the tied rows to hold the table's top score) never
applies (``credit-default`` 15152, 16153, 16452). Such a rival is the trigger read from its
other side, not a second finding: a group of another label than the tied rows whose condition
holds at least ``need`` of the values the tied rows share (``shared_columns``) that at most
``COVER_SHARE`` of the table holds (a trigger's values are uncommon; a value most rows hold is
no part of one) is passed over, where it holds part of those values but not all (a cover row
carries a proper subset). The cover rows of ``credit-default``'s misses hold one value of the
trigger and their own value on its other columns (``Job`` the trigger's, ``Marital`` not), so
one value is enough. Only tied rows of a label under half the table's rows pass rivals over:
the screens that raise covers read the majority label's groups.
"""

from __future__ import annotations

import numpy as np

# a rival is a cover where its condition holds this many of the tied rows' shared values ...
COVER_NEED = 1
# ... counting only values at most this share of the table's rows holds
COVER_SHARE = 0.5


def cover_rivals(scores: np.ndarray, top: float, groups: list[dict], codes: np.ndarray,
                 labels: np.ndarray, need: int = COVER_NEED, most: float = COVER_SHARE
                 ) -> np.ndarray:
    """Per group of ``groups`` (``label``, ``columns``, ``row``: one row holding its
    condition): whether it is a cover of the rows tied at the ``top`` quantile of ``scores``:
    of another label than most tied rows (a label under half the table's rows: ``deficit``,
    ``cells`` and the other screens score the majority label's groups only, so a trigger
    towards it has no such shadow), its condition holding at least ``need`` of the values
    at least ``SHARED`` of the tied rows share and at most ``most`` of all rows hold, and not
    all of them: a *proper* part, as a cover row carries. Where the tied rows are themselves
    the covers of a trigger above them (towards the majority label, its covers drawn from
    the minority), the trigger holds all of their one shared value and is no cover of
    theirs. None tied (the cut at 0), or fewer than two such values: none."""
    from trojanscope.detect.data.label_groups import shared_columns  # no import cycle

    passed = np.zeros(len(groups), bool)
    cut = float(np.quantile(scores, top))
    tied = scores == cut
    if cut <= 0 or not tied.any():
        return passed
    own = int(np.bincount(labels[tied]).argmax())
    if (labels == own).mean() >= 0.5:  # the screens that raise covers read the majority label
        return passed
    shared = {j: v for j, v in shared_columns(codes[tied]).items()
              if (codes[:, j] == v).mean() <= most}
    least = min(need, len(shared) - 1)
    if least < 1:  # one shared value: no part of it is a proper part
        return passed
    for i, g in enumerate(groups):
        if g["label"] == own:
            continue
        held = sum(shared.get(j) == int(codes[g["row"], j]) for j in g["columns"])
        passed[i] = least <= held < len(shared)
    return passed
