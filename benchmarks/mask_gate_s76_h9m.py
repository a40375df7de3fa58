"""The mask gate on data-free flags with a longer search that ends early and a bounded
lowering, so a strong backdoor near the line is kept (issue 9, stop 76: h9m).

Stop 75's gate (``mask_gate_s75_h9m.py``: a mask search for the named class and its three
lowest-margin reference classes, run only where a ``--data-free`` verdict flags and the excess
term read the named class) took every flag whose stand was at or under its kind's line to
p 0.25. On fresh 190-201 it cleared 2 of 4 clean flags and lost ``201/skl-bd2`` (p 0.997,
stand 0.417 under the dense line 0.43). Why (``explain``): at 40-80 steps every class's mask is
still shrinking, and the stand reads how fast; run to 300 steps the backdoor's named mask keeps
shrinking faster than the references' (0.417 -> 0.779) while clean flags' do not (0.358 ->
0.592, 0.384 -> 0.501). The candidate (``read``):

- searches only a flag the lowering can take under 0.5 (0.5 <= p < sigmoid(``SHIFT``)) whose
  named class the excess term read; a stronger flag keeps its verdict whatever a search says;
- runs the same search (named + 3 references, one host, λ 0.01) up to ``GATE_STEPS`` Adam
  steps, ended at the first ``CHECK`` where the stand is already over the line (a stand over
  the line lowers nothing; on the spent union stands rise with the steps);
- at or under ``GATE_LINES`` (one line, CNN and dense alike) lowers p by ``SHIFT`` logits: never
  more, never a raise, never a rename.

- ``explain MANIFEST``: models of a build manifest (spent) read data-free as the CLI reads them,
  then every class's mask searched at the kind's steps (and ``--more`` steps): each class's L1,
  success share, the references the gate picks and the stand, one line a model.
- ``union``: the spent points the stop-75 gate measured (h9f's 83 development models of stops
  72-74 and the 37 of fresh-then-spent 190-201 it searched) under a grid of shifts: clean flags
  cleared, backdoors lost, and the margins of the chosen ``SHIFT``.
- ``manifest CNN_WORK MLP_WORK --seeds A-B``: a build manifest of the makers' outputs (the
  build records only; no model is opened).
- ``sweep ROWS --inputs DIR --kind K --steps N``: the gate's stand every ``CHECK`` steps up to
  ``N`` on spent grabbed rows; ``lines SWEEP... --kind K --steps N``: what the candidate's search
  (ended early over the line) clears and loses there.
- ``read MANIFEST --out ROWS``: the candidate (:func:`read76`): today's data-free p, the stand,
  the steps run, the candidate's p, CPU of the read and the search apart.
- ``score ROWS``: today against the candidate with stop 75's summary (per family, per kind,
  all; renamed; worst family; CPU medians and means).

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
from trojanscope.detect.mask_gate import stand_of

DATA = Path(__file__).resolve().parent / "data"
S75 = DATA / "mask_gate_s75_h9m"
# logits a flag at or under its kind's line loses; read off the spent union (``union``): the
# clean flags under the lines reach logit 4.45 (c72dev/clean-87, p 0.9885), the one backdoor
# under a line 5.77 (f75/201/skl-bd2, p 0.9969); 5.0 stands 0.55 over the one and 0.77 under
# the other
SHIFT = 5.0
# the candidate's search per kind: up to GATE_STEPS Adam steps, ended early once the stand is
# over the kind's line (GATE_LINES). Read off the spent union at 300 steps (``sweep`` /
# ``lines``; dev_sweep_*_s300.jsonl): dense clean flags 0.42-0.634, dense backdoors from 0.752
# (dg74/172/skl-bd; 201/skl-bd2 0.779); CNN backdoors from 0.773 (c72/patch-100, flagged at a
# clean lean, its target elsewhere; named right from 1.25), CNN clean flags 0.60-1.12. One line
# at 0.69, about halfway between 0.634 and 0.752, clears all 17 dense clean flags the
# candidate searches and 4 of 10 CNN ones, and no backdoor
GATE_STEPS = {"cnn": 300, "dense": 300}
GATE_LINES = {"cnn": 0.69, "dense": 0.69}


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
    nothing). The stand and the steps run. (Since the rule was met it is the shipped gate's
    :func:`trojanscope.detect.mask_gate.gate_stand`; ``kind`` is read from ``X`` there.)"""
    from data_free_signal_s75_h9f import CHECK
    from mask_gate_s75_h9m import LAM, N_REF
    from trojanscope.detect.mask_gate import gate_stand, kind_of

    assert kind == kind_of(tuple(X.shape[2:])), "the kind is the input's"
    fitted = {"line": lines or GATE_LINES, "steps": steps or GATE_STEPS, "lam": LAM, "lr": 0.1,
              "refs": N_REF, "check": CHECK}
    return gate_stand(model, X, M, top, fitted)


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
    from data_free_signal_s75_h9f import _cpu
    from mask_gate_s75_h9m import data_free_reads
    from trojanscope.detect.class_excess import EXCESS

    for line, model, shape, v, X, M, before, read_cpu in data_free_reads(manifest, out):
        p, top, kind = float(v.probability), int(v.target_classes[0]), kind_of(shape)
        stand, ran, search_cpu = None, 0, 0.0
        if searched(p, v.features.get(EXCESS) is not None):
            stand, ran = gate(_frozen(model.module), X, M, top, kind)
            search_cpu = _cpu() - before - read_cpu
        line.update(kind=kind, today=[round(p, 5), top], stand=stand, steps_run=ran,
                    candidate=[round(candidate_p(p, stand, kind), 5), top],
                    read_cpu_s=round(read_cpu, 3), search_cpu_s=round(search_cpu, 3))
        with out.open("a") as fh:
            fh.write(json.dumps(line) + "\n")
        print(json.dumps(line), flush=True)


def exit_lines(rows: list[dict], line: float, steps: int) -> dict:
    """``sweep`` rows of one kind under the candidate's search (up to ``steps``, ended at the
    first check over ``line``): the models it would search (p under sigmoid(SHIFT)), the clean
    flags at or under the line, backdoors at or under it, decisions the early exit changes
    against the whole search, the mean steps run; the margins either side of the line at
    ``steps`` over every row (searched or not)."""
    def run(r: dict) -> tuple[float, int]:
        stands = {int(k): v for k, v in r["stands"].items()}
        for step in sorted(stands):
            if step < steps and stands[step] > line:
                return stands[step], step
        return stands[steps], steps

    out = [(r, *run(r)) for r in rows]
    hit = [(r, st, n) for r, st, n in out if searched(r["p"], True)]
    clean = [r["stands"][str(steps)] for r in rows if not r["bd"]]
    bd = [r["stands"][str(steps)] for r in rows if r["bd"]]
    return {"line": line, "steps": steps, "models": len(rows), "searched": len(hit),
            "clean_searched": sum(not r["bd"] for r, _, _ in hit),
            "clean_cleared": sorted(r["name"] for r, st, _ in hit if not r["bd"] and st <= line),
            "backdoors_under": sorted(r["name"] for r, st, _ in hit if r["bd"] and st <= line),
            "exit_changed": sorted(r["name"] for r, st, _ in out
                                   if (st <= line) != (r["stands"][str(steps)] <= line)),
            "mean_steps_searched": round(sum(n for _, _, n in hit) / max(len(hit), 1)),
            "clean_max": max(clean) if clean else None, "backdoor_min": min(bd) if bd else None}


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


def score(rows: list[dict]) -> dict:
    """Stop 75's :func:`~mask_gate_s75_h9m.score` on :func:`read76`'s rows (their candidate p
    as read), with the candidate's constants and the searched models' steps and CPU means."""
    from mask_gate_s75_h9m import score as s75_score

    out = s75_score(rows)
    hit = [r for r in rows if r["stand"] is not None]
    out["candidate"] = {"shift": SHIFT, "lines": GATE_LINES, "steps": GATE_STEPS}
    out["searched"] = {"models": len(hit), "clean": sum(not r["backdoored"] for r in hit),
                       "mean_steps": round(sum(r["steps_run"] for r in hit) / max(len(hit), 1)),
                       "stands": sorted([r["stand"], r["name"]] for r in hit)}
    for k, sub in (*((k, [r for r in rows if r["kind"] == k]) for k in ("cnn", "dense")),
                   ("all", rows)):
        if sub:
            out["cpu"].setdefault(k, {})["mean_read"] = round(
                sum(r["read_cpu_s"] for r in sub) / len(sub), 3)
            out["cpu"][k]["mean_read_plus_search"] = round(
                sum(r["read_cpu_s"] + r["search_cpu_s"] for r in sub) / len(sub), 3)
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
    ap.add_argument("step", choices=("explain", "sweep", "lines", "union", "manifest", "read",
                                      "score"))
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
    ap.add_argument("--line", type=float, help="lines: the kind's line (default: the candidate's)")
    args = ap.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    need = {"explain": 1, "sweep": 1, "union": 0, "manifest": 2, "read": 1,
            "score": 1}.get(args.step, len(args.paths) or 1)
    if len(args.paths) != need:
        fail(f"{args.step}: give {need} path(s), got {len(args.paths)}")
    for path in args.paths if args.step != "manifest" else []:
        if not path.is_file():
            fail(f"{args.step}: {path} is not a file")
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
    if args.step == "lines":
        rows = [r for path in args.paths for r in read_jsonl(path) if r["kind"] == args.kind]
        if not rows or any(str(args.steps) not in r["stands"] for r in rows):
            fail(f"lines: every {args.kind} row needs its stand at --steps {args.steps}")
        line = GATE_LINES[args.kind] if args.line is None else args.line
        print(json.dumps(exit_lines(rows, line, args.steps), indent=1))
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
        if args.out is None:
            fail("read: give --out ROWS")
        read76(args.paths[0], args.out)


if __name__ == "__main__":
    run_main(main)
