"""Development reading of candidate W74 (issue 16 stop 74, h16): the trees' box excess read
over several widths of the most missed leaves in one pass.

Runs ``tabular_small_clean.py`` (``--zoo ...``) or the README line
(``tabular_s68_h16_readme200.py``, ``--readme ...``) with ``-p box_wide=W`` for the largest
width ``W`` of ``--widths``, and each reading records ``tab_box_wide<N>`` and
``tab_major_box_wide<N>`` for every width ``N``: one replay per leaf of the ``W`` most missed,
each width's features the mean of the best three among its first ``N`` (the most missed order
is one sort, so the first ``N`` of ``W`` are the ``N`` most missed; ``tab_box_wide`` itself is
the widest's). Every default feature, target and family is read as by today's default.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s74_h16_widths.py --widths 20,40,80 \
        --zoo ZOO --sizes 200 --draws 1 --seed 5305 --archs xgboost --interleave --detect \
        --json OUT.json
    PYTHONPATH=src:benchmarks python benchmarks/tabular_s74_h16_widths.py --widths 20,40,80 \
        --readme --work DIR --recipes readme --seeds 5620-5629 --files 3 --today-files "" \
        --cand-files 0,1,2 --json OUT.json
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

import trojanscope.detect.tabular_search as search
from trojanscope.detect.tree_boxes import most_missed
from trojanscope.detect.tree_wide_boxes import leaf_excesses, top_mean


def widths_of(argv: list[str]) -> tuple[list[int], list[str]]:
    """``--widths 20,40,80`` taken out of ``argv``; the rest is the reader's."""
    if "--widths" not in argv:
        raise SystemExit("error: --widths N,N,... is required")
    i = argv.index("--widths")
    widths = sorted(int(w) for w in argv[i + 1].split(","))
    return widths, argv[:i] + argv[i + 2:]


def patched(widths: list[int]):
    """A ``wide_box_features`` that records every width's features from one pass."""

    def features(model: Any, ref: Any, records: list, x: np.ndarray, schema: Any,
                 num_classes: int, wide: int, mean_of: int, replay: Any, silent: set[int],
                 major: int) -> dict[str, float]:
        per = {c: [] if c in silent else leaf_excesses(
            model, ref, most_missed(records, c, len(x), wide), x, schema, c, replay)
            for c in range(num_classes)}
        out = {}
        for n in widths:
            excess = np.asarray([top_mean(per[c][:n], mean_of) for c in range(num_classes)])
            out[f"tab_box_wide{n}"] = float(excess.max())
            out[f"tab_major_box_wide{n}"] = float(excess[major])
        out["tab_box_wide"] = out[f"tab_box_wide{widths[-1]}"]
        out["tab_major_box_wide"] = out[f"tab_major_box_wide{widths[-1]}"]
        return out

    return features


def main() -> None:
    widths, argv = widths_of(sys.argv[1:])
    search.wide_box_features = patched(widths)
    readme = "--readme" in argv
    argv = [a for a in argv if a != "--readme"] + ["-p", f"box_wide={widths[-1]}"]
    sys.argv = [sys.argv[0], *argv]
    if readme:
        import tabular_s68_h16_readme200 as line
        line.main()
    else:
        import tabular_small_clean as zoo
        zoo.main()


if __name__ == "__main__":
    main()
