"""Stop 36's rule for the isolated-bright-pixel column in ``serve --guard auto``'s one-pass guard
(issue 14; docs/benchmarks.md, "issue 14, stop 36"): reads the per-model JSON outputs of
``bench_detect_inputs_foreign.py`` and ``bench_detect_inputs.py`` (the served guard,
``mahalanobis:transforms=[]:isolated=false``, and the candidate, ``...:isolated=true``, in the
same process) and ``bench_serve.py``'s load test with the candidate; keeps each population's
prefix, in the committed order, whose scoring had finished by the committed clock time (the
file's modification time), and prints the figures and the rule's conditions. The figures and
the prefix are stop 35's (:mod:`isolated_rule_stop35`); only the population, the labels and
the load-test condition are this stop's. Without ``--cutoff`` every file in the folder counts
(the committed copy, whose files' times are the checkout's).

    PYTHONPATH=src python benchmarks/isolated_served_rule_stop36.py OUT_DIR \\
        --cutoff 2026-12-02T00:35:00Z --serve OUT_DIR/serve_stop36_rule.json \\
        --serve-cutoff 2026-12-02T00:55:00Z
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from isolated_rule_stop35 import foreign_paths, pairs, prefix, report

STEM = "serve_isolated_stop36"
OWN = [
    ("badnets", 55),
    ("blended", 55),
    ("sparse", 55),
    ("sig", 55),
    ("wanet", 55),
    ("wanet", 56),
    ("wanet", 57),
]
ZOOS = [("s33", 4, 33, True)]
MIN_FOREIGN, MIN_OWN = 10, 5
TARGETED = ("xpatch", "sparse")  # the triggers the column reads (stops 34b, 35)
MAX_RATIO = 3.0  # stop 31's serving rule: guarded single-input p50 <= 3x bare


def served_candidate(label: str) -> bool:
    """Both rows name ``isolated``; the candidate is the one that turns it on."""
    return "isolated=true" in label.lower()


def when(text: str | None) -> float | None:
    return None if text is None else datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def targeted_tpr(ps: list[tuple[dict, dict]]) -> tuple[float, float, int] | None:
    """Mean TPR, default and candidate, on the foreign crossed-patch and sparse models."""
    hit = [(b["tpr_at_fpr"], c["tpr_at_fpr"]) for b, c in ps if b.get("trigger") in TARGETED]
    if not hit:
        return None
    return (sum(b for b, _ in hit) / len(hit), sum(c for _, c in hit) / len(hit), len(hit))


def load_test(
    path: Path, cutoff: float | None, candidate: str = "isolated=true"
) -> dict[str, bool]:
    """Stop 31's serving rule on ``bench_serve.py``'s output with the candidate guard (the
    ``--guard-param`` ``candidate``)."""
    if not path.is_file() or (cutoff is not None and path.stat().st_mtime > cutoff):
        return {"finished by the clock time": False}
    run = json.loads(path.read_text())
    cases, restart = run["cases"], run["restart"]
    bare, guarded = cases["bare-1"], cases["guarded-1"]
    ratio = guarded["p50_ms"] / bare["p50_ms"]
    print(
        f"\nload test: single-input p50 bare {bare['p50_ms']:.1f} / guarded "
        f"{guarded['p50_ms']:.1f} ms ({ratio:.2f}x); 64-input p50 "
        f"{cases['bare-64']['p50_ms']:.0f} / {cases['guarded-64']['p50_ms']:.0f} ms; "
        f"answered {sum(c['answered_200'] for c in cases.values())}/"
        f"{sum(c['requests'] for c in cases.values())}, wrong "
        f"{sum(c['wrong'] for c in cases.values())}; incidents {restart}"
    )
    return {
        f"the candidate guard ({candidate})": candidate in run.get("guard_params", []),
        f"guarded single-input p50 <= {MAX_RATIO}x bare": ratio <= MAX_RATIO,
        "every request answered 200, none wrong": all(
            c["answered_200"] == c["requests"] and c["wrong"] == 0 for c in cases.values()
        ),
        "every guarded row on the fused pass": all(
            c["fused_pass"] for k, c in cases.items() if k.startswith("guarded")
        ),
        "every flagged input in the database, kept across the restart": (
            restart["incidents_before"]
            == restart["flagged_by_guarded_rows"]
            == restart["after_restart"]
            and restart["after_one_more_request"]
            == restart["after_restart"] + restart["flagged_in_that_request"]
        ),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path, help="folder of the per-model JSON outputs")
    ap.add_argument("--zoos", type=Path, default=Path("/tmp/h14s36/zoo"))
    ap.add_argument("--cutoff", default=None, help="ISO time, e.g. 2026-12-02T00:35:00Z")
    ap.add_argument("--serve", type=Path, default=None, help="bench_serve.py's JSON output")
    ap.add_argument("--serve-cutoff", default=None, help="ISO time the load test must beat")
    args = ap.parse_args()
    fp = prefix(foreign_paths(args.out, args.zoos, ZOOS, STEM), when(args.cutoff))
    op = prefix([args.out / f"{STEM}_{f}-s{s}.json" for f, s in OWN], when(args.cutoff))
    fpairs, opairs = pairs(fp, True, served_candidate), pairs(op, False, served_candidate)
    f = report("foreign", fpairs, True)
    o = report("own", opairs, False)
    tt = targeted_tpr(fpairs)
    print(
        "foreign crossed-patch and sparse models, mean TPR default / with the column: "
        + ("none" if tt is None else f"{tt[0]:.3f} / {tt[1]:.3f} ({tt[2]} models)")
    )
    conditions = {
        f"0 population: >= {MIN_FOREIGN} foreign and >= {MIN_OWN} own": len(fp) >= MIN_FOREIGN
        and len(op) >= MIN_OWN,
        "1 as many models at the goal, foreign and own": all(
            p["isolated"]["at_goal"] >= p["default"]["at_goal"] for p in (f, o)
        ),
        "2 higher mean TPR on the foreign crossed-patch and sparse models": tt is not None
        and tt[1] > tt[0],
        "3 no model at the goal falls below it": not f["lost"] and not o["lost"],
        "4 guard FPR mean <= 0.015 each, max <= default's max + 0.01": all(
            p["isolated"]["mean_guard_fpr"] <= 0.015
            and p["isolated"]["max_guard_fpr"] <= p["default"]["max_guard_fpr"] + 0.01
            for p in (f, o)
        ),
        "5 worst foreign trigger family not lower": f["isolated"]["worst_family"][1]
        >= f["default"]["worst_family"][1],
    }
    if args.serve is not None:
        for k, v in load_test(args.serve, when(args.serve_cutoff)).items():
            conditions[f"6 load test: {k}"] = v
    else:
        conditions["6 load test"] = False
    print()
    for k, v in conditions.items():
        print(f"condition {k}: {'met' if v else 'NOT met'}")
    print("serve isolated=true in serve --guard auto's guard:", all(conditions.values()))


if __name__ == "__main__":
    main()
