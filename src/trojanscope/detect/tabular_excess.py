"""The model's response to column values beyond what the clean data explain (``tab_excess``).

A backdoor makes a model's response to a few column values disagree with the data: setting the
trigger's values on rows of other classes sends them to the target, although in the clean rows
those values say little about the label. A natural risk factor moves the model too, but the data
back it. So the evidence is the model's effect *less* the data's effect, where the data's effect
is that of a reference model fitted on the clean rows themselves (a seeded, weight-decayed
logistic regression: it learns the strong, well-supported signals and has nothing to learn
from values the clean rows do not tie to a class).

For each class ``c``, on the clean rows of other classes: the excess of one assignment is the
mean rise of the inspected model's probability of ``c`` minus the reference's. The 15 best
single assignments seed the combinations (triggers combine 1–5 columns): every pair of them on
different columns, then the best pair extended by a third. The class's excess is the largest
(pairs and triples only: single values of natural columns were too noisy on the calibration
zoos). Used for networks; for boosted trees it did not separate clean from backdoored models
(their split intervals respond beyond a linear reference either way): docs/benchmarks.md.

With ``tabular-search -p pair_screen=K`` (:func:`screened_excess`; K = 5 by default since issue
16 stop 36, 0 turns it off): every pair of categories on two columns, screened on a seeded
sample of rows, the ``K`` best extended by a third value. Its cost grows with the pairs (about
a second per 1,000 on 32 rows): above ``MAX_SCREEN_PAIRS`` pairs only that many are screened,
those whose two categories' single excesses sum highest. Values every row already holds (a
constant column) are left out of both searches: a pair with one is a single value.
A network can learn a trigger as a conjunction — each of its categories alone raises nothing,
so none is among the 15 seeds — which only a pair of its values reveals (lending-club MLPs,
issue 16 stop 36).
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence
from typing import Protocol

import numpy as np
import torch
from torch import Tensor, nn

REFERENCE_STEPS = 500
REFERENCE_LR = 1e-2
REFERENCE_DECAY = 1e-3
SEEDS = 15  # single assignments that seed the pairs and triples
BATCH_ROWS = 20000  # rows per forward pass
SCREEN_ROWS = 32  # rows (a seeded sample) on which every pair of categories is screened
# at most this many pairs screened: above it, only pairs among the categories of the highest
# single excess (lending-club has 3,261 pairs, credit-default 143; 60,000 pairs took ~50 s)
MAX_SCREEN_PAIRS = 20000
MAX_RANKED = 4000  # above the cap, categories (of the highest single excess) whose pairs rank
# triples of categories screened among at most this many (of the highest single excess on the
# sample): credit-default's 20 categories all, lending-club's 102 the best 30 (stop 50)
TRIPLE_TOP = 30


class Assignment(Protocol):
    """What :func:`class_excess` needs of a candidate: encoded columns and their values."""

    column: str
    cols: list[int]
    vals: list[float]


def reference_model(x: Tensor, y: Tensor, num_classes: int, seed: int = 0) -> nn.Module:
    """A logistic regression fitted on the clean rows: what the data alone explain."""
    generator = torch.Generator().manual_seed(seed)
    ref = nn.Linear(x.shape[1], num_classes)
    with torch.no_grad():
        ref.weight.copy_(torch.randn(ref.weight.shape, generator=generator) * 0.01)
        ref.bias.zero_()
    return fit_full_batch(ref, x, y, REFERENCE_STEPS, REFERENCE_LR, REFERENCE_DECAY)


def fit_full_batch(module: nn.Module, x: Tensor, y: Tensor, steps: int, lr: float,
                   decay: float) -> nn.Module:
    """``module`` fitted by full-batch Adam on the clean rows (deterministic: no sampling),
    in eval mode: the one loop the references (linear, clean twin networks) share."""
    opt = torch.optim.Adam(module.parameters(), lr=lr, weight_decay=decay)
    module.train()
    with torch.enable_grad():
        for _ in range(steps):
            opt.zero_grad()
            nn.functional.cross_entropy(module(x).float(), y).backward()
            opt.step()
    return module.eval()


def _apply(x: Tensor, cands: Sequence[Assignment]) -> Tensor:
    out = x.clone()
    for cand in cands:
        out[:, cand.cols] = torch.tensor(cand.vals, dtype=x.dtype)
    return out


def held_by_all(cands: Sequence[Assignment], x: Tensor) -> list[Assignment]:
    """``cands`` less those every row of ``x`` already holds (a constant column's category):
    setting one changes nothing, so a pair with it is a single value in disguise."""
    out = []
    for cand in cands:
        held = bool(len(x)) and bool(
            (x[:, cand.cols] == torch.tensor(cand.vals, dtype=x.dtype)).all())
        if not held:
            out.append(cand)
    return out


def cross_pairs(categories: Sequence[Assignment]) -> int:
    """How many pairs of ``categories`` lie on two different columns."""
    per: dict[str, int] = {}
    for cand in categories:
        per[cand.column] = per.get(cand.column, 0) + 1
    n = sum(per.values())
    return (n * n - sum(k * k for k in per.values())) // 2


def capped_pairs(categories: Sequence[Assignment], single: np.ndarray,
                 cap: int) -> list[list[Assignment]]:
    """The ``cap`` pairs of ``categories`` on two columns whose two single excesses sum highest
    (ties: the first in ``itertools.combinations`` order), in that order. Only the
    ``MAX_RANKED`` categories of the highest single excess are paired."""
    single = np.asarray(single, dtype=np.float64)
    top = np.sort(np.argsort(-single, kind="stable")[:MAX_RANKED])
    names = np.asarray([categories[int(k)].column for k in top])
    i, j = np.triu_indices(len(top), k=1)
    cross = names[i] != names[j]
    i, j = top[i[cross]], top[j[cross]]
    pick = np.sort(np.argsort(-(single[i] + single[j]), kind="stable")[:cap])
    return [[categories[int(i[k])], categories[int(j[k])]] for k in pick]


def _rise(model: nn.Module, x: Tensor, combos: list[Sequence[Assignment]], c: int,
          before: float) -> np.ndarray:
    """Mean probability of ``c`` over ``x`` with each combination set, less ``before``."""
    n, out = len(x), np.zeros(len(combos))
    chunk = max(1, BATCH_ROWS // max(n, 1))
    for s in range(0, len(combos), chunk):
        part = combos[s : s + chunk]
        batch = torch.cat([_apply(x, combo) for combo in part])
        with torch.no_grad():
            proba = torch.softmax(model(batch).float(), dim=1)[:, c].reshape(len(part), n)
        out[s : s + len(part)] = proba.mean(1).numpy() - before
    return out


class RiseCache:
    """The inspected ``model``'s rises (:func:`_rise`) within one reading, by rows, class and
    combination list. A search against a second reference (the clean twins, issue 16 stop 41)
    sets the same single values and screened pairs on the same rows as the first: their model
    half is that same computation, so it is reused (the same numbers, bitwise; issue 16 stop
    42: lending-club 200-row readings a fifth sooner, median 12.1 -> 9.8 s). Assignments are
    keyed by identity: a cache lives no longer than the candidates of the reading it serves."""

    def __init__(self, model: nn.Module) -> None:
        self.model = model
        self._kept: dict[tuple, np.ndarray] = {}

    def rise(self, x: Tensor, combos: list[Sequence[Assignment]], c: int,
             before: float) -> np.ndarray:
        """:func:`_rise` of ``model``, computed once per rows, class and combinations."""
        rows = hashlib.sha1(x.detach().contiguous().numpy().tobytes()).hexdigest()
        key = (rows, tuple(x.shape), c, before,
               tuple(tuple(id(a) for a in combo) for combo in combos))
        if key not in self._kept:
            self._kept[key] = _rise(self.model, x, combos, c, before)
        return self._kept[key].copy()


def _excess(model: nn.Module, ref: nn.Module, x: Tensor, c: int,
            combos: list[Sequence[Assignment]], rises: RiseCache | None = None) -> np.ndarray:
    """Each combination's rise of ``c``'s mean probability on ``x``, model less reference
    (the model's half from ``rises`` where it serves this model)."""
    with torch.no_grad():
        pm = float(torch.softmax(model(x).float(), 1)[:, c].mean())
        pr = float(torch.softmax(ref(x).float(), 1)[:, c].mean())
    own = (rises.rise(x, combos, c, pm) if rises is not None and rises.model is model
           else _rise(model, x, combos, c, pm))
    return own - _rise(ref, x, combos, c, pr)


def combo_excess(model: nn.Module, ref: nn.Module, x: Tensor, c: int,
                 combos: list[Sequence[Assignment]]) -> np.ndarray:
    """Each combination's rise of ``c``'s mean probability on ``x``, model less reference:
    the excess the searches here rank by, for a caller outside them (the contrast naming,
    :mod:`.tabular_contrast_naming`)."""
    return _excess(model, ref, x, c, combos)


def class_excess(model: nn.Module, ref: nn.Module, x: Tensor, c: int,
                 candidates: Sequence[Assignment],
                 rises: RiseCache | None = None) -> tuple[float, list[Assignment]]:
    """The largest excess of a pair or triple of assignments towards ``c`` on rows ``x`` (of
    other classes), and that combination (one assignment when no pair spans two columns);
    ``rises``: the model's rises kept across searches (:class:`RiseCache`)."""
    candidates = held_by_all(candidates, x)
    if not candidates or len(x) == 0:
        return 0.0, []

    def excess(combos: list[Sequence[Assignment]]) -> np.ndarray:
        return _excess(model, ref, x, c, combos, rises)

    single = excess([[cand] for cand in candidates])
    seeds = [candidates[i] for i in np.argsort(-single, kind="stable")[:SEEDS]]
    best, best_combo = float(single.max()), [candidates[int(single.argmax())]]
    pairs = [[a, b] for a, b in itertools.combinations(seeds, 2) if a.column != b.column]
    if not pairs:
        return best, best_combo
    pair_ex = excess(pairs)
    top = pairs[int(pair_ex.argmax())]
    # a single assignment is no combination: pairs and triples only, once there are pairs
    best, best_combo = float(pair_ex.max()), top
    triples = [[*top, s] for s in seeds if s.column not in {a.column for a in top}]
    if triples:
        trip_ex = excess(triples)
        if float(trip_ex.max()) > best:
            best, best_combo = float(trip_ex.max()), triples[int(trip_ex.argmax())]
    return best, list(best_combo)


def combo_flip(model: nn.Module, x: Tensor, c: int, combo: Sequence[Assignment]) -> float:
    """The share of rows ``x`` that ``model`` answers ``c`` with ``combo`` set (0.0 for no
    rows or no combination). On the rows the model is surest are not ``c``, a backdoor's
    values send nearly all of them; a natural combination, which the linear reference may
    explain less well than the model, moves the borderline ones (``tab_excess_flip``,
    issue 16 stop 50)."""
    if len(x) == 0 or not combo:
        return 0.0
    with torch.no_grad():
        return float((model(_apply(x, combo)).float().argmax(1) == c).float().mean())


def screened_excess(model: nn.Module, ref: nn.Module, x: Tensor, c: int,
                    categories: Sequence[Assignment], extend: Sequence[Assignment], keep: int,
                    seed: int, rows: int = SCREEN_ROWS, cap: int = MAX_SCREEN_PAIRS,
                    rises: RiseCache | None = None) -> tuple[float, list[Assignment]]:
    """The largest excess towards ``c`` of a pair of ``categories`` on two columns, or of such
    a pair with one of ``extend`` on a third, and that combination.

    Every pair is screened on ``rows`` rows of ``x`` drawn with ``seed``; the ``keep``
    best are extended by every assignment of ``extend`` on another column, screened alike; the
    ``keep`` best pairs and triples are rescored on every row. (0.0, []) without a pair.
    Assignments every row of ``x`` holds are left out (:func:`held_by_all`). Above ``cap``
    pairs, only the ``cap`` pairs whose categories' single excesses on the sample sum highest
    (:func:`capped_pairs`). ``rises``: the model's rises kept across searches."""
    if len(x) == 0 or keep < 1:
        return 0.0, []
    categories, extend = held_by_all(categories, x), held_by_all(extend, x)
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
    sample = x[order[:rows]]
    if cross_pairs(categories) > cap:
        single = _excess(model, ref, sample, c, [[a] for a in categories], rises)
        pairs = capped_pairs(categories, single, cap)
    else:
        pairs = [[a, b] for a, b in itertools.combinations(categories, 2)
                 if a.column != b.column]
    if not pairs:
        return 0.0, []
    scores = _excess(model, ref, sample, c, pairs, rises)
    top = [pairs[i] for i in np.argsort(-scores, kind="stable")[:keep]]
    triples, seen = [], set()
    for pair in top:
        used = {a.column for a in pair}
        for extra in extend:
            key = frozenset((a.column, tuple(a.vals)) for a in (*pair, extra))
            if extra.column not in used and key not in seen:
                seen.add(key)
                triples.append([*pair, extra])
    finals: list[Sequence[Assignment]] = list(top)
    if triples:
        trip = _excess(model, ref, sample, c, triples, rises)
        finals += [triples[i] for i in np.argsort(-trip, kind="stable")[:keep]]
    full = _excess(model, ref, x, c, finals, rises)
    best = int(full.argmax())
    return float(full[best]), list(finals[best])


def triple_excess(model: nn.Module, ref: nn.Module, x: Tensor, c: int,
                  categories: Sequence[Assignment], keep: int, seed: int,
                  rows: int = SCREEN_ROWS, top: int = TRIPLE_TOP,
                  rises: RiseCache | None = None) -> tuple[float, list[Assignment]]:
    """The largest excess towards ``c`` of three ``categories`` on three columns, and that
    triple: every such triple screened on ``rows`` rows of ``x`` drawn with ``seed``, the
    ``keep`` best rescored on every row. A trigger of three categories none of whose pairs
    moves the model is missed by the pair screen, whose third value extends its best pairs
    only (credit-default MLPs aimed at class 1, issue 16 stop 50). Above ``top`` categories,
    only the ``top`` of the highest single excess on the sample are combined. (0.0, [])
    without a triple."""
    if len(x) == 0 or keep < 1:
        return 0.0, []
    categories = held_by_all(categories, x)
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
    sample = x[order[:rows]]
    if len(categories) > top:
        single = _excess(model, ref, sample, c, [[a] for a in categories], rises)
        categories = [categories[int(i)]
                      for i in np.sort(np.argsort(-single, kind="stable")[:top])]
    triples = [list(t) for t in itertools.combinations(categories, 3)
               if len({a.column for a in t}) == 3]
    if not triples:
        return 0.0, []
    scores = _excess(model, ref, sample, c, triples, rises)
    finals = [triples[i] for i in np.argsort(-scores, kind="stable")[:keep]]
    full = _excess(model, ref, x, c, finals, rises)
    best = int(full.argmax())
    return float(full[best]), list(finals[best])
