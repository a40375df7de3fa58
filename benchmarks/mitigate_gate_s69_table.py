"""Issue 12, stop 69 (h12; development only): the gate candidates for ``blend_last`` read from
``mitigate_gate_s69_read.py``'s rows (the input model's blend reach towards the suspect at
opacities 0.02-0.30), each by the gap it leaves between the blended family and the others.

A reading that is high for blended backdoors (the share at one opacity, the mean share over two
or over the whole grid) has the gap ``lowest blended - highest other``; one that is low for them
(the smallest opacity at which the blend sends at least a share ``q`` of the images there) has
``lowest other - highest blended``. A negative gap is an overlap. The gap is given in the
reading's units and as a fraction of the reading's whole spread over the models (so readings in
shares and in opacities compare), with the models nearest the gap on either side.

    python benchmarks/mitigate_gate_s69_table.py ROWS.jsonl...
    python benchmarks/mitigate_gate_s69_table.py --rule ROWS.jsonl...   # plan.md's (E)

With ``--rule`` (issue 12 stop 69's plan, part (E), on the fresh zoos' rows): today's reading
(the share at ``blend_last.BLEND_GATE_ALPHA``) against the candidate's (the share at
``blend_last.RISE_HIGH`` less the share at ``RISE_LOW``): (E) is met where every blended model
reads at or over ``RISE_BAR``, every other under it, and the candidate's gap as a fraction of
its spread is wider than today's on the same models.
"""
import json
import sys
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

NEVER = 0.31  # the smallest opacity where the grid (up to 0.30) never reaches the share


def share(a: float) -> Callable[[dict], float]:
    return lambda row: row["reach"][str(a)]


def mean_share(alphas: list[float]) -> Callable[[dict], float]:
    return lambda row: sum(row["reach"][str(a)] for a in alphas) / len(alphas)


def rise(a: float, b: float) -> Callable[[dict], float]:
    """The share at opacity ``b`` less the share at the lower ``a``: how steeply the blend
    turns the images (added after the first table: the blended curves start low and turn
    all images by 0.15-0.17, the sparse and WaNet ones start higher and rise slowly)."""
    return lambda row: row["reach"][str(b)] - row["reach"][str(a)]


def smallest(q: float) -> Callable[[dict], float]:
    def read(row: dict) -> float:
        hits = [float(a) for a, s in row["reach"].items() if s >= q - 1e-9]
        return min(hits) if hits else NEVER
    return read


def gap(rows: list[dict], read: Callable[[dict], float], high: bool) -> tuple:
    """(gap, gap / spread, the nearest blended model, the nearest other, per-family ranges)."""
    sign = 1 if high else -1
    got = [(read(r), r) for r in rows]
    blended = [(v, r) for v, r in got if r["attack"] == "blended"]
    other = [(v, r) for v, r in got if r["attack"] != "blended"]
    b_edge = min(blended, key=lambda t: sign * t[0])
    o_edge = max(other, key=lambda t: sign * t[0])
    width = sign * (b_edge[0] - o_edge[0])
    values = [v for v, _ in got]
    spread = max(values) - min(values) or 1.0
    fams = defaultdict(list)
    for v, r in got:
        fams[r["attack"]].append(v)
    return width, width / spread, b_edge, o_edge, {f: (min(v), max(v)) for f, v in fams.items()}


def read_rows(paths: list[str]) -> list[dict]:
    """The rows of every JSON-lines file in ``paths``."""
    return [json.loads(line) for path in paths for line in Path(path).read_text().splitlines()]


def rule(rows: list[dict]) -> None:
    """plan.md's (E) on ``rows`` (the fresh input models), printed with its verdict."""
    from trojanscope.mitigate.blend_last import BLEND_GATE_ALPHA, RISE_BAR, RISE_HIGH, RISE_LOW

    fams = {r["attack"] for r in rows}
    if "blended" not in fams or len(fams) < 2:
        print(f"(E) {len(rows)} models, families {sorted(fams)}: no blended model or no other "
              "read: not met")
        return
    got = {}
    for name, label, read in (
            ("today", f"share at {BLEND_GATE_ALPHA}", share(BLEND_GATE_ALPHA)),
            ("candidate", f"rise from {RISE_LOW} to {RISE_HIGH}", rise(RISE_LOW, RISE_HIGH))):
        width, rel, b_edge, o_edge, spread = gap(rows, read, True)
        got[name] = rel
        print(f"{name}: {label}: gap {width:+.3f}, gap / spread {rel:+.3f}; lowest "
              f"blended {b_edge[1]['model']} {b_edge[0]:.3f}, highest other "
              f"{o_edge[1]['model']} {o_edge[0]:.3f}; " + ", ".join(
                  f"{f} {lo:.3f}-{hi:.3f}" for f, (lo, hi) in sorted(spread.items())))
    over = rise(RISE_LOW, RISE_HIGH)
    wrong = [r["model"] for r in rows
             if (over(r) >= RISE_BAR - 1e-9) != (r["attack"] == "blended")]
    ok = not wrong and got["candidate"] > got["today"]
    print(f"(E) on the wrong side of the candidate's bar {RISE_BAR}: {wrong or 'none'}; gap / "
          f"spread {got['candidate']:+.3f} (candidate) vs {got['today']:+.3f} (today): "
          + ("met" if ok else "not met"))


def main() -> None:
    args = sys.argv[1:]
    if args and args[0] == "--rule":
        rule(read_rows(args[1:]))
        return
    rows = read_rows(args)
    alphas = sorted(float(a) for a in rows[0]["reach"])
    cands = [(f"share at {a:.2f}", share(a), True) for a in alphas]
    cands += [(f"mean share at {a:.2f} and {b:.2f}", mean_share([a, b]), True)
              for i, a in enumerate(alphas) for b in alphas[i + 1:]]
    cands += [(f"rise from {a:.2f} to {b:.2f}", rise(a, b), True)
              for i, a in enumerate(alphas) for b in alphas[i + 1:]]
    cands += [("mean share over 0.02-0.30", mean_share(alphas), True)]
    cands += [(f"smallest opacity with share >= {q}", smallest(q), False)
              for q in (0.5, 0.7, 0.8, 0.9, 0.95, 1.0)]
    fam_n = defaultdict(int)
    for r in rows:
        fam_n[r["attack"]] += 1
    print(f"{len(rows)} backdoored models: {dict(sorted(fam_n.items()))}; "
          f"clean images not of the suspect {min(r['n'] for r in rows)}-"
          f"{max(r['n'] for r in rows)}")
    print(f"reading CPU per model (29 opacities) median "
          f"{sorted(r['cpu_s'] for r in rows)[len(rows) // 2]} s\n")
    read = [(name, fn, high, *gap(rows, fn, high)) for name, fn, high in cands]
    shown = [c for c in read if not c[0].startswith(("mean share at", "rise from"))]
    pairs = sorted((c for c in read if c[0].startswith("mean share at")), key=lambda c: -c[4])
    rises = sorted((c for c in read if c[0].startswith("rise from")), key=lambda c: -c[4])
    shown += pairs[:5] + rises[:12]
    print("| reading (blended: " + "high / low) | gap | gap / spread | nearest blended | nearest "
          "other | blended | BadNets | SIG | sparse | WaNet |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, _, high, width, rel, b_edge, o_edge, fams in sorted(shown, key=lambda c: -c[4]):
        rng = [f"{fams[f][0]:.3f}-{fams[f][1]:.3f}" if f in fams else "-"
               for f in ("blended", "badnets", "sig", "sparse", "wanet")]
        print(f"| {name} ({'high' if high else 'low'}) | {width:+.3f} | {rel:+.3f} | "
              f"{b_edge[1]['model']} {b_edge[0]:.3f} | {o_edge[1]['model']} {o_edge[0]:.3f} | "
              + " | ".join(rng) + " |")
    print(f"\n(mean shares at two opacities: the best five of {len(pairs)} shown; "
          f"{sum(1 for c in pairs if c[3] > 0)} have a positive gap; rises: the best twelve of "
          f"{len(rises)}, {sum(1 for c in rises if c[3] > 0)} with a positive gap)")


if __name__ == "__main__":
    main()
