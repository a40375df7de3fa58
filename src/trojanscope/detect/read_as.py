"""Features a stored reading may lack, read as another feature it holds.

A tree read without the wide box (``box_wide=0``; readings stored before issue 16 stop 74)
has no ``tab_box_above``, and the detector itself records it as ``tab_box`` then (M74, h16w).
The calibrator's score and its range guard both read a reading through :func:`read_as`, so
such a reading is scored and range-checked on the same value (stop 74's second review, hrev2:
the guard once skipped it)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

READ_AS = {"tab_box_above": "tab_box"}


def read_as(names: Iterable[str], features: Mapping[str, float]) -> Mapping[str, float]:
    """``features`` with each of ``names`` it lacks read as its :data:`READ_AS` feature, where
    the reading holds that one (``features`` itself where nothing is filled)."""
    filled = {f: features[READ_AS[f]] for f in names
              if f not in features and READ_AS.get(f) in features}
    return {**features, **filled} if filled else features
