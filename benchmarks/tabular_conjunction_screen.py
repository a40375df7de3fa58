"""Conjunction backdoors on networks with and without the category-pair screen (issue 16,
stop 37): for each ``tabular-conjunction`` MLP backdoor of the packed rows, its probability
(rescored with ``--calibration``), flag and suspected target from the rows without the screen
(``--plain``, ``zoo eval --method tabular-search -p pair_screen=0``) and with it
(``--screened``, ``tabular_pair_screen.py``); per table, the caught count and the
cross-entropy / ROC-AUC of those backdoors with the table's clean MLPs; with ``--screen-json``
(``tabular_pair_screen.py --json --planted``) the planted trigger's own excess and how many of
its categories the screen's combination holds (the rows do not record the plain
search's combination). ``--excess`` / ``--min-excess``: stop 35's
labelling (a backdoor whose excess flip rate is below the floor is left out).

    PYTHONPATH=src:benchmarks python benchmarks/tabular_conjunction_screen.py --plain ROWS... \\
        --screened ROWS... [--calibration FILE] [--screen-json FILE] [--excess FILE --min-excess F]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from sklearn.metrics import log_loss, roc_auc_score

from bench_tabular_detect import rescored
from bench_tabular_target0 import excess_natural
from trojanscope.detect.calibration import load_calibrators

ATTACK = "tabular-conjunction"


def network_rows(files: list[str], cals: dict) -> dict[tuple[str, str], dict]:
    """The MLP rows of packed files by (zoo name, model), rescored with ``cals``."""
    out = {}
    for f in files:
        d = json.loads(Path(f).read_text())
        zoo = d["zoo"].rstrip("/").rsplit("/", 1)[-1]
        for r in d["rows"]:
            if r.get("family") == "network":
                out[(zoo, r["name"])] = {
                    **r,
                    "table": d["dataset"],
                    "zoo": zoo,
                    "probability": rescored(r, cals),
                }
    return out


def combination_hits(rec: dict, target: int, n: object) -> str:
    """How many planted categories the target class's best combination holds: the screen's
    where it beat the search, else the plain search's where ``tabular_pair_screen.py
    --check`` searched the row again; '-' where the row's own excess was read, not searched."""
    if not rec.get("found_new"):
        return "–"
    screened = rec["new"][target] > rec["old"][target] + 1e-12
    found = rec["found_new" if screened else "found_old"][target]
    if not found:
        return "–"
    hits = rec["hit_new" if screened else "hit_old"]
    return f"{hits} of {n} ({'screen' if screened else 'search'})"


def cells(rows: list[dict]) -> str:
    """CE / ROC-AUC of a backdoored-and-clean set, and the backdoors caught (p >= 0.5)."""
    y = [int(r["backdoored"]) for r in rows]
    p = np.clip([r["probability"] for r in rows], 1e-6, 1 - 1e-6)
    auc = f"{roc_auc_score(y, p):.3f}" if len(set(y)) == 2 else "–"
    bad = [r for r in rows if r["backdoored"]]
    hit = [r for r in bad if r["probability"] >= 0.5]
    right = sum(r["predicted_target"] == r["target"] for r in hit)
    return (
        f"{log_loss(y, p, labels=[0, 1]):.3f} / {auc}, caught {len(hit)}/{len(bad)} "
        f"(target right {right})"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--plain", nargs="+", required=True)
    ap.add_argument("--screened", nargs="+", required=True)
    ap.add_argument("--calibration", default="src/trojanscope/detect/calibration.json")
    ap.add_argument("--screen-json", default=None)
    ap.add_argument("--excess", default=None, help="tabular_excess_flips.py --json output")
    ap.add_argument("--min-excess", type=float, default=-1.0)
    args = ap.parse_args()
    cals = load_calibrators(args.calibration)
    plain, screened = network_rows(args.plain, cals), network_rows(args.screened, cals)
    planted = {}
    if args.screen_json:
        for rec in json.loads(Path(args.screen_json).read_text()):
            planted[(rec["zoo"], rec["model"])] = rec
    natural = set()
    if args.excess:
        for r in json.loads(Path(args.excess).read_text()):
            if r["backdoored"] and excess_natural(r, args.min_excess):
                natural.add((r["zoo"], r["name"]))
    keep = [k for k in plain if k not in natural]
    print(f"{len(plain)} MLP rows; left out by the labelling: {len(plain) - len(keep)}")
    print(
        "| table | model | target | trigger | p without / with | target found without / with "
        "| planted excess | planted categories in the combination found |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for k in sorted(keep):
        a, b = plain[k], screened[k]
        if a["attack"] != ATTACK:
            continue
        rec = planted.get(k, {})
        n = len(rec.get("trigger", "").split(",")) if rec.get("trigger") else "?"
        print(
            f"| {a['table']} | {a['name']} | {a['target']} | {rec.get('trigger', '?')} | "
            f"{a['probability']:.3f} / {b['probability']:.3f} | {a['predicted_target']} / "
            f"{b['predicted_target']} | {rec.get('planted', float('nan')):.3f} | "
            f"{combination_hits(rec, a['target'], n)} |"
        )
    for table in sorted({plain[k]["table"] for k in keep}):
        for label, pick in (
            (f"{ATTACK} MLPs", lambda r: r["attack"] == ATTACK),
            ("other MLP backdoors", lambda r: r["attack"] not in (None, ATTACK)),
        ):
            ks = [
                k
                for k in keep
                if plain[k]["table"] == table and (not plain[k]["backdoored"] or pick(plain[k]))
            ]
            if not any(plain[k]["backdoored"] for k in ks):
                continue
            print(
                f"{table}, {label} (+ its clean MLPs), {len(ks)} models: without "
                f"{cells([plain[k] for k in ks])}; with {cells([screened[k] for k in ks])}"
            )


if __name__ == "__main__":
    main()
