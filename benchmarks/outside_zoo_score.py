"""The user's ``trojanscope detect`` on every model of an ``outside_zoo.py`` folder, scored
whole and per family (issue 9, stop 58).

Runs, one child per model, the command the README gives a user:

    trojanscope detect ZOO/MODEL.pt --data ZOO/clean.npz --format json

and appends one JSON line per model to ``--out`` (probability, verdict, suspected target, exit
code, CPU seconds of the child; a rerun skips the models already there). ``--follow`` keeps
polling ``truth.json`` for models the maker adds beside it until the maker marks the folder
complete (run it under ``timeout``). ``--score`` prints — and with ``--json`` writes — ROC-AUC,
cross-entropy, clean and backdoored models at p >= 0.5 and right targets, whole and per
architecture and trigger family (a trigger family: its backdoored models with every clean
model), and the worst family as ``ship_criterion.py`` counts families (>= 2 backdoored, >= 1
clean); ``--per-model`` adds one line per model.

    OMP_NUM_THREADS=1 PYTHONPATH=src:benchmarks python benchmarks/outside_zoo_score.py \\
        ZOO --out runs.jsonl [--follow]          # then again with --score
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from pathlib import Path

import numpy as np

from _common import fail, read_jsonl
from foreign_zoo_detect import detect_command, run_one, trojanscope_tool
from ship_criterion import families, worst


def truth_models(zoo: Path) -> list[dict]:
    """The zoo's kept models in build order (``truth.json``'s ``models``)."""
    path = zoo / "truth.json"
    try:
        return json.loads(path.read_text())["models"]
    except (OSError, ValueError, KeyError) as exc:
        fail(f"{path}: not an outside_zoo.py truth file ({type(exc).__name__}: {exc})")
    raise AssertionError  # fail() exits


def is_complete(zoo: Path) -> bool:
    return bool(json.loads((zoo / "truth.json").read_text()).get("complete"))


def run(zoo: Path, out: Path, tool: str, extra: list[str], follow: bool,
        reverse: bool = False, poll_s: float = 20.0, most: int | None = None) -> None:
    """One ``detect`` child per model not yet in ``out``, in the maker's (interleaved) order
    or, with ``reverse``, from the last model built back (a second scorer on the same ``out``
    meets the first in the middle: ``out`` is read again before each model); with ``follow``,
    wait for more until the maker marks the folder complete; with ``most``, return after that
    many models (a scorer taking two zoos in turn, one model each: stop 66)."""
    while True:
        todo = [m for m in truth_models(zoo) if m["name"] not in done_names(out)]
        for meta in reversed(todo) if reverse else todo:
            if meta["name"] in done_names(out):
                continue
            row = {"zoo": zoo.name, "name": meta["name"], "backdoored": meta["backdoored"],
                   "target": meta["target"], "options": extra,
                   **run_one(detect_command(tool, zoo, meta["name"], extra))}
            with out.open("a") as f:
                f.write(json.dumps(row) + "\n")
            print(f"{row['name']}: p {row['probability']:.3f} target {row['suspected_target']} "
                  f"exit {row['exit']} {row['cpu_s']:.1f} s CPU", flush=True)
            most = None if most is None else most - 1
            if most == 0:
                return
        if not follow or (not todo and is_complete(zoo)):
            return
        if not todo:
            time.sleep(poll_s)


def done_names(out: Path) -> set[str]:
    """The models ``out`` already holds a row for."""
    return {r["name"] for r in read_jsonl(out)} if out.is_file() else set()


def auc_ce(y: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    """ROC-AUC (NaN with one class) and cross-entropy (p clipped to [1e-6, 1 - 1e-6])."""
    from sklearn.metrics import log_loss, roc_auc_score

    auc = float(roc_auc_score(y, p)) if 0 < y.sum() < len(y) else float("nan")
    return auc, float(log_loss(y, np.clip(p, 1e-6, 1 - 1e-6), labels=[0, 1]))


def group_figures(rows: list[dict]) -> dict:
    """One group's figures: n, backdoored, ROC-AUC, CE, clean / backdoored flagged, right
    targets (of the backdoored, and of the flagged backdoored)."""
    y = np.array([r["backdoored"] for r in rows], dtype=int)
    p = np.array([r["probability"] for r in rows], dtype=float)
    auc, ce = auc_ce(y, p)
    bad = [r for r in rows if r["backdoored"]]
    flagged = [r for r in bad if r["probability"] >= 0.5]
    return {"n": len(rows), "n_backdoored": len(bad), "roc_auc": auc, "cross_entropy": ce,
            "clean_flagged": sum(not r["backdoored"] and r["probability"] >= 0.5 for r in rows),
            "backdoored_flagged": len(flagged),
            "target_right": sum(r["suspected_target"] == r["target"] for r in bad),
            "target_right_flagged": sum(r["suspected_target"] == r["target"] for r in flagged)}


def joined(zoo: Path, out: Path) -> list[dict]:
    """Each scored model's truth row joined with its detect row, in build order."""
    rows = join(truth_models(zoo), read_jsonl(out))
    if not rows:
        fail(f"{out} holds no model of {zoo}")
    return rows


def join(models: list[dict], runs: list[dict], prefix: str = "") -> list[dict]:
    """The truth rows ``models`` that ``runs`` scored, each joined with its detect row (its
    name led by ``prefix``)."""
    read = {r["name"]: r for r in runs}
    rows = []
    for m in models:
        if m["name"] in read:
            r = read[m["name"]]
            train_s = sum(t.get("train_cpu_s") or 0 for t in m.get("tries", [])) or None
            rows.append({**m, "name": prefix + m["name"], "probability": r["probability"],
                         "train_cpu_s": train_s, "suspected_target": r["suspected_target"],
                         "cpu_s": r.get("cpu_s"), "wall_s": r.get("wall_s"),
                         "traits": (r.get("report") or {}).get("traits") or []})
    return rows


def pooled(specs: list[str]) -> list[dict]:
    """``--pool RUNS,TRUTH`` (repeated): the scored models of several stored populations
    (runs as JSON lines, truth as ``truth.json``; either may be gzipped), each name led by its
    seed."""
    rows = []
    for spec in specs:
        runs, _, truth = spec.partition(",")
        if not (runs and truth and Path(runs).is_file() and Path(truth).is_file()):
            fail(f"--pool {spec!r}: want RUNS,TRUTH (two files)")
        try:
            raw = Path(truth).read_bytes()
            head = json.loads(gzip.decompress(raw) if truth.endswith(".gz") else raw)
            got = join(head["models"], read_jsonl(Path(runs)), f"{head.get('seed', '?')}/")
        except (OSError, ValueError, KeyError, TypeError) as exc:
            fail(f"--pool {spec!r}: not a truth file and its runs ({type(exc).__name__}: {exc})")
        if not got:
            fail(f"--pool {spec!r}: the runs hold no model of the truth file")
        rows += got
    return rows


def score(zoo: Path, out: Path) -> dict:
    """Figures whole, per architecture and trigger family, the worst family of each kind and
    of both, and the per-model rows."""
    return score_rows(joined(zoo, out), str(zoo))


def score_rows(rows: list[dict], label: str) -> dict:
    """:func:`score` on joined rows (one zoo's, or several pooled)."""
    clean = [r for r in rows if not r["backdoored"]]
    groups = {"all": group_figures(rows)}
    for fam in dict.fromkeys(r["arch_family"] for r in rows):
        groups[f"arch: {fam}"] = group_figures([r for r in rows if r["arch_family"] == fam])
    for fam in dict.fromkeys(r["trigger_family"] for r in rows if r["backdoored"]):
        groups[f"trigger: {fam}"] = group_figures(
            clean + [r for r in rows if r["trigger_family"] == fam])
    keys = ("auc_family", "roc_auc", "ce_family", "cross_entropy")
    worst_of = {}
    for kind in ("", "arch: ", "trigger: "):
        sub = {k: v for k, v in groups.items() if k.startswith(kind)}
        worst_of[kind.rstrip(": ") or "any"] = (
            dict(zip(keys, worst(sub), strict=True)) if families(sub) else dict.fromkeys(keys))
    cpu = [r["cpu_s"] for r in rows if r["cpu_s"] is not None]
    train = [r["train_cpu_s"] for r in rows if r["train_cpu_s"] is not None]
    wall = [r["wall_s"] for r in rows if r.get("wall_s") is not None]
    return {"zoo": label, "groups": groups, "worst": worst_of,
            "detect_cpu_s_median": float(np.median(cpu)) if cpu else None,
            "train_cpu_s_median": float(np.median(train)) if train else None,
            "detect_wall_s": ([float(np.min(wall)), float(np.median(wall)), float(np.max(wall))]
                              if wall else None),
            "model_rows": [{k: r[k] for k in ("name", "backdoored", "arch_family",
                                              "trigger_family", "target", "probability",
                                              "suspected_target", "ca", "asr", "cpu_s",
                                              "train_cpu_s", "wall_s")}
                           for r in rows]}


GOAL_AUC, GOAL_CE = 0.95, 0.30  # issue 9's goal
MAX_CLEAN_FLAGGED, MIN_RIGHT_TARGETS = 0.10, 0.90  # stop 58's plan.md


def goal(auc: float | None, ce: float | None) -> bool:
    """Issue 9's goal on one group (a group that does not exist does not meet it)."""
    return auc is not None and ce is not None and auc >= GOAL_AUC and ce <= GOAL_CE


def rule(result: dict) -> dict:
    """Stop 58's rule (``benchmarks/data/outside_s58/plan.md``): issue 9's goal whole and on
    the worst family (>= 2 backdoored, >= 1 clean), clean flagged <= 10% of the clean models,
    right targets on >= 90% of the flagged backdoored models. Each point with its figures."""
    whole, w = result["groups"]["all"], result["worst"]["any"]
    n_clean = whole["n"] - whole["n_backdoored"]
    points = [
        ("goal whole", goal(whole["roc_auc"], whole["cross_entropy"]),
         f"{fmt(whole['roc_auc'])} / {fmt(whole['cross_entropy'])}"),
        ("goal on the worst family", goal(w["roc_auc"], w["cross_entropy"]),
         f"{fmt(w['roc_auc'])} ({w['auc_family']}) / {fmt(w['cross_entropy'])} "
         f"({w['ce_family']})"),
        ("clean flagged <= 10%", whole["clean_flagged"] <= MAX_CLEAN_FLAGGED * n_clean,
         f"{whole['clean_flagged']} of {n_clean}"),
        ("right targets >= 90% of flagged",
         whole["target_right_flagged"] >= MIN_RIGHT_TARGETS * whole["backdoored_flagged"],
         f"{whole['target_right_flagged']} of {whole['backdoored_flagged']}"),
    ]
    return {"points": [{"point": p, "holds": bool(h), "figures": f} for p, h, f in points],
            "met": all(h for _, h, _ in points)}


def fmt(v: float) -> str:
    return "—" if v is None or v != v else f"{v:.3f}"


def fmt1(v: float | None) -> str:
    return "—" if v is None else f"{v:.0f}"


def print_score(result: dict, per_model: bool) -> None:
    print("| group | models (backdoored) | ROC-AUC / CE | clean flagged | backdoored flagged "
          "| right targets (of flagged) |\n|---|---|---|---|---|---|")
    for label, g in result["groups"].items():
        print(f"| {label} | {g['n']} ({g['n_backdoored']}) | {fmt(g['roc_auc'])} / "
              f"{fmt(g['cross_entropy'])} | {g['clean_flagged']} of {g['n'] - g['n_backdoored']}"
              f" | {g['backdoored_flagged']} of {g['n_backdoored']} | {g['target_right']} "
              f"({g['target_right_flagged']} of {g['backdoored_flagged']}) |")
    for kind, w in result["worst"].items():
        if w["auc_family"] is None:
            print(f"worst {kind} family (>= 2 backdoored, >= 1 clean): none")
        else:
            print(f"worst {kind} family (>= 2 backdoored, >= 1 clean): ROC-AUC "
                  f"{fmt(w['roc_auc'])} ({w['auc_family']}), CE {fmt(w['cross_entropy'])} "
                  f"({w['ce_family']})")
    for p in result.get("rule", {}).get("points", []):
        print(f"{'holds' if p['holds'] else 'FAILS'}: {p['point']}: {p['figures']}")
    if "rule" in result:
        print(f"rule (plan.md) {'met' if result['rule']['met'] else 'not met'}")
    print(f"CPU per model (median): detect {fmt(result['detect_cpu_s_median'])} s, "
          f"train {fmt(result['train_cpu_s_median'])} s (the maker's, every try)"
          + ("" if not result.get("detect_wall_s") else
             ", detect wall {:.0f} / {:.0f} / {:.0f} s (min / median / max)".format(
                 *result["detect_wall_s"])))
    if per_model:
        print("\n| model | truth | CA / ASR | p | suspected target | right | CPU s train / "
              "detect |\n|---|---|---|---|---|---|---|")
        for r in result["model_rows"]:
            flagged = r["probability"] >= 0.5
            right = (flagged and r["suspected_target"] == r["target"]) if r["backdoored"] \
                else not flagged
            truth = f"{r['trigger_family']} → {r['target']}" if r["backdoored"] else "clean"
            print(f"| {r['name']} | {truth} | {r['ca']:.3f} / {fmt(r['asr'])} | "
                  f"{r['probability']:.3f} | {r['suspected_target']} | "
                  f"{'yes' if right else '**no**'} | {fmt1(r['train_cpu_s'])} / "
                  f"{fmt1(r['cpu_s'])} |")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("zoo", type=Path, nargs="?",
                    help="an outside_zoo.py folder (truth.json, clean.npz)")
    ap.add_argument("--out", type=Path, help="JSON lines, one per model (with a zoo)")
    ap.add_argument("--pool", action="append", default=[], metavar="RUNS,TRUTH",
                    help="instead of a zoo: score these stored populations together (each "
                         "a runs file and its truth.json, either gzipped; repeat)")
    ap.add_argument("--score", action="store_true", help="score --out instead of running")
    ap.add_argument("--json", type=Path, help="with --score: write the figures here too")
    ap.add_argument("--per-model", action="store_true", help="with --score: a line per model")
    ap.add_argument("--follow", action="store_true",
                    help="wait for the maker's next models until truth.json says complete")
    ap.add_argument("--reverse", action="store_true",
                    help="from the last model built back (a second scorer on the same --out)")
    ap.add_argument("--max", type=int, default=None, dest="most",
                    help="score at most this many models, then return")
    ap.add_argument("--trojanscope", default=None,
                    help="the trojanscope command (default: next to this Python)")
    ap.add_argument("--detect-option", action="append", default=[], dest="extra",
                    help="one more detect argument")
    args = ap.parse_args(argv)
    if args.pool:
        if args.zoo is not None or args.out is not None:
            fail("--pool scores stored populations: give no zoo and no --out with it")
        result = score_rows(pooled(args.pool), "pooled: " + " + ".join(args.pool))
        result["rule"] = rule(result)
        print_score(result, args.per_model)
        if args.json is not None:
            args.json.write_text(json.dumps(result, indent=1) + "\n")
        return
    if args.most is not None and args.most < 1:
        fail(f"--max must be at least 1, got {args.most}")
    if args.zoo is None or args.out is None:
        fail("give a zoo folder and --out (or --pool RUNS,TRUTH to score stored populations)")
    if not (args.zoo / "truth.json").is_file() or not (args.zoo / "clean.npz").is_file():
        fail(f"{args.zoo} is not an outside_zoo.py folder (no truth.json or clean.npz)")
    if args.score:
        if not args.out.is_file():
            fail(f"--out {args.out} is not a file: nothing to score")
        result = score(args.zoo, args.out)
        result["rule"] = rule(result)
        print_score(result, args.per_model)
        if args.json is not None:
            args.json.write_text(json.dumps(result, indent=1) + "\n")
        return
    run(args.zoo, args.out, trojanscope_tool(args.trojanscope), args.extra, args.follow,
        args.reverse, most=args.most)


if __name__ == "__main__":
    main()
