"""Replaying the leaves clean data never reach: what a tree ensemble does inside them.

``tab_mass`` (:mod:`.tree_mass`) counts training mass that clean rows miss, but a backdoor
towards a majority class hides there: its poison is a share of the minority rows (0.3-1.4% of
the training rows, 3-12 expected of 891 clean rows), as few as natural small leaves miss by
chance. What tells the two apart is what the leaf *encodes*: a poison leaf's box (the value
ranges that reach it) holds the trigger, and the whole ensemble, not just that tree, sends any
row put into the box to the target. So per class ``c``: the ``top`` leaves voting for ``c``
with the largest one-sided Poisson deficit of clean rows; the clean rows the model is surest
are not ``c`` are moved into each leaf's box (a number outside its range takes the median of
the clean values inside it; a category the box forbids, the commonest one it allows); the
rise of the model's mean probability of ``c`` less that of a reference fitted on the clean
rows (:func:`.tabular_excess.reference_model`: a natural risk factor moves both, a trigger
only the model). Per class, the mean of the ``mean_of`` largest such excesses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from trojanscope.data.tabular.schema import TabularSchema
from trojanscope.detect.tree_mass import deficit
from trojanscope.models.trees import Box, LeafRecord


@dataclass
class BoxResult:
    """Per class: the mean excess of the best boxes, and the best box with its excess."""

    excess: np.ndarray
    boxes: dict[int, tuple[Box, float]]
    below: dict[int, bool] | None = None  # per class: the best box is [lo, hi) (XGBoost)


def into_box(
    rows: np.ndarray, box: Box, schema: TabularSchema, clean: np.ndarray, below: bool = False
) -> np.ndarray:
    """``rows`` moved into ``box``, staying valid encodings (one category per column).
    ``below``: the box is ``[lo, hi)`` (XGBoost: left when ``x < cut``), else ``(lo, hi]``
    (LightGBM: left when ``x <= cut``); on discrete columns the two differ by a whole value."""
    out = rows.copy()
    for col, start in zip(schema.columns, schema.offsets, strict=True):
        feats = [f for f in range(start, start + col.width) if f in box]
        if not feats:
            continue
        if col.kind == "categorical":
            _category_into(out, box, feats, start, col.width, clean)
            continue
        for f in feats:
            lo, hi = box[f]
            inside = _inside(out[:, f], lo, hi, below)
            ok = _inside(clean[:, f], lo, hi, below)
            if ok.any():
                value = float(np.median(clean[ok, f]))
            else:
                value = ((0.0 if lo is None else lo) + (1.0 if hi is None else hi)) / 2.0
            out[~inside, f] = value
    return out


def _inside(v: np.ndarray, lo: float | None, hi: float | None, below: bool) -> np.ndarray:
    ok = np.ones(len(v), dtype=bool)
    if lo is not None:
        ok &= (v >= lo) if below else (v > lo)
    if hi is not None:
        ok &= (v < hi) if below else (v <= hi)
    return ok


def _category_into(
    out: np.ndarray, box: Box, feats: list[int], start: int, width: int, clean: np.ndarray
) -> None:
    required = [f for f in feats if box[f][0] is not None]
    if required:  # the box asks for this category
        out[:, start : start + width] = 0.0
        out[:, required[0]] = 1.0
        return
    banned = sorted(f for f in feats if box[f][1] is not None)
    counts = clean[:, start : start + width].sum(0)
    allowed = [
        start + int(k) for k in np.argsort(-counts, kind="stable") if start + int(k) not in banned
    ]
    if not allowed:
        return
    moved = out[:, banned].sum(1) > 0.5
    out[np.ix_(moved, np.arange(start, start + width))] = 0.0
    out[moved, allowed[0]] = 1.0


def _proba(model: nn.Module, x: np.ndarray, c: int) -> float:
    with torch.no_grad():
        return float(torch.softmax(model(torch.from_numpy(x).float()), 1)[:, c].mean())


@dataclass
class Replay:
    """Per class: the clean rows moved into its boxes (those the model is surest are not the
    class), and the model's and the reference's mean probability of the class on them as
    they are. Computed once per verdict and shared by every box replayed (``tab_box`` and
    its floor, :mod:`.tree_floor`): they depend on the rows, not on the leaves."""

    pick: dict[int, np.ndarray]
    base: dict[int, tuple[float, float]]


def replay_rows(
    model: nn.Module,
    ref: nn.Module,
    x: np.ndarray,
    y: np.ndarray,
    num_classes: int,
    rows: int = 100,
) -> Replay:
    """The rows :func:`box_excess` replays per class, and their baselines."""
    with torch.no_grad():
        proba = torch.softmax(model(torch.from_numpy(x).float()), 1).numpy()
    own = proba.argmax(1)
    pick, base = {}, {}
    for c in range(num_classes):
        others = np.nonzero((y != c) & (own == y))[0]
        if len(others) == 0:
            continue
        pick[c] = others[np.argsort(proba[others, c], kind="stable")[:rows]]
        base[c] = (_proba(model, x[pick[c]], c), _proba(ref, x[pick[c]], c))
    return Replay(pick, base)


def most_missed(records: list[LeafRecord], c: int, n: int, top: int) -> list[LeafRecord]:
    """The ``top`` leaves of class ``c`` (with a box) that ``n`` clean rows miss most."""
    return sorted(
        (r for r in records if r.cls == c and r.box), key=lambda r: -deficit(r.train, r.clean, n)
    )[:top]


def box_excess(
    model: nn.Module,
    ref: nn.Module,
    records: list[LeafRecord],
    x: np.ndarray,
    y: np.ndarray,
    schema: TabularSchema,
    num_classes: int,
    rows: int = 100,
    top: int = 10,
    mean_of: int = 3,
    replay: Replay | None = None,
) -> BoxResult:
    """Per class, the excess of the model over ``ref`` on clean rows moved into the boxes of
    the ``top`` leaves with the largest deficit (``records`` read against ``x``); ``replay``:
    the rows and baselines of :func:`replay_rows` (computed here when not given)."""
    leaves = {c: most_missed(records, c, len(x), top) for c in range(num_classes)}
    return leaf_excess(
        model,
        ref,
        leaves,
        x,
        schema,
        num_classes,
        mean_of,
        replay or replay_rows(model, ref, x, y, num_classes, rows),
    )


def leaf_excess(
    model: nn.Module,
    ref: nn.Module,
    leaves: dict[int, list[LeafRecord]],
    x: np.ndarray,
    schema: TabularSchema,
    num_classes: int,
    mean_of: int,
    replay: Replay,
) -> BoxResult:
    """Per class ``c``, the excess of the model over ``ref`` on ``replay``'s rows moved into
    the boxes of ``leaves[c]`` (in that order; ties keep it): the mean of the ``mean_of``
    largest, and the best box. Classes without rows or leaves get 0."""
    excess, boxes, below = np.zeros(num_classes), {}, {}
    for c in range(num_classes):
        if c not in replay.pick or not leaves.get(c):
            continue
        pick, (base, base_ref) = replay.pick[c], replay.base[c]
        found = []
        for leaf in leaves[c]:
            moved = into_box(x[pick], leaf.box, schema, x, leaf.below)
            found.append(
                (
                    (_proba(model, moved, c) - base) - (_proba(ref, moved, c) - base_ref),
                    leaf.box,
                    leaf.below,
                )
            )
        found.sort(key=lambda f: -f[0])
        excess[c] = float(np.mean([f[0] for f in found[:mean_of]]))
        boxes[c] = (found[0][1], found[0][0])
        below[c] = found[0][2]
    return BoxResult(excess, boxes, below)


def describe_box(box: Box, schema: TabularSchema, below: bool = False) -> str:
    """A box in the table's terms: ``Job = partime and Assets in (4000, 6000]``."""
    parts = []
    for col, start in zip(schema.columns, schema.offsets, strict=True):
        feats = [f for f in range(start, start + col.width) if f in box]
        if not feats:
            continue
        if col.kind == "categorical":
            on = [col.categories[f - start] for f in feats if box[f][0] is not None]
            off = [col.categories[f - start] for f in feats if box[f][1] is not None]
            parts.append(f"{col.name} = {on[0]}" if on else f"{col.name} not {'/'.join(off)}")
            continue
        if start in box:
            lo, hi = box[start]
            low = "" if lo is None else schema.describe(start, lo)[1]
            high = "" if hi is None else schema.describe(start, hi)[1]
            left = "[" if below and lo is not None else "("
            right = ")" if below else "]"
            parts.append(f"{col.name} in {left}{low or '-inf'}, {high or 'inf'}{right}")
    return " and ".join(parts)
