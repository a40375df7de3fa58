"""Two readings of the same trees on the same 200-row files, side by side (issue 16 stop 45).

Each ``--rows`` file set (``tabular_small_clean.py --detect`` rows; e.g. today's default and
``-p tree_resamples=4``) is summarised per table and library, pooled over the tables, and per
zoo: ROC-AUC, cross-entropy, clean trees flagged (p >= 0.5), target right among the flagged
backdoors, median seconds, and the worst family (table x library x target; a library's clean
trees count in every target's family). For a model read on several files of its table
(``--draws``), the spread of its p across them: per table and library the median and the
largest range (max - min) and standard deviation of the clean trees' p, then the backdoored
ones'.

    python benchmarks/tabular_tree_steadiness.py --rows default A.json B.json \
        --rows candidate A2.json B2.json [--common]
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

import numpy as np

from tabular_small_clean import _auc, _ce

Key = tuple[str, str]  # (zoo, model name)


def load(files: list[str]) -> list[dict]:
    """Every tree reading of the files."""
    rows = [r for f in files for r in json.loads(Path(f).read_text())["rows"]]
    return [r for r in rows if r["arch"] != "mlp" and r.get("probability") is not None]


def families(rows: list[dict]) -> dict[str, list[dict]]:
    """Table x library x target, a library's clean trees in each of its targets' family."""
    out: dict[str, list[dict]] = {}
    for table, arch, target in sorted({(r["table"], r["arch"], r["target"])
                                       for r in rows if r["backdoored"]}):
        out[f"{table} {arch} target {target}"] = [
            r for r in rows if r["table"] == table and r["arch"] == arch
            and (not r["backdoored"] or r["target"] == target)]
    return out


def line(rows: list[dict]) -> str:
    """ROC-AUC / CE, clean flagged, target right, median seconds, worst family."""
    if not rows:
        return "no readings"
    bd = [r for r in rows if r["backdoored"]]
    cl = [r for r in rows if not r["backdoored"]]
    flagged = [r for r in bd if r["probability"] >= 0.5]
    right = sum(r["predicted_target"] == r["target"] for r in flagged)
    fams = [(_ce(f), name) for name, f in families(rows).items()]
    worst = max(fams) if fams else (float("nan"), "-")
    return (f"{_auc(rows):.3f} / {_ce(rows):.3f}, caught {len(flagged)}/{len(bd)}, clean flagged "
            f"{sum(r['probability'] >= 0.5 for r in cl)}/{len(cl)}, target right "
            f"{right}/{len(flagged)}, median {np.median([r['elapsed_s'] for r in rows]):.1f} s;"
            f" worst {worst[1]} ({worst[0]:.3f})")


def spread(rows: list[dict], backdoored: bool) -> str:
    """Median / largest range and standard deviation of a model's p across its files."""
    ps: dict[Key, list[float]] = defaultdict(list)
    for r in rows:
        if r["backdoored"] == backdoored:
            ps[(r["zoo"], r["name"])].append(r["probability"])
    many = [v for v in ps.values() if len(v) > 1]
    if not many:
        return "-"
    rng = [max(v) - min(v) for v in many]
    sd = [float(np.std(v)) for v in many]
    return (f"{len(many)} models: range median {np.median(rng):.2f} max {max(rng):.2f}, "
            f"sd median {np.median(sd):.2f} max {max(sd):.2f}")


def report(name: str, rows: list[dict]) -> None:
    print(f"== {name}: {len(rows)} tree readings")
    print(f"trees, tables pooled: {line(rows)}")
    for table in sorted({r["table"] for r in rows}):
        part = [r for r in rows if r["table"] == table]
        print(f"{table}: {line(part)}")
        for arch in sorted({r["arch"] for r in part}):
            lib = [r for r in part if r["arch"] == arch]
            print(f"  {arch}: {line(lib)}")
            print(f"    spread of p across files, clean: {spread(lib, False)}; "
                  f"backdoored: {spread(lib, True)}")
    for zoo in sorted({r["zoo"] for r in rows}):
        print(f"zoo {zoo}: {line([r for r in rows if r['zoo'] == zoo])}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", nargs="+", action="append", required=True,
                    metavar="NAME FILE", help="a name, then its rows files")
    ap.add_argument("--common", action="store_true",
                    help="only the readings (zoo, model, file) every set holds")
    args = ap.parse_args()
    sets = [(name, load(files)) for name, *files in args.rows]
    if args.common:
        keys = set.intersection(*({(r["zoo"], r["name"], r["draw"]) for r in rows}
                                  for _, rows in sets))
        sets = [(n, [r for r in rows if (r["zoo"], r["name"], r["draw"]) in keys])
                for n, rows in sets]
    for name, rows in sets:
        report(name, rows)


if __name__ == "__main__":
    main()
