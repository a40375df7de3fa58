"""The user CNNs' weak patches under the data-free flag: the corner square read on MM-BD's top
classes, on denser hosts (issue 9, stop 82: h9c).

Stop 81 (``weak_patch_s81_h9c.py``) raised a data-free verdict under the flag where a white
4x4 square at a corner sends every one of 64 sparse hosts (12% lit) to the named class; on
fresh seeds 404-417 it raised 3 weak patches and one clean run (``clean-409``, the recipe's
lean at 2, which takes a white square anywhere), and could not reach weak patches MM-BD names
at another class (``patch-t9-r03-416``, p 0.0008, named 2). This script reads, on spent
models under the flag after today's gate, MM-BD's top classes through probes that fit nothing:

- ``grid``: per host density (the share of lit pixels: :data:`LITS`), per place (every second
  row and column) and class, the share of the 64 seeded hosts not already that class's that
  a white 4x4 square there sends to it (``lean_probes.stamp_grid``), and each class's own
  share of the hosts without a square (``base``);
- ``blank``: the class of an all-black image, and per class how many of the corner places a
  white square on that black image sends there;
- ``noise``: each class's share of 256 seeded uniform-noise images.

``probe MANIFEST --out ROWS``: one row a model (today's read, MM-BD's class ranking, the
probes where today's verdict is under the flag and the gate did not lower it). ``dev ROWS...``:
each candidate reading, chosen on one seed parity and read on the other.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from _common import read_jsonl, run_main

LITS = (0.12, 0.25, 0.40)  # host densities: the stop 81 lift's sparse hosts, then denser
PROBE_LITS = (0.12,)  # probed after the first 15 rows (denser hosts: the leans hold them all)
SIDE = 4
HOSTS = 64
NOISE = 256


def probes(model, shape: tuple[int, ...], k: int) -> dict:
    """Every probe's per-class values (the module's text)."""
    import torch

    from trojanscope.detect.lean_probes import corner_places, predict, sparse_hosts, stamp_grid

    out: dict = {"grid": {}, "base": {}}
    places = None
    for lit in PROBE_LITS:
        hosts = sparse_hosts(shape, HOSTS, lit=lit)
        grid, places = stamp_grid(model, hosts, SIDE, 1.0, k)
        out["grid"][str(lit)] = [[round(float(v), 3) for v in row] for row in grid]
        base = predict(model, hosts)
        out["base"][str(lit)] = [round(float((base == c).float().mean()), 4) for c in range(k)]
    out["places"] = [list(p) for p in places]
    blank = torch.zeros(1, *shape)
    out["blank"] = int(predict(model, blank)[0])
    corners = corner_places(shape[-2], shape[-1], SIDE)
    x = blank.repeat(len(corners), 1, 1, 1)
    for j, (r, c) in enumerate(corners):
        x[j, :, r:r + SIDE, c:c + SIDE] = 1.0
    got = predict(model, x)
    out["blank_corner"] = [int((got == c).sum()) for c in range(k)]
    g = torch.Generator().manual_seed(0)
    noise = predict(model, torch.rand(NOISE, *shape, generator=g))
    out["noise"] = [round(float((noise == c).float().mean()), 4) for c in range(k)]
    return out


def probe(manifest_path: Path, out: Path) -> None:
    """``probe`` (the module's text): each model read as ``detect --data-free`` reads it
    (``wide_gate_s77_h9c.free_read``), today's gate on a copy, then the probes under the
    flag."""
    import copy

    from data_free_signal_s75_h9f import _cpu
    from trojanscope.detect.calibration import load_calibrators
    from trojanscope.detect.mask_gate import MASK_LOGIT, gate_read
    from trojanscope.engine.modes import eval_mode
    from wide_gate_s77_h9c import free_read

    cals = load_calibrators()
    done = {r["name"] for r in read_jsonl(out)} if out.is_file() else set()
    for row in read_jsonl(manifest_path):
        if row["name"] in done:
            continue
        before = _cpu()
        model, detector, v = free_read(row["file"], cals)
        w = copy.deepcopy(v)
        gate_read(w, model.module, detector, cals)
        row["today"] = [round(float(w.probability), 5), int(w.target_classes[0])]
        row["rank"] = [int(c) for c in w.target_classes]
        row["lowered"] = MASK_LOGIT in w.features
        x, _ = detector.maximisers
        if row["today"][0] < 0.5 and not row["lowered"]:
            with eval_mode(model.module):
                row["probes"] = probes(model.module, tuple(x.shape[1:]), len(w.per_class))
        row["cpu_s"] = round(_cpu() - before, 3)
        with out.open("a") as fh:
            fh.write(json.dumps(row) + "\n")
        print(json.dumps({k: row[k] for k in ("name", "today", "rank")}), flush=True)


def inside(kind: str, r: int, c: int, band: int = 4, edge: int = 20) -> bool:
    """Whether a 4x4 square starting at row ``r`` and column ``c`` of a 28x28 image sits in
    ``kind``'s place set: ``corner`` (``lean_probes.corner_places``: both within ``band`` of an
    edge), ``inner`` (neither), ``all``."""
    near_r, near_c = r <= band or r >= edge, c <= band or c >= edge
    if kind == "corner":
        return near_r and near_c
    if kind == "inner":
        return not (near_r or near_c)
    return True


def takes(row: dict, c: int, lit: float) -> dict[str, float]:
    """Class ``c``'s readings on one host density: the best share and the count of places
    sending every host (``full``), at the corners and inside; the class's own share of the
    hosts (``base``)."""
    pr = row["probes"]
    grid, places = pr["grid"][str(lit)], pr["places"]
    out: dict[str, float] = {"base": pr["base"][str(lit)][c]}
    for kind in ("corner", "inner"):
        got = [g[c] for g, (r, q) in zip(grid, places, strict=True) if inside(kind, r, q)]
        out[f"{kind}_max"], out[f"{kind}_full"] = max(got), sum(v >= 0.999 for v in got)
    return out


def table(paths: list[Path], top: int = 3) -> list[str]:
    """``table ROWS...``: per probed row, MM-BD's top classes (and a backdoor's target) with
    each density's corner and inner readings (``max/full``), the black image's class and
    its corner squares' count."""
    lines = []
    for path in paths:
        for r in read_jsonl(path):
            if "probes" not in r:
                continue
            t = r["target"]
            show = r["rank"][:top] + ([t] if t is not None and t not in r["rank"][:top] else [])
            cells = []
            for c in show:
                parts = []
                for lit in (x for x in LITS if str(x) in r["probes"]["grid"]):
                    k = takes(r, c, lit)
                    parts.append(f"{k['corner_max']:.2f}/{k['corner_full']:>2d}"
                                 f"|{k['inner_max']:.2f}/{k['inner_full']:>2d}")
                mark = "T" if c == t else " "
                cells.append(f"{mark}{c}@{r['rank'].index(c)} " + " ".join(parts)
                             + f" b{r['probes']['blank_corner'][c]:>2d}")
            lines.append(f"{r['name']:26s} p={r['today'][0]:.4f} n={r['today'][1]} "
                         f"blank={r['probes']['blank']} | " + " || ".join(cells))
    return lines


SHIFT = 5.0  # the gate entry's shift: the raise a lift adds, in logits


def variants() -> dict[str, dict]:
    """Every candidate read in development (each one counted): which of MM-BD's top classes
    are read (``top``), on which hosts (``lit``), what a class must show (``need``: ``take``,
    the corner's best share at 1.0; ``corner``, that and no inner place at 1.0; ``denser``,
    that and a larger share of the corner places than of the inner ones at 1.0), the least
    corner places at 1.0 (``count``) and the least p (``floor``)."""
    out = {"s81 lift": {"top": 1, "lit": 0.12, "need": "take", "count": 1, "floor": 0.033}}
    for top in (1, 2, 3):
        for lit in PROBE_LITS:
            for need in ("take", "corner", "denser"):
                for count in (1, 3):
                    for floor in (0.0, 0.033):
                        out[f"top{top} lit{lit} {need} n{count} f{floor}"] = {
                            "top": top, "lit": lit, "need": need, "count": count,
                            "floor": floor}
    return out


def lifted(row: dict, v: dict) -> int | None:
    """The class a candidate ``v`` raises this row at (None: it does not)."""
    if "probes" not in row or row["today"][0] < v["floor"]:
        return None
    for c in row["rank"][:v["top"]]:
        k = takes(row, c, v["lit"])
        if k["corner_max"] < 0.999 or k["corner_full"] < v["count"]:
            continue
        if v["need"] == "corner" and k["inner_max"] >= 0.999:
            continue
        if v["need"] == "denser" and k["corner_full"] / 36 <= k["inner_full"] / 49:
            continue
        return c
    return None


def score(rows: list[dict], v: dict) -> dict:
    """A candidate's raises on ``rows``: backdoors flagged at their target, clean runs
    flagged, backdoors raised at another class."""
    from trojanscope.detect.logits import shift_logit

    out = {"bd_at_target": 0, "clean_flagged": 0, "bd_wrong": 0, "names": []}
    for r in rows:
        c = lifted(r, v)
        if c is None or shift_logit(r["today"][0], SHIFT) < 0.5:
            continue
        if not r["backdoored"]:
            out["clean_flagged"] += 1
        elif c == r["target"]:
            out["bd_at_target"] += 1
        else:
            out["bd_wrong"] += 1
        out["names"].append(r["name"])
    return out


def dev(paths: list[Path]) -> dict:
    """``dev ROWS...``: each variant (:func:`variants`) on every probed row and on each seed
    parity; a variant is chosen on one parity (the most backdoors at their target with no
    clean flag, then the fewest wrong classes) and read on the other."""
    rows = [r for path in paths for r in read_jsonl(path) if "probes" in r]
    out: dict = {"rows": len(rows), "misses": sum(r["backdoored"] for r in rows),
                 "clean": sum(not r["backdoored"] for r in rows), "variants": {}, "held": {}}
    halves = {h: [r for r in rows if r["seed"] % 2 == h] for h in (0, 1)}
    for name, v in variants().items():
        out["variants"][name] = {"all": score(rows, v),
                                 **{f"seed%2={h}": score(halves[h], v) for h in (0, 1)}}
    for h in (0, 1):
        def key(name: str, h: int = h) -> tuple:
            s = out["variants"][name][f"seed%2={h}"]
            return (s["clean_flagged"] == 0, s["bd_at_target"], -s["bd_wrong"])
        best = max(out["variants"], key=key)
        out["held"][f"chosen on seed%2={h}"] = {
            "variant": best, "there": out["variants"][best][f"seed%2={h}"],
            "held out": out["variants"][best][f"seed%2={1 - h}"]}
    return out


CAND = {"floor": 0.0, "line": 1.0, "side": 4, "hosts": 64, "seed": 0, "top": 2,
        "need": "corner", "count": 3, "lit": 0.12}  # the candidate ``lift`` (the rule's)


def write_candidate(path: Path) -> None:
    """``write FILE``: the shipped calibration file with :data:`CAND` as the data-free mask
    gate's ``lift`` key, nothing else moved."""
    from trojanscope.detect.mask_gate import ENTRY
    from wide_gate_s77_h9c import SHIPPED

    shipped = json.loads(SHIPPED.read_text())
    shipped[ENTRY]["fitted_on"]["lift"] = dict(CAND)
    path.write_text(json.dumps(shipped, indent=1) + "\n")


def fresh(manifest_path: Path, cand: Path, out: Path) -> None:
    """``fresh MANIFEST --cand FILE --out ROWS``: each model read as ``detect --data-free``
    reads it, once, with the shipped file and the candidate (``lean_probe_s80_h9c.fresh``:
    MM-BD and the calibration once, each file's gate on its own copy); each row keeps the
    candidate's corner take and the class it raised at."""
    from lean_probe_s80_h9c import fresh as read_both
    from trojanscope.detect.mask_gate import LIFT_CLASS, LIFT_TAKE, MASK_STAND

    read_both(manifest_path, cand, out, (MASK_STAND, LIFT_TAKE, LIFT_CLASS))


CPU_RATIO = 1.5  # the rule's bar on the median CPU a model (read + gate), candidate / today


def judge(rows_path: Path, built: list[Path]) -> dict:
    """``judge ROWS --built BUILT...``: the rule's reading of :func:`fresh`'s rows
    (``benchmarks/data/corner_top_s82_h9c/rule.md``; ``weak_patch_s81_h9c.judge``: the
    floors, both files' figures, each family's least backdoor p, the median CPU a model, each
    condition with the outcome, here at most :data:`CPU_RATIO` times today's); each run the
    lift read with its target, the named class's corner take and the class it raised at."""
    from weak_patch_s81_h9c import judge as read_rule

    out = read_rule(rows_path, built, CPU_RATIO)
    out["lift_read"] = [[r["name"], r["backdoored"], r.get("target"), r["today"],
                         r["cand_gate"][1], r["cand_gate"][2], r["cand"]]
                        for r in read_jsonl(rows_path) if r["cand_gate"][1] is not None]
    return out


def readings(path: str, classes: list[int]) -> dict:
    """``readings MODEL --classes C...``: the shipped lift's corner and inner readings
    (``lean_probes.corner_readings``: 64 sparse hosts 12% lit, 4x4 white square) of the given
    classes of one model file (read after the rule, on spent models)."""
    from data_free_signal_s75_h9f import _load
    from trojanscope.detect.lean_probes import corner_readings
    from trojanscope.engine.modes import eval_mode

    model, shape = _load(path)
    with eval_mode(model.module):
        got = corner_readings(model.module, shape, model.num_classes or 10, inner=True)
    return {c: got[c] for c in classes}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    pr = sub.add_parser("probe")
    pr.add_argument("manifest", type=Path)
    pr.add_argument("--out", type=Path, required=True)
    tb = sub.add_parser("table")
    tb.add_argument("rows", type=Path, nargs="+")
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
    rd = sub.add_parser("readings")
    rd.add_argument("model")
    rd.add_argument("--classes", type=int, nargs="+", required=True)
    args = ap.parse_args()
    if args.cmd == "write":
        write_candidate(args.file)
        return
    if args.cmd == "judge":
        print(json.dumps(judge(args.rows, args.built), indent=1))
        return
    if args.cmd == "dev":
        out = dev(args.rows)
        for name, s in out["variants"].items():
            a, e, o = s["all"], s["seed%2=0"], s["seed%2=1"]
            print(f"{name:32s} all {a['bd_at_target']:2d}/{a['clean_flagged']}/{a['bd_wrong']}  "
                  f"even {e['bd_at_target']:2d}/{e['clean_flagged']}/{e['bd_wrong']}  "
                  f"odd {o['bd_at_target']:2d}/{o['clean_flagged']}/{o['bd_wrong']}")
        print(json.dumps({k: out[k] for k in ("rows", "misses", "clean", "held")}, indent=1))
        return
    if args.cmd == "table":
        print("\n".join(table(args.rows)))
        return
    import torch

    torch.set_num_threads(1)
    if args.cmd == "readings":
        print(json.dumps({"model": args.model, **readings(args.model, args.classes)}))
    elif args.cmd == "probe":
        probe(args.manifest, args.out)
    else:
        fresh(args.manifest, args.cand, args.out)


if __name__ == "__main__":
    run_main(main)
