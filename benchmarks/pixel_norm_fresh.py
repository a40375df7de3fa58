"""The stop-56 rule for candidate P (the pixel raise term's BatchNorm-CNN start) on fresh foreign
seeds pooled (issue 9, stop 56: h9A; ``benchmarks/data/foreign_s56a/plan.md``).

Each fresh seed's runs (scored by today's default before the cut) are recalibrated through
``calibrate`` on their stored reports by the shipped file (it must reproduce every stored
probability) and by P; pooled and per seed: every architecture, trigger and script family's
ROC-AUC / CE, the worst family, flags and right targets (``class_excess_fit.scores``, each file's
own suspects). Then the plan's points (0), (a)-(e), with ``--lofo`` the ``lofo_fresh.py`` reading
of the pool (its ``P`` and ``V`` worst held-out families) and ``--dev`` ``pixel_norm_start.py``'s
JSON re-run on the merged code (the stored runs it moves, ``zoo/eval``).

    PYTHONPATH=src:benchmarks python benchmarks/pixel_norm_fresh.py \\
        --fresh 83=zoo-s83,out83/detect83.jsonl --fresh 84=zoo-s84,out84/detect84.jsonl \\
        --candidate benchmarks/data/foreign_s56a/cal_P.json --lofo lofo83_84.json --pool 83+84 \\
        --dev dev_P_merged.json --json rule_s56a.json
"""

from __future__ import annotations

import json
from pathlib import Path

from _common import LineParser
from class_excess_fit import scores, seed_spec
from class_excess_fresh import CE_ROOM, load_fresh
from rule_print import report_rule

MIN_MODELS = 24
# The stored runs P moves on development (dev_P.json, plan commit 8a236324): BatchNorm CNNs only.
DEV_MOVED = ["s60:bn_cnn-05", "s64:bn_cnn-03", "s64:bn_cnn-05", "s65:bn_cnn-05", "s67:bn_cnn-02",
             "s74:hardswish_bn_cnn-03", "s77:bn_cnn-01", "s80:bn_cnn-01", "s82:bn_cnn-02"]
EVAL_TODAY = (1.0, 0.1164)  # zoo/eval under the shipped file with the re-read ratios (stop 55)


def rescore(rows: list[dict], path: Path | None) -> dict[str, tuple[float, int]]:
    """Each row's (probability, suspect) under ``path`` (None: the shipped file, which must
    give every stored probability)."""
    from foreign_zoo_detect import recalibrate_row
    from trojanscope.detect.calibration import load_calibrators

    cals = load_calibrators(path)
    out = {}
    for r in rows:
        got = recalibrate_row({"name": r["name"], "report": r["report"]}, cals, "x")
        if path is None and abs(got["probability"] - r["stored_p"]) > 1e-9:
            raise SystemExit(f"error: {r['key']}: the shipped file gives {got['probability']}, "
                             f"the run stored {r['stored_p']}")
        out[r["key"]] = (float(got["probability"]), got["suspected_target"])
    return out


def read_as(rows: list[dict], got: dict[str, tuple[float, int]]) -> dict:
    """``class_excess_fit.scores`` of ``rows`` with each row's suspect from ``got``."""
    mine = [{**r, "suspect": got[r["key"]][1]} for r in rows]
    return scores(mine, {k: p for k, (p, _) in got.items()})


def in_group(row: dict) -> bool:
    traits = row["report"].get("traits") or []
    return "norm:batch" in traits and "layer:conv" in traits


def rule(n: int, today: dict, cand: dict, moved: list[dict], lofo: dict | None,
         dev: dict | None) -> list[tuple[str, bool, str]]:
    """The plan's points, each (point, holds, figures)."""
    all_t, all_c = today["groups"]["all"], cand["groups"]["all"]
    out = [("(0) >= 24 models scored", n >= MIN_MODELS, f"{n} models"),
           ("(a) overall CE <= today's + 0.005",
            all_c["cross_entropy"] <= all_t["cross_entropy"] + CE_ROOM,
            f"{all_c['cross_entropy']} vs {all_t['cross_entropy']}")]
    ok = cand["worst"]["cross_entropy"] <= today["worst"]["cross_entropy"]
    said = (f"whole file: P {cand['worst']['ce_family']} {cand['worst']['cross_entropy']} vs "
            f"today {today['worst']['ce_family']} {today['worst']['cross_entropy']}")
    if lofo is None:
        ok, said = False, said + "; held out: not read"
    else:
        for kind in ("script", "trigger"):
            p, v = lofo["P"][kind], lofo["V"][kind]
            if p["families"]:
                ok = ok and p["cross_entropy"] <= v["cross_entropy"]
                said += (f"; held-out {kind}: P {p['ce_family']} {p['cross_entropy']} vs V "
                         f"{v['ce_family']} {v['cross_entropy']}")
    out.append(("(b) worst-family CE <= today's (whole file and held out)", ok, said))
    out.append(("(c) clean flagged <= today's",
                len(cand["clean_flagged"]) <= len(today["clean_flagged"]),
                f"{cand['clean_flagged']} vs {today['clean_flagged']}"))
    out.append(("(d) backdoored flagged and right targets >= today's",
                cand["backdoored_flagged"] >= today["backdoored_flagged"]
                and cand["target_right"] >= today["target_right"],
                f"flagged {cand['backdoored_flagged']} vs {today['backdoored_flagged']}; right "
                f"{cand['target_right']} vs {today['target_right']}"))
    outside = [m["key"] for m in moved if not m["group"]]
    ok, said = not outside, f"fresh moved outside BatchNorm CNNs: {outside}"
    if dev is None:
        ok, said = False, said + "; stored runs and zoo/eval: not read"
    else:
        stored = sorted(m["key"] for m in dev["whole"]["moved"])
        ev = dev["zoo_eval"]
        figs = (round(ev["candidate"]["roc_auc"], 4), round(ev["candidate"]["cross_entropy"], 4))
        ok = ok and stored == sorted(DEV_MOVED) and not ev["moved"] and figs == EVAL_TODAY
        said += f"; stored moved {len(stored)} (as planned: {stored == sorted(DEV_MOVED)}); " \
                f"zoo/eval {figs}, moved {ev['moved']}"
    out.append(("(e) P moves only BatchNorm CNNs; stored runs and zoo/eval as planned", ok, said))
    return out


def main() -> None:
    ap = LineParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fresh", action="append", required=True, help="SEED=ZOO,RUNS.jsonl")
    ap.add_argument("--candidate", type=Path, required=True)
    ap.add_argument("--lofo", type=Path, help="lofo_fresh.py's JSON holding --pool")
    ap.add_argument("--pool", default="83+84", help="the pool's label in --lofo")
    ap.add_argument("--dev", type=Path, help="pixel_norm_start.py's JSON (merged code)")
    ap.add_argument("--json", type=Path, required=True)
    args = ap.parse_args()
    for flag, p in (("--candidate", args.candidate), ("--lofo", args.lofo), ("--dev", args.dev)):
        if p is not None and not p.is_file():
            ap.error(f"{flag} {p}: no such file")
    if not args.json.parent.is_dir():
        ap.error(f"--json {args.json}: no such folder {args.json.parent}")
    rows = []
    for spec in args.fresh:
        rows += load_fresh(*seed_spec(ap, "--fresh", spec))
    if not rows:
        ap.error("no scored run with its report in the --fresh seeds")
    a, b = rescore(rows, None), rescore(rows, args.candidate)
    today, cand = read_as(rows, a), read_as(rows, b)
    moved = [{"key": r["key"], "family": r["arch_family"], "backdoored": bool(r["backdoored"]),
              "group": in_group(r), "p": [round(a[r["key"]][0], 4), round(b[r["key"]][0], 4)],
              "suspect": [a[r["key"]][1], b[r["key"]][1]]}
             for r in rows if abs(a[r["key"]][0] - b[r["key"]][0]) > 1e-12
             or a[r["key"]][1] != b[r["key"]][1]]
    lofo = None
    if args.lofo:
        seeds = json.loads(args.lofo.read_text())["seeds"]
        if args.pool not in seeds:
            ap.error(f"--lofo {args.lofo}: no pool {args.pool!r}")
        lofo = seeds[args.pool]["worst"]
    dev = json.loads(args.dev.read_text()) if args.dev else None
    points = rule(len(rows), today, cand, moved, lofo, dev)
    result = {"models": len(rows), "today": today, "candidate": cand, "moved": moved,
              "per_seed": {}, "lofo_worst": lofo,
              "points": [{"point": p, "holds": h, "figures": f} for p, h, f in points],
              "met": all(h for _, h, _ in points)}
    report_rule(f"{len(rows)} runs; shipped file reproduces every stored probability", rows,
                result, lambda mine: (read_as(mine, a), read_as(mine, b)), args.json, name="P")

if __name__ == "__main__":
    main()
