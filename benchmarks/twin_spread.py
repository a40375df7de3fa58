"""Candidate T2's development table: each stored model read today, by T and by T2 (issue 9,
stop 62: h9).

Stored ``detect`` runs of spent seeds (``SEED=RUNS,TRUTH``) get their GAP-head models' twins
joined from ``benchmarks/twin_wide_class.py`` row files (a model's files join as one row: the
first twins and the ones added with ``--start``); each run is then calibrated by today's
file, by ``--t`` (candidate T, stop 61) and by ``--t2``. One JSON line per model, then a
Markdown table of the models with twins and a count of the models T2 leaves as today.

    python benchmarks/twin_spread.py --stored 9202=RUNS,TRUTH [...] --twin-rows A.jsonl \\
        --twin-rows B.jsonl --t cal_T.json --t2 cal_T2.json --json rows.jsonl > table.md
"""

from __future__ import annotations

import json
from pathlib import Path

from _common import LineParser, fail
from kind_centre_fit import parse_outside


def reading(row: dict, cals: dict) -> dict:
    """p and suspect of one stored run under ``cals``, with the twins term's stand (its class
    and value, as the file's ``twin-stand`` entry reads it) and the logits it and the raise
    added."""
    from foreign_zoo_detect import verdict_of
    from trojanscope.detect.calibration import calibrate
    from trojanscope.detect.twin_term import TERM, read_by, standing_class

    v = calibrate(verdict_of(row["report"]), cals)
    term = next((t for k, t in cals.items() if k.endswith(f":{TERM}")), None)
    got = None if term is None else standing_class(v.features, *read_by(term.fitted_on))
    return {"p": round(float(v.probability), 4), "suspect": v.target_classes[0],
            "stand": None if got is None else [got[0], round(got[1], 3)],
            "twin_logit": round(v.features.get("twin_logit", 0.0), 2),
            "raise_logit": round(v.features.get("raise_logit", 0.0), 2)}


def table_rows(rows: list[dict], today: dict, t: dict, t2: dict) -> list[dict]:
    """One row per model: its truth, twin count and its :func:`reading` under today's file,
    T's and T2's (the JSON lines ``--json`` writes)."""
    out = []
    for r in rows:
        feats = r["report"]["features"]
        out.append({"seed": r["seed"], "name": r["name"], "arch_family": r["arch_family"],
                    "trigger_family": r["trigger_family"], "backdoored": r["backdoored"],
                    "target": r["target"], "twin_count": feats.get("twin_count"),
                    "today": reading(r, today), "T": reading(r, t), "T2": reading(r, t2)})
    return out


def markdown(rows: list[dict], cpu: dict) -> str:
    """The table of the models with twins (with their twins' CPU seconds from ``cpu``) and a
    line saying how many models without twins T2 moved (it must move none)."""
    def ps(x: dict) -> str:
        return f"{x['p']:.3f} → {x['suspect']}"

    def st(x: dict, sign: str = "+") -> str:
        return "—" if x["stand"] is None else f"{x['stand'][1]:{sign}.2f} ({x['stand'][0]})"

    lines = ["| seed | model | truth | today p → suspect | T's stand (class) | T2's reading "
             "(class) | T2 p → suspect | twins | CPU s (twins) |", "|---" * 9 + "|"]
    for r in rows:
        if not r["twin_count"]:
            continue
        truth = f"{r['trigger_family']} → {r['target']}" if r["backdoored"] else "clean"
        lines.append(f"| {r['seed']} | `{r['name']}` | {truth} | {ps(r['today'])} | "
                     f"{st(r['T'])} | {st(r['T2'], '')} | {ps(r['T2'])} | "
                     f"{int(r['twin_count'])} | {cpu.get((str(r['seed']), r['name']), '—')} |")
    same = [r for r in rows if not r["twin_count"]]
    moved = [r["name"] for r in same if r["T2"]["p"] != r["today"]["p"]]
    lines.append(f"\nModels without twins: {len(same)}; T2 moved {len(moved)} of them "
                 f"{moved if moved else ''}".rstrip())
    return "\n".join(lines)


def main() -> None:
    from trojanscope.detect.calibration import load_calibrators
    from twin_wide_class import join_twins, merged_rows
    from wide_class_rows import outside_rows

    ap = LineParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stored", action="append", required=True, help="SEED=RUNS,TRUTH")
    ap.add_argument("--twin-rows", type=Path, action="append", required=True)
    ap.add_argument("--t", type=Path, required=True, help="candidate T's file (stop 61)")
    ap.add_argument("--t2", type=Path, required=True, help="candidate T2's file")
    ap.add_argument("--json", type=Path, required=True, help="one line per model")
    args = ap.parse_args()
    for path in [*args.twin_rows, args.t, args.t2]:
        if not path.is_file():
            fail(f"{path}: no such file")
    rows = [r for r in outside_rows(parse_outside(args.stored)) if r["seed"] != 9200
            or any(s.startswith("9200=") for s in args.stored)]
    join_twins(rows, args.twin_rows)
    cpu = {k: round(v.get("cpu_s") or 0, 1) for k, v in merged_rows(args.twin_rows).items()}
    out = table_rows(rows, load_calibrators(), load_calibrators(args.t),
                     load_calibrators(args.t2))
    args.json.write_text("".join(json.dumps(r) + "\n" for r in out))
    print(markdown(out, cpu))


if __name__ == "__main__":
    main()
