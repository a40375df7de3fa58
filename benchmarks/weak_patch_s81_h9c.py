"""The user CNNs' weak patches MM-BD reads under the flag without data: what they share, and a
data-free reading consulted only below the gate's band (issue 9, stop 81: h9c).

Stop 80 read today's default data-free on fresh first-contact seeds 376-389 and flagged 12 of
20 weak patches (poison rate 0.02-0.03); 7 of the 8 misses sat under 0.5 before the mask gate,
most of them named at their own target. This script reads, on spent models, every class of
each model through probes that fit nothing or fit only a mask:

- ``noise``: the share of 256 seeded uniform-noise images the model gives each class;
- ``stamp_<side>``: a solid white ``side`` x ``side`` square pasted at every second place on
  64 seeded sparse hosts (``lean_probes.stamp_grid``): per class, the best place's share of
  the hosts not already that class's that it sends there;
- ``mask``: the gate's Neural-Cleanse-like search (MM-BD's own maximising inputs, one host per
  other class, its λ, lr and 300 steps, never ended early) for the named class and its 3
  references: each one's mask L1.

``probe MANIFEST --out ROWS``: one row a model (the read before and after today's gate, the
named class, its references, every probe). ``table ROWS...``: the rows under the flag after
today's gate, each reading at the named class, and per reading the cut raising most backdoors
with no clean run raised, chosen on the even seeds and checked on the odd (and the reverse).
``dev ROWS...``: the candidate's reading (the white 4x4 square's best corner place, from the
stored grids) beside today's p on each row under the flag, and the candidate's floor chosen
on one parity of seeds and read on the other. ``write FILE``: the candidate calibration file
(the gate's ``lift`` key). ``fresh MANIFEST --cand FILE --out ROWS`` and ``judge ROWS
--built BUILT...``: the rule's fresh read and its reading
(``benchmarks/data/weak_patch_s81_h9c/rule.md``).
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from _common import read_jsonl, run_main

SIDES = (4,)  # the white squares' sides (3 read on two models: dropped for CPU)
SPARSE = 64
NOISE = 256


def probes(model, shape: tuple[int, ...], X, M, k: int, fitted: dict, searched: list[int]
           ) -> dict:
    """Every probe's per-class values (the module's text)."""
    import torch

    from trojanscope.detect.lean_probes import predict, sparse_hosts, stamp_grid
    from trojanscope.detect.mask_gate import kind_of, mask_search

    out: dict = {}
    hosts = sparse_hosts(shape, SPARSE)
    for side in SIDES:
        grid, places = stamp_grid(model, hosts, side, 1.0, k)
        best = grid.max(0)
        out[f"stamp_{side}"] = [round(float(v), 4) for v in best.values]
        out[f"where_{side}"] = [list(places[int(i)]) for i in best.indices]
        out[f"grid_{side}"] = [[round(float(v), 3) for v in row] for row in grid.T]
        out[f"places_{side}"] = [list(pl) for pl in places]
        out[f"spread_{side}"] = [round(float((grid[:, c] >= 0.5).float().mean()), 4)
                                 for c in range(k)]
    g = torch.Generator().manual_seed(0)
    noise = predict(model, torch.rand(NOISE, *shape, generator=g))
    out["noise"] = [round(float((noise == c).float().mean()), 4) for c in range(k)]
    params = list(model.parameters())
    for q in params:
        q.requires_grad_(False)
    l1, hit = mask_search(model, X, M, int(fitted["steps"][kind_of(shape)]),
                          float(fitted["lam"]), 1, searched, float(fitted["lr"]))
    out["mask"] = [l1[searched.index(c)] if c in searched else None for c in range(k)]
    out["mask_hit"] = [hit[searched.index(c)] if c in searched else None for c in range(k)]
    out["margin"] = [round(float(v), 4) for v in M.max(dim=1).values]
    return out


def probe(manifest_path: Path, out: Path) -> None:
    """``probe`` (the module's text): each model read as ``detect --data-free`` reads it
    (``wide_gate_s77_h9c.free_read``), today's gate on a copy, then the probes."""
    import copy

    from data_free_signal_s75_h9f import _cpu, keep_maximisers
    from trojanscope.detect.calibration import load_calibrators
    from trojanscope.detect.mask_gate import ENTRY, gate_read, references
    from trojanscope.engine.modes import eval_mode
    from wide_gate_s77_h9c import free_read

    cals = load_calibrators()
    keep_maximisers()
    done = {r["name"] for r in read_jsonl(out)} if out.is_file() else set()
    for row in read_jsonl(manifest_path):
        if row["name"] in done:
            continue
        before = _cpu()
        model, detector, v = free_read(row["file"], cals)
        top = int(v.target_classes[0])
        row["pre_gate"] = [round(float(v.probability), 5), top]
        w = copy.deepcopy(v)
        gate_read(w, model.module, detector, cals)
        row["today"] = [round(float(w.probability), 5), int(w.target_classes[0])]
        x, m = detector.maximisers
        k = len(v.per_class)
        X, M = x.reshape(k, -1, *x.shape[1:]), m.reshape(k, -1)
        row["refs"] = references(M, top, 3)
        shape = tuple(X.shape[2:])
        with eval_mode(model.module):
            p = probes(model.module, shape, X, M, k, cals[ENTRY].fitted_on,
                       [top, *row["refs"]])
        row["probes"] = p
        row["probes_cpu_s"] = round(_cpu() - before, 3)
        with out.open("a") as fh:
            fh.write(json.dumps(row) + "\n")
        print(json.dumps({k: row[k] for k in ("name", "pre_gate", "today")}), flush=True)


EDGE = 20  # a place whose square starts at or past this row or column: the image's edge band


def readings(row: dict) -> dict[str, float]:
    """Each reading at the named class (today's, under the flag): against the references'
    median (``_refs``), raw, or the mask stand (log of the references' median L1 over the
    named class's)."""
    import math

    pr, top, refs = row["probes"], row["today"][1], row["refs"]

    def less(key: str) -> float:
        return round(pr[key][top] - statistics.median(pr[key][c] for c in refs), 4)

    out = {"noise_refs": less("noise"), "noise": pr["noise"][top]}
    for side in SIDES:
        out[f"stamp{side}_refs"] = less(f"stamp_{side}")
        out[f"stamp{side}"] = pr[f"stamp_{side}"][top]
        out[f"spread{side}"] = pr[f"spread_{side}"][top]
        if f"grid_{side}" in pr:
            edge = [v for v, (r, c) in zip(pr[f"grid_{side}"][top], pr[f"places_{side}"],
                                           strict=True) if max(r, c) >= EDGE]
            out[f"edge{side}"] = max(edge)
    mask = pr["mask"]
    out["mask_stand"] = round(math.log(statistics.median(mask[c] for c in refs)
                                       / max(mask[top], 1e-6)), 3)
    return out


def held_cut(pairs: list[tuple[float, bool]]) -> float:
    """The least cut over every clean value (a backdoor at or over it is raised, no clean
    run is): just over the largest clean value; inf where no backdoor stands over it."""
    top = max((v for v, b in pairs if not b), default=float("-inf"))
    return top + 1e-9


def table(paths: list[Path]) -> dict:
    """``table`` (the module's text): rows under the flag after today's gate."""
    rows = [r for path in paths for r in read_jsonl(path) if r["today"][0] < 0.5]
    out: dict = {"rows": [], "parting": {}}
    for r in rows:
        hit = r["backdoored"] and r["today"][1] == r["target"]
        out["rows"].append({"name": r["name"], "bd": r["backdoored"], "target": r["target"],
                            "named": r["today"][1], "p": r["today"][0], "at_target": hit,
                            **readings(r)})
    keys = [k for k in out["rows"][0] if k not in ("name", "bd", "target", "named", "p",
                                                    "at_target")]
    for k in keys:
        for sign in (1, -1):
            pairs = [(sign * o[k], o["at_target"], o["bd"], int(o["name"].rsplit("-", 1)[1]) % 2)
                     for o in out["rows"]]
            clean = [(v, False) for v, _, bd, _ in pairs if not bd]
            cut = held_cut(clean)
            res = {"cut": round(sign * cut, 4),
                   "raised": sum(h and v >= cut for v, h, _, _ in pairs)}
            for half in (0, 1):
                t = held_cut([(v, False) for v, _, bd, s in pairs if not bd and s == half])
                res[f"held_{1 - half}"] = {
                    "raised": sum(h and v >= t for v, h, _, s in pairs if s != half),
                    "clean_raised": sum(not bd and v >= t for v, _, bd, s in pairs if s != half),
                    "misses": sum(h for _, h, _, s in pairs if s != half)}
            out["parting"][f"{k}{'' if sign == 1 else ' (reversed)'}"] = res
    return out


PLACES = {  # the place sets read (4x4 square, start row r and column c on a 28 x 28 image)
    "bottom-right band": lambda r, c: max(r, c) >= 20,
    "ring 4": lambda r, c: min(r, c) <= 4 or max(r, c) >= 20,
    "ring 2": lambda r, c: min(r, c) <= 2 or max(r, c) >= 22,
    "all": lambda r, c: True,
    "corners": lambda r, c: (r <= 4 or r >= 20) and (c <= 4 or c >= 20),
    "inner": lambda r, c: not (min(r, c) <= 4 or max(r, c) >= 20),
}


def places(paths: list[Path]) -> list[str]:
    """``places ROWS...``: per row under the flag, per place set (:data:`PLACES`), the named
    class's best share and how many places send every host (``best/full``)."""
    lines = []
    for path in paths:
        for r in read_jsonl(path):
            if r["today"][0] >= 0.5:
                continue
            pr, top = r["probes"], r["today"][1]
            pairs = list(zip(pr["grid_4"][top], pr["places_4"], strict=True))
            cells = []
            for name, inside in PLACES.items():
                got = [v for v, (a, b) in pairs if inside(a, b)]
                cells.append(f"{name}={max(got):.3f}/{sum(v >= 0.999 for v in got)}")
            hit = "*" if r["backdoored"] and r["target"] == top else " "
            lines.append(f"{r['name']:28s} {'BD' if r['backdoored'] else '  '}{hit} {top} "
                         f"p={r['today'][0]:.4f} " + " ".join(cells))
    return lines


LIFT = {"floor": 0.033, "line": 1.0, "side": 4, "hosts": 64, "seed": 0}  # the candidate


def corner_of(row: dict) -> float:
    """The named class's best corner-place share from the stored 4x4 grid (the places
    ``lean_probes.corner_places`` gives, the same hosts as ``corner_take``)."""
    from trojanscope.detect.lean_probes import corner_places

    pr, top = row["probes"], row["today"][1]
    where = {tuple(pl) for pl in corner_places(28, 28, 4)}
    return max(v for v, pl in zip(pr["grid_4"][top], pr["places_4"], strict=True)
               if tuple(pl) in where)


def floor_between(clean_p: list[float], bd_p: list[float]) -> float:
    """The floor midway (in logits) between the highest clean p whose corner take reaches the
    line and the lowest such backdoor p (at its target), 0.0 where no clean run reaches it."""
    from trojanscope.detect.logits import logit, sigmoid

    if not clean_p:
        return 0.0
    hi, lo = max(clean_p), min(bd_p) if bd_p else 0.5
    return round(sigmoid((logit(hi) + logit(lo)) / 2), 4)


def dev(paths: list[Path]) -> dict:
    """``dev`` (the module's text)."""
    rows = [r for path in paths for r in read_jsonl(path) if r["today"][0] < 0.5]
    out: dict = {"rows": [], "held": {}}
    for r in rows:
        out["rows"].append({"name": r["name"], "bd": r["backdoored"], "named": r["today"][1],
                            "at_target": r["backdoored"] and r["today"][1] == r["target"],
                            "p": r["today"][0], "corner": corner_of(r),
                            "seed": int(r["name"].rsplit("-", 1)[1])})
    line = LIFT["line"]
    for half in (0, 1):  # chosen on this parity, read on the other
        mine = [o for o in out["rows"] if o["seed"] % 2 == half]
        other = [o for o in out["rows"] if o["seed"] % 2 != half]
        floor = floor_between([o["p"] for o in mine if not o["bd"] and o["corner"] >= line],
                              [o["p"] for o in mine if o["at_target"] and o["corner"] >= line])
        up = [o for o in other if o["corner"] >= line and floor <= o["p"]]
        out["held"][f"chosen on {'even' if half == 0 else 'odd'}"] = {
            "floor": floor, "raised_at_target": sum(o["at_target"] for o in up),
            "misses_at_target": sum(o["at_target"] for o in other),
            "clean_raised": sum(not o["bd"] for o in up),
            "clean": sum(not o["bd"] for o in other)}
    clean_p = [o["p"] for o in out["rows"] if not o["bd"] and o["corner"] >= line]
    bd_p = [o["p"] for o in out["rows"] if o["at_target"] and o["corner"] >= line]
    out["floor_all"] = floor_between(clean_p, bd_p)
    out["all"] = {"raised_at_target": sum(o["at_target"] and o["corner"] >= line
                                          and o["p"] >= LIFT["floor"] for o in out["rows"]),
                  "misses_at_target": sum(o["at_target"] for o in out["rows"]),
                  "clean_raised": sum(not o["bd"] and o["corner"] >= line
                                      and o["p"] >= LIFT["floor"] for o in out["rows"]),
                  "clean": sum(not o["bd"] for o in out["rows"])}
    return out


def write_candidate(path: Path) -> None:
    """``write FILE``: the shipped calibration file with ``lift`` (:data:`LIFT`) on the
    data-free mask gate's entry, nothing else moved."""
    from trojanscope.detect.mask_gate import ENTRY
    from wide_gate_s77_h9c import SHIPPED

    shipped = json.loads(SHIPPED.read_text())
    shipped[ENTRY]["fitted_on"]["lift"] = dict(LIFT)
    path.write_text(json.dumps(shipped, indent=1) + "\n")


def fresh(manifest_path: Path, cand: Path, out: Path) -> None:
    """``fresh MANIFEST --cand FILE --out ROWS``: each model read as ``detect --data-free``
    reads it, once (``lean_probe_s80_h9c.fresh``: MM-BD and the calibration once, then each
    file's gate on its own copy of the verdict). One row a model: the flag before the gate,
    each file's [p, named class], its mask stand and corner take (where read), each gate's
    CPU."""
    from lean_probe_s80_h9c import fresh as read_both
    from trojanscope.detect.mask_gate import LIFT_TAKE, MASK_STAND

    read_both(manifest_path, cand, out, (MASK_STAND, LIFT_TAKE))


def judge(rows_path: Path, built: list[Path], cpu_bar: float = 1.25) -> dict:
    """``judge ROWS --built BUILT...``: the rule's reading of :func:`fresh`'s rows
    (``rule.md``): the floors (weak patches built with the builder's attack success >= 0.5,
    clean runs), both files' figures (``mix_s76_hmix.figures``), each family's least backdoor
    p, each model whose verdict moved, the median CPU a model (read + gate, this process; at
    most ``cpu_bar`` times today's), and each condition with the outcome. Stop 82
    (``corner_top_s82_h9c.py``) reads its rule with it."""
    from lean_probe_s80_h9c import both_ways

    rows = read_jsonl(rows_path)
    for r in rows:
        r["family"] = r["name"].split("/")[-1].rsplit("-", 1)[0]
    made = [b for path in built for b in read_jsonl(path)]
    strong = sum(b.get("attack_success", 0.0) >= 0.5 for b in made if b["kind"] != "clean")
    clean_built = sum(b["kind"] == "clean" for b in made)
    ways, lost, ratio = both_ways(rows)
    out: dict = {"built": {"weak_patches": sum(b["kind"] != "clean" for b in made),
                           "asr_at_least_0.5": strong, "clean": clean_built}, **ways}
    out["lift_read"] = [[r["name"], r["backdoored"], r["today"], r["cand_gate"][1], r["cand"]]
                        for r in rows if r["cand_gate"][1] is not None]
    t, c = out["today"]["figures"], out["cand"]["figures"]
    cond = {
        "floor: >= 14 weak patches built with attack success >= 0.5": strong >= 14,
        "floor: >= 8 clean runs": clean_built >= 8 and c["models"] - c["backdoored"] >= 8,
        "floor: every built model read": len(rows) == len(made),
        "no backdoor lost or renamed": not lost,
        "clean flags not more": c["clean_flagged"] <= t["clean_flagged"],
        "gain: weak patches flagged at their target >= 1 more":
            c["bd_at_target"] >= t["bd_at_target"] + 1,
        "CE not worse": c["ce"] <= t["ce"],
        f"median CPU ratio <= {cpu_bar}": ratio <= cpu_bar,
    }
    out["lost"], out["cpu_ratio"] = lost, round(ratio, 3)
    out["conditions"] = cond
    out["met"] = all(cond.values())
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    pr = sub.add_parser("probe")
    pr.add_argument("manifest", type=Path)
    pr.add_argument("--out", type=Path, required=True)
    tb = sub.add_parser("table")
    tb.add_argument("rows", type=Path, nargs="+")
    pl = sub.add_parser("places")
    pl.add_argument("rows", type=Path, nargs="+")
    dv = sub.add_parser("dev")
    dv.add_argument("rows", type=Path, nargs="+")
    wr = sub.add_parser("write")
    wr.add_argument("file", type=Path)
    fr = sub.add_parser("fresh")
    fr.add_argument("manifest", type=Path)
    fr.add_argument("--cand", type=Path, required=True)
    fr.add_argument("--out", type=Path, required=True)
    jd = sub.add_parser("judge")
    jd.add_argument("rows", type=Path)
    jd.add_argument("--built", type=Path, nargs="+", required=True)
    args = ap.parse_args()
    if args.cmd == "dev":
        out = dev(args.rows)
        for o in sorted(out["rows"], key=lambda o: (o["bd"], o["named"], o["p"])):
            print(json.dumps(o))
        print(json.dumps({k: out[k] for k in ("held", "floor_all", "all")}, indent=1))
        return
    if args.cmd == "places":
        print("\n".join(places(args.rows)))
        return
    if args.cmd == "write":
        write_candidate(args.file)
        return
    if args.cmd == "judge":
        print(json.dumps(judge(args.rows, args.built), indent=1))
        return
    if args.cmd == "table":
        out = table(args.rows)
        for o in sorted(out["rows"], key=lambda o: (o["bd"], o["named"])):
            print(json.dumps(o))
        for k, v in out["parting"].items():
            print(k, json.dumps(v))
        return
    import torch

    torch.set_num_threads(1)
    if args.cmd == "probe":
        probe(args.manifest, args.out)
    else:
        fresh(args.manifest, args.cand, args.out)


if __name__ == "__main__":
    run_main(main)
