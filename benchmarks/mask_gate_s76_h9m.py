"""The cheap mask gate's lowering bounded, so a strong backdoor near the line is kept (issue 9,
stop 76: h9m).

Stop 75's gate (``mask_gate_s75_h9m.py``: a mask search for the named class and its three
lowest-margin reference classes, run only where a ``--data-free`` verdict flags and the excess
term read the named class) took every flag whose stand was at or under its kind's line to
p 0.25. On fresh 190-201 it cleared 2 of 4 clean flags and lost ``201/skl-bd2`` (p 0.997,
stand 0.417 under the dense line 0.43). The candidate here keeps the search, its settings and
its lines, and only bounds the lowering: a flag at or under the line loses ``SHIFT`` logits
(never more, never a raise, never a rename), so a model the read calls strongly backdoored
(p above ``sigmoid(SHIFT)``) stays flagged, while the clean flags (p 0.52-0.99 on the spent
union) fall under 0.5.

- ``explain MANIFEST``: models of a build manifest (spent) read data-free as the CLI reads them,
  then every class's mask searched at the kind's steps (and ``--more`` steps): each class's L1,
  success share, the references the gate picks and the stand, one line a model.
- ``union``: the spent points the stop-75 gate measured (h9f's 83 development models of stops
  72-74 and the 37 of fresh-then-spent 190-201 it searched) under a grid of shifts: clean flags
  cleared, backdoors lost, and the margins of the chosen ``SHIFT``.
- ``manifest CNN_WORK MLP_WORK --seeds A-B``: a build manifest of the makers' outputs (the
  build records only; no model is opened).
- ``read MANIFEST --out ROWS``: stop 75's ``read`` (today's data-free p and the gate's stand,
  CPU of the read and the search apart).
- ``score ROWS``: today against this candidate (the stand re-applied with :func:`bounded`),
  with stop 75's summary (per family, per kind, all; renamed; worst family; CPU medians).

    OMP_NUM_THREADS=1 PYTHONPATH=src:benchmarks python benchmarks/mask_gate_s76_h9m.py union
"""

from __future__ import annotations

import argparse
import json
import math
import os
from pathlib import Path

from _common import fail, read_jsonl, run_main
from mask_gate_s75_h9m import FLAG, LINES, STEPS, _frozen, _job, kind_of, references

DATA = Path(__file__).resolve().parent / "data"
S75 = DATA / "mask_gate_s75_h9m"
# logits a flag at or under its kind's line loses; read off the spent union (``union``): the
# clean flags under the lines reach logit 4.45 (c72dev/clean-87, p 0.9885), the one backdoor
# under a line 5.77 (f75/201/skl-bd2, p 0.9969); 5.0 stands 0.55 over the one and 0.77 under
# the other
SHIFT = 5.0


def bounded(p: float, stand: float | None, kind: str, shift: float = SHIFT,
            lines: dict[str, float] = LINES) -> float:
    """The candidate's probability: a flag (``p`` >= 0.5) whose stand is at or under its kind's
    line loses ``shift`` logits; anything else is ``p`` unchanged. Never raises."""
    from trojanscope.detect.logits import shift_logit

    if stand is None or p < FLAG or stand > lines[kind]:
        return p
    return min(p, shift_logit(p, -shift))


def gate(model, X, M, top: int, kind: str, steps: dict[str, int] | None = None,
         lines: dict[str, float] | None = None) -> tuple[float, int]:
    """The candidate's search: the named class and its :data:`~mask_gate_s75_h9m.N_REF`
    lowest-margin references, one host per other class, up to the kind's ``steps`` Adam steps,
    ended early at the first check (every ``CHECK`` steps) where the stand is already over the
    kind's line (on the spent union a stand rises with the steps; a stand over the line lowers
    nothing). The stand and the steps run."""
    from data_free_signal_s75_h9f import mask_search

    steps = steps or GATE_STEPS
    lines = lines or GATE_LINES
    refs = references(M, top)
    ran = {"steps": steps[kind]}

    def over(step: int, l1: list[float]) -> bool:
        if stand_of(l1) > lines[kind]:
            ran["steps"] = step
            return True
        return False

    l1, _ = mask_search(model, X, M, steps[kind], 0.01, hosts_per_class=1,
                        classes=[top, *refs], stop_when=over)
    return stand_of(l1), ran["steps"]


def candidate_p(p: float, stand: float | None, kind: str) -> float:
    """:func:`bounded` with the candidate's lines."""
    return bounded(p, stand, kind, SHIFT, GATE_LINES)


def searched(p: float, has_excess: bool) -> bool:
    """Whether the candidate searches: a flag the excess term read whose probability the shift
    can take under 0.5 (``p < sigmoid(SHIFT)``); over that, no search changes the verdict."""
    from trojanscope.detect.logits import sigmoid

    return has_excess and FLAG <= p < sigmoid(SHIFT)


def read76(manifest: Path, out: Path) -> None:
    """Each manifest model read data-free as the CLI reads it (``auto``, seed 0, the shipped
    file), MM-BD's maximising inputs kept; the candidate's search run where :func:`searched`
    says; one line a model appended to ``out`` (today's p and class, the stand, the steps run,
    the candidate's p, the CPU of the read and of the search: this process and its waited
    children, the TorchScript sandbox's)."""
    from data_free_signal_s75_h9f import _cpu, _load, keep_maximisers
    from trojanscope import registry
    from trojanscope.detect.calibration import calibrate, load_calibrators
    from trojanscope.detect.class_excess import EXCESS

    kept = keep_maximisers()
    cals = load_calibrators()
    done = {r["name"] for r in read_jsonl(out)} if out.is_file() else set()
    for row in read_jsonl(manifest):
        path, line = _job(row)
        if line["name"] in done:
            continue
        before = _cpu()
        model, shape = _load(str(path))
        v = registry.create("detector", "auto").inspect(
            model.module, None, input_shape=shape, num_classes=model.num_classes or 10, seed=0)
        calibrate(v, cals)
        read_cpu = _cpu() - before
        p, top, kind = float(v.probability), int(v.target_classes[0]), kind_of(shape)
        stand, ran, search_cpu = None, 0, 0.0
        if searched(p, v.features.get(EXCESS) is not None):
            k = model.num_classes or 10
            X = kept["x"].reshape(k, -1, *kept["x"].shape[1:])
            M = kept["m"].reshape(k, -1)
            stand, ran = gate(_frozen(model.module), X, M, top, kind)
            search_cpu = _cpu() - before - read_cpu
        line.update(kind=kind, today=[round(p, 5), top], stand=stand, steps_run=ran,
                    candidate=[round(candidate_p(p, stand, kind), 5), top],
                    read_cpu_s=round(read_cpu, 3), search_cpu_s=round(search_cpu, 3))
        with out.open("a") as fh:
            fh.write(json.dumps(line) + "\n")
        print(json.dumps(line), flush=True)


def spent_points() -> list[dict]:
    """The stands stop 75 measured with the gate's own settings: h9f's development models
    (``dev_s40_h1_r3`` for CNNs, ``dev_s80_h1_r3`` for dense; p from h9f's select) and the
    searched models of fresh-then-spent 190-201 (p as read at stop 75)."""
    pts = []
    for name, kind in (("dev_s40_h1_r3", "cnn"), ("dev_s80_h1_r3", "dense")):
        for r in read_jsonl(S75 / f"{name}.jsonl"):
            if r["kind"] == kind:
                pts.append({"name": r["name"], "kind": kind, "bd": r["bd"], "p": r["p"],
                            "stand": r["stand"], "right": r["bd"] and r["target"] == r["top"]})
    for r in read_jsonl(S75 / "fresh_rows.jsonl"):
        if r["stand"] is not None:
            pts.append({"name": f"f75/{r['name']}", "kind": r["kind"], "bd": r["backdoored"],
                        "p": r["today"][0], "stand": r["stand"],
                        "right": r["backdoored"] and r["target"] == r["today"][1]})
    return pts


def union(shifts: list[float]) -> dict:
    """Per shift (``None``: stop 75's lowering to 0.25): clean flags cleared and backdoors lost
    on :func:`spent_points`; for :data:`SHIFT`, the logit margins either side."""
    from trojanscope.detect.logits import logit

    pts = spent_points()
    clean = [q for q in pts if not q["bd"]]
    under = [q for q in pts if q["p"] >= FLAG and q["stand"] <= LINES[q["kind"]]]
    out: dict = {"points": len(pts), "clean_flags": len(clean),
                 "backdoors": len(pts) - len(clean), "grid": []}

    def cand(q: dict, shift: float | None) -> float:
        if shift is None:
            low = q["p"] >= FLAG and q["stand"] <= LINES[q["kind"]]
            return min(q["p"], 0.25) if low else q["p"]
        return bounded(q["p"], q["stand"], q["kind"], shift)

    for shift in [None, *shifts]:
        out["grid"].append({
            "shift": shift,
            "cleared": sum(cand(q, shift) < FLAG for q in clean),
            "lost": [q["name"] for q in pts if q["bd"] and cand(q, shift) < FLAG]})
    out["under_lines"] = [{**q, "logit": round(logit(q["p"]), 2)}
                          for q in sorted(under, key=lambda q: logit(q["p"]))]
    cl = [logit(q["p"]) for q in under if not q["bd"]]
    bd = [logit(q["p"]) for q in under if q["bd"]]
    out["shift"] = SHIFT
    out["margin_over_clean"] = round(SHIFT - max(cl), 2) if cl else None
    out["margin_under_backdoors"] = round(min(bd) - SHIFT, 2) if bd else None
    return out


def explain(manifest: Path, more: int) -> None:
    """Each manifest model (spent) read data-free, then every class's mask: L1s, shares, the
    gate's references and stand at the kind's steps, and the stand at ``more`` steps."""
    import numpy as np

    from data_free_signal_s75_h9f import _cpu, _load, keep_maximisers, mask_search
    from trojanscope import registry
    from trojanscope.detect.calibration import calibrate, load_calibrators

    kept = keep_maximisers()
    cals = load_calibrators()
    for row in read_jsonl(manifest):
        path, line = _job(row)
        before = _cpu()
        model, shape = _load(str(path))
        v = registry.create("detector", "auto").inspect(
            model.module, None, input_shape=shape, num_classes=model.num_classes or 10, seed=0)
        calibrate(v, cals)
        k = model.num_classes or 10
        X = kept["x"].reshape(k, -1, *kept["x"].shape[1:])
        M = kept["m"].reshape(k, -1)
        top, kind = int(v.target_classes[0]), kind_of(shape)
        refs = references(M, top)
        net = _frozen(model.module)
        line.update(kind=kind, p=round(float(v.probability), 5), top=top, refs=refs,
                    best_margin=[round(float(b), 2) for b in M.max(dim=1).values])
        for steps in (STEPS[kind], more):
            l1, hit = mask_search(net, X, M, steps, 0.01, hosts_per_class=1)
            stand = math.log(float(np.median([l1[c] for c in refs])) / max(l1[top], 1e-6))
            line[f"s{steps}"] = {"l1": l1, "hit": hit, "stand": round(stand, 3),
                                 "rank_of_top": sorted(l1).index(l1[top]) + 1}
        line["cpu_s"] = round(_cpu() - before, 2)
        print(json.dumps(line), flush=True)


def sweep(rows: Path, inputs: Path, kind: str, steps: int, lr: float, refs: int) -> None:
    """The gate's stand at every ``CHECK`` steps up to ``steps`` Adam steps of step ``lr`` with
    ``refs`` references, on the rows of ``kind`` of a grabbed rows file (spent; MM-BD's
    maximising inputs under ``inputs``, as ``data_free_signal_s75_h9f.py grab`` kept them),
    one line a model."""
    from data_free_signal_s75_h9f import _cpu, _load, _maximisers, mask_search

    for r in read_jsonl(rows):
        if (kind == "dense") != str(r["path"]).endswith(".onnx"):
            continue
        X, M = _maximisers(inputs, r["key"])
        model = _frozen(_load(r["path"])[0].module)
        loaded = _cpu()
        ref = references(M, r["top"], refs)
        seen: dict[int, float] = {}

        def note(step: int, l1: list[float], seen: dict[int, float] = seen) -> bool:
            seen[step] = stand_of(l1)
            return False

        l1, _ = mask_search(model, X, M, steps, 0.01, hosts_per_class=1,
                            classes=[r["top"], *ref], lr=lr, stop_when=note)
        seen[steps] = stand_of(l1)
        print(json.dumps({"name": f"{r['pop']}/{r['name']}", "fam": r["fam"], "bd": r["bd"],
                          "target": r["target"], "top": r["top"], "p": r["p"], "kind": kind,
                          "steps": steps, "lr": lr, "stand": seen[steps], "stands": seen,
                          "refs": ref, "l1": l1, "search_cpu_s": round(_cpu() - loaded, 3)}),
              flush=True)


def stand_of(l1: list[float]) -> float:
    """log(median of the references' L1s / the named class's), the named class first."""
    import numpy as np

    return round(math.log(float(np.median(l1[1:])) / max(l1[0], 1e-6)), 3)


def manifest(cnn: Path, mlp: Path, seeds: list[int]) -> list[dict]:
    """The built models of ``seeds``: the CNN maker's build records (``built_*.jsonl`` beside
    the folder ``cnn`` its models are in; each model in ``cnn/<kind>-<seed>``) and each MLP
    seed's ``truth.json`` under ``mlp``."""
    rows = []
    for built in sorted(cnn.parent.glob("built_*.jsonl")):
        rows += [{**r, "maker": "cnn", "folder": str(cnn / f"{r['kind']}-{r['seed']}")}
                 for r in read_jsonl(built) if r["seed"] in seeds]
    for seed in seeds:
        truth = json.loads((mlp / str(seed) / "truth.json").read_text())
        for name, info in truth.items():
            rows.append({"seed": seed, "name": f"{seed}/{name}",
                         "file": str(mlp / str(seed) / f"{name}.onnx"), **info})
    return rows


def score(rows: list[dict], shift: float = SHIFT) -> dict:
    """Stop 75's :func:`~mask_gate_s75_h9m.score` with each row's candidate re-applied by
    :func:`bounded` from its stored stand."""
    from mask_gate_s75_h9m import score as s75_score

    again = [{**r, "candidate": [round(bounded(r["today"][0], r["stand"], r["kind"], shift), 5),
                                 r["today"][1]]} for r in rows]
    out = s75_score(again)
    out["shift"], out["lines"] = shift, LINES
    return out


def seeds_of(text: str) -> list[int]:
    """``214-225`` or ``214,216``."""
    out: list[int] = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        out += list(range(int(lo), int(hi or lo) + 1))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("step", choices=("explain", "sweep", "union", "manifest", "read", "score"))
    ap.add_argument("paths", type=Path, nargs="*")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--more", type=int, default=300, help="explain: the longer search's steps")
    ap.add_argument("--seeds", default="", help="manifest: the seeds, e.g. 214-225")
    ap.add_argument("--shifts", default="3,4,4.5,5,5.5,6", help="union: the shifts tried")
    ap.add_argument("--inputs", type=Path, help="sweep: the maximising inputs' folder")
    ap.add_argument("--kind", choices=("cnn", "dense"), default="dense")
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--refs", type=int, default=3)
    args = ap.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    need = {"explain": 1, "sweep": 1, "union": 0, "manifest": 2, "read": 1,
            "score": 1}[args.step]
    if len(args.paths) != need:
        fail(f"{args.step}: give {need} path(s), got {len(args.paths)}")
    if args.step in ("explain", "sweep", "read", "score") and not args.paths[0].is_file():
        fail(f"{args.step}: {args.paths[0]} is not a file")
    if args.step == "union":
        try:
            shifts = [float(s) for s in args.shifts.split(",")]
        except ValueError:
            fail(f"--shifts: numbers separated by commas, got {args.shifts!r}")
        print(json.dumps(union(shifts), indent=1))
        return
    if args.step == "manifest":
        if not args.seeds:
            fail("manifest: give --seeds, e.g. 214-225")
        for row in manifest(*args.paths, seeds_of(args.seeds)):
            print(json.dumps(row))
        return
    if args.step == "score":
        print(json.dumps(score(list(read_jsonl(args.paths[0]))), indent=1))
        return
    import torch

    torch.set_num_threads(1)
    if args.step == "sweep":
        if args.inputs is None or not args.inputs.is_dir():
            fail("sweep: give --inputs DIR (the maximising inputs grab kept)")
        if min(args.steps, args.refs) < 1 or not args.lr > 0:
            fail("sweep: --steps and --refs must be >= 1 and --lr > 0")
        sweep(args.paths[0], args.inputs, args.kind, args.steps, args.lr, args.refs)
    elif args.step == "explain":
        if args.more < 1:
            fail("--more must be >= 1")
        explain(args.paths[0], args.more)
    else:
        from mask_gate_s75_h9m import read

        if args.out is None:
            fail("read: give --out ROWS")
        read(args.paths[0], args.out)


if __name__ == "__main__":
    run_main(main)
