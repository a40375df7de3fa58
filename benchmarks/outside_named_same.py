"""Where the blend probe reaches the very class a GAP-head model's verdict names: each model's
lead there, clean and backdoored, and the largest a clean model reached — the source of C3's
``blend_same`` (issue 9, stop 67: h9).

Reads the ``--json`` of ``outside_named_rule.py`` run with stop 64's C1 as the candidate (C1
reads no blend share and never renames, so its suspect is the class the verdict names before
the blend term) and prints one line per GAP-head model whose top blend class is that class.
``--any`` (stop 68, the source of C4's ``blend_raise``): every GAP-head model with blend
readings whatever its top class, so the largest lead a clean model reached at any class.
``--stands`` (stop 69, the source of C5's ``absent_guard``): every GAP-head model's stand, by
stand, with whether its blends show no lead at the class it is named for (the top blend class
is another, or leads by less than ``--gap``), so the largest stand a clean model reached.

    PYTHONPATH=src:benchmarks python benchmarks/outside_named_same.py dev67_C1.json
    PYTHONPATH=src:benchmarks python benchmarks/outside_named_same.py --any dev68_C3.json
    PYTHONPATH=src:benchmarks python benchmarks/outside_named_same.py --stands dev69_C4.json
"""

from __future__ import annotations

import argparse
from pathlib import Path

from _common import read_json, run_main


def same_class(lines: list[dict], any_class: bool = False) -> list[dict]:
    """The GAP-head lines whose top blend class is the named one (every GAP-head line with
    blend readings, ``any_class``), largest lead first."""
    out = [m for m in lines if m["gap"] and m["blend"] is not None
           and (any_class or m["blend"][0] == m["candidate"][1])]
    return sorted(out, key=lambda m: (-m["blend"][1], m["pop"], m["name"]))


def absent(m: dict, gap: float) -> bool:
    """Whether the line's blends show no lead of at least ``gap`` at its named class."""
    return m["blend"] is not None and (m["blend"][0] != m["candidate"][1]
                                       or m["blend"][1] < gap)


def print_stands(lines: list[dict], gap: float) -> None:
    """Every GAP-head line with a stand, largest first, and the largest clean stands."""
    got = sorted((m for m in lines if m["gap"] and m["stand"] is not None),
                 key=lambda m: (-m["stand"], m["pop"], m["name"]))
    for kind, bd in (("clean", False), ("backdoored", True)):
        group = [m for m in got if m["backdoored"] == bd]
        far = [m["stand"] for m in group if absent(m, gap)]
        print(f"== {kind}: {len(group)} GAP-head models with a stand; largest "
              f"{max((m['stand'] for m in group), default=0.0):.3f}, largest with no blend "
              f"lead at the named class {max(far, default=0.0):.3f}")
        for m in group:
            blend = "-" if m["blend"] is None else f"{m['blend'][0]} +{m['blend'][1]:.3f}"
            print(f"  {m['pop']} {m['name']:20s} stand {m['stand']:.3f}  named "
                  f"{m['candidate'][1]}  blend {blend}"
                  f"{'  no lead at named' if absent(m, gap) else ''}  mmbd_ratio "
                  f"{None if m['mmbd_ratio'] is None else round(m['mmbd_ratio'], 2)}  today p "
                  f"{m['today'][0]:.3f}  cand p {m['candidate'][0]:.3f}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rule_json", type=Path, help="outside_named_rule.py --json (C1 candidate)")
    ap.add_argument("--label", default="union", help="the population to read (default union)")
    ap.add_argument("--any", action="store_true", help="every class, not only the named one")
    ap.add_argument("--stands", action="store_true",
                    help="every GAP-head model's stand and whether its blends lead at the named "
                         "class (stop 69)")
    ap.add_argument("--gap", type=float, default=0.45, help="with --stands: the lead that counts")
    args = ap.parse_args(argv)
    result = read_json(args.rule_json)
    if args.label not in result:
        raise ValueError(f"{args.rule_json}: no population {args.label!r} "
                         f"(has {', '.join(result)})")
    lines = result[args.label]["models"]
    if args.stands:
        print_stands(lines, args.gap)
        return
    hits = same_class(lines, args.any)
    where = "reach any class" if args.any else "reach their named class"
    for kind, bd in (("clean", False), ("backdoored", True)):
        group = [m for m in hits if m["backdoored"] == bd]
        n = sum(m["gap"] and m["blend"] is not None and m["backdoored"] == bd for m in lines)
        print(f"== {kind}: {len(group)} of {n} GAP-head models {where}; "
              f"largest lead {max((m['blend'][1] for m in group), default=0.0):.3f}")
        for m in group:
            print(f"  {m['pop']} {m['name']:20s} class {m['blend'][0]} +{m['blend'][1]:.3f}  "
                  f"named {m['candidate'][1]}  "
                  f"today p {m['today'][0]:.3f}  cand p {m['candidate'][0]:.3f}  stand "
                  f"{m['stand']}  mmbd_ratio "
                  f"{None if m['mmbd_ratio'] is None else round(m['mmbd_ratio'], 2)}")


if __name__ == "__main__":
    run_main(main)
