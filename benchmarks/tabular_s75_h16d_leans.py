"""Issue 16 stop 75 (h16d), development and the rule's screen: ``label-groups -p covers=3``
(``label_leans``: a two-value condition towards the majority label whose two near cells each
hold more of the other labels than their rows' chances predict, the smaller ``z`` over
``LEAN_BAR``, while its own rows hold fewer). Per table: the conditions over the bar (rows,
poison rows, ``lean``), the best ``lean`` of a condition holding no poison row; where one is
over the bar (and not ``--screen-only``) the table is scored by ``covers=2`` (the default
before stop 75, every other parameter the default) and by ``covers=3`` (two scorings) and
both settings' flags printed; a table without one scores equal either way by construction.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s75_h16d_leans.py --seeds 15755 16055
    PYTHONPATH=src:benchmarks python benchmarks/tabular_s75_h16d_leans.py --base 16900 \
        --synthetic 16960 16989 --screen-only
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
from trojanscope.detect.data.label_groups import LabelGroups, naive_bayes_terms  # noqa: E402
from trojanscope.detect.data.label_leans import cover_leans  # noqa: E402


def candidate(tag: str, data, mask: np.ndarray, show: int, screen_only: bool, bar: float
              ) -> tuple[int | None, int | None, float]:
    """One table read for ``covers=3``: its conditions over ``bar`` and, where there is one
    and ``bar`` is the shipped one, both settings' flags; returns the rows each flags (None
    where not scored) and the best ``lean`` of a condition holding no poison row."""
    c0 = time.process_time()
    codes, labels, _, names = codes_of(data)
    categorical = np.array([c.kind == "categorical" for c in schema_of(data).columns])
    p = LabelGroups()
    terms, prior = naive_bayes_terms(codes, labels, int(labels.max()) + 1, p.folds, p.seed)
    cols = [j for j in range(codes.shape[1])
            if categorical[j] and len(np.unique(codes[:, j])) <= COVER_VALUES]
    over, natural = [], [-np.inf]
    for c, (j, m), holds, z in cover_leans(codes, labels, terms.sum(1) + prior, terms, cols,
                                           p.min_rows, -np.inf):
        group = holds & (labels == c)
        poison = int(mask[group].sum())
        if not poison:
            natural.append(z)
        if z > bar:
            row = int(np.argmax(holds))
            over.append(f"{names[j]}={codes[row, j]} × {names[m]}={codes[row, m]} "
                        f"({int(group.sum())} rows, {poison} poison, lean {z:.2f})")
    best = max(natural)
    head = (f"{tag}: {len(labels)} rows, {int(mask.sum())} poison; best natural lean "
            f"{best:.2f}; over the bar {len(over)}")
    if not over or screen_only:
        print(f"{head}{': ' if over else ''}{'; '.join(over)}; "
              f"{time.process_time() - c0:.1f} s cpu", flush=True)
        return None, None, best
    a, b = both_ways(f"{head}: {'; '.join(over)}", codes, labels, categorical, mask, names,
                     (LabelGroups(covers=2), LabelGroups(covers=3)), show, (*SCREENS, "leans"),
                     c0, ("covers=2", "covers=3"))
    return a, b, best


def main() -> None:
    from trojanscope.detect.data.label_leans import LEAN_BAR

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    table_arguments(parser)
    parser.add_argument("--show", type=int, default=0, help="groups shown per scored table")
    parser.add_argument("--screen-only", action="store_true",
                        help="the conditions over the bar only, no scoring")
    parser.add_argument("--weight", type=float, default=None,
                        help="development: score with this LEAN_WEIGHT instead of the shipped")
    parser.add_argument("--bar", type=float, default=LEAN_BAR,
                        help="list conditions over this (scoring uses the shipped bar)")
    args = parser.parse_args()
    if args.weight is not None:
        label_groups.LEAN_WEIGHT = args.weight
    tally(args, lambda tag, data, mask: candidate(tag, data, mask, args.show,
                                                  args.screen_only or args.bar != LEAN_BAR,
                                                  args.bar),
          "lean of a condition")

if __name__ == "__main__":
    main()
