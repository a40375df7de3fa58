"""A dense start for ``auto:raise:pixels``: the candidate and its reading on stored reports
(issue 9, stop 73: h9m).

The pixel raise term starts at a gap of 0.14 on every model; the empty-pixel and frame terms
start higher on a model without a convolution (``start_dense``, read through their
``first_layer_dense`` coefficient). On a flat MLP the probe sets 15 pixels, not 5, and clean
MLPs made by other code read gaps of 0.18-0.21 (stop 71's hrev MLP, stop 73's seed-104
scikit-learn MLP) where the term's start was fitted on the own engine's models. The candidate
gives the pixel term the same form as the empty-pixel term: ``first_layer_dense`` as a second
feature, its coefficient ``-slope * (start_dense - start)``, so on a dense model the term lifts
only above ``start_dense``. ``--write`` writes the shipped file with that change;
``--rows`` re-scores stored ``detect`` reports of dense models (``report`` in each JSON line)
under the shipped file and the candidate, and prints each verdict or named class that moves.

    PYTHONPATH=src:benchmarks python benchmarks/pixel_dense_s73_h9m.py --start-dense 0.30 \\
        --write cand.json
    PYTHONPATH=src:benchmarks python benchmarks/pixel_dense_s73_h9m.py --calibration cand.json \\
        --stored --rows ROWS.jsonl ...
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

from _common import fail, run_main

TERM = "auto:raise:pixels"
DATA = Path(__file__).resolve().parent / "data"
OWN = "user_mlp_s73_h9m"  # this work's record folder: its rows are not "stored" ones


def candidate(shipped: dict, start_dense: float, form: str = "agree") -> dict:
    """The shipped calibration file with the pixel term changed on dense models: ``agree``
    (candidate C) holds a gap under ``start_dense`` off unless its class is the verdict's
    suspect (``pixel_dense_agree``); ``start`` (D) starts the term at ``start_dense``."""
    from trojanscope.detect.pixel_dense_agree import AGREE_BELOW

    out = json.loads(json.dumps(shipped))
    term = out[TERM]
    if form == "agree":
        term["fitted_on"][AGREE_BELOW] = start_dense
        return out
    start, slope = float(term["fitted_on"]["start"]), float(term["fitted_on"]["slope"])
    term["features"] = ["pixel_share_gap", "first_layer_dense"]
    term["coef"] = [term["coef"][0], -slope * (start_dense - start)]
    term["fitted_on"]["start_dense"] = start_dense
    return out


def dense_reports(paths: list[Path], stored: bool) -> list[dict]:
    """Rows holding a ``detect`` report of a model without a convolution whose pixel probe
    ran: from ``paths`` and, with ``stored``, every stored run under ``benchmarks/data``
    (each model once by zoo and name, the last file's kept)."""
    files = list(paths)
    if stored:
        files += [p for p in sorted(DATA.glob("*/*runs*.jsonl.gz"))
                  + sorted(DATA.glob("*/*rows*.jsonl.gz")) if p.parent.name != OWN]
    seen: dict[tuple, dict] = {}
    for path in files:
        opener = gzip.open if str(path).endswith(".gz") else open
        with opener(path, "rt") as fh:
            for n, line in enumerate(fh):
                if "pixel_share_gap" not in line:
                    continue
                row = json.loads(line)
                report = row.get("report")
                if not isinstance(report, dict) or "ranking" not in report:
                    continue
                feats = report.get("features") or {}
                if feats.get("first_layer_dense") != 1.0 or "pixel_share_gap" not in feats:
                    continue
                key = (row.get("zoo"), row.get("name")) if row.get("zoo") else (str(path), n)
                seen[key] = {**row, "source": path.name}
    return list(seen.values())


def score(row: dict, cals: dict) -> tuple[float, int | None]:
    """The probability and named class of ``row``'s report under ``cals``."""
    from excess_wide_s72_h9u import verdict
    from trojanscope.detect.calibration import calibrate

    got = calibrate(verdict(row["report"]), cals)
    return got.probability, (got.target_classes[0] if got.target_classes else None)


def compare(rows: list[dict], today: dict, cand: dict) -> dict:
    """Flags and named classes under both files; every row whose reading moves."""
    out = {"clean": 0, "backdoored": 0, "flag_today": [0, 0], "flag_cand": [0, 0], "moved": []}
    for row in rows:
        bd = bool(row.get("backdoored"))
        out["backdoored" if bd else "clean"] += 1
        p0, n0 = score(row, today)
        p1, n1 = score(row, cand)
        out["flag_today"][bd] += p0 >= 0.5
        out["flag_cand"][bd] += p1 >= 0.5
        if (p0 >= 0.5) != (p1 >= 0.5) or (p0 >= 0.5 and n0 != n1):
            out["moved"].append({"zoo": row.get("zoo"), "name": row.get("name"),
                                 "seed": row.get("seed"), "source": row["source"],
                                 "backdoored": bd, "target": row.get("target"),
                                 "gap": row["report"]["features"]["pixel_share_gap"],
                                 "today": [round(p0, 4), n0], "candidate": [round(p1, 4), n1]})
    return out


def rule(fresh: Path, cand: dict) -> dict:
    """The rule of ``benchmarks/data/user_mlp_s73_h9m/rule.md`` on the fresh rows (``detect``
    reports of ``user_mlp_s73_h9m.py --read``) and the stored dense runs: each condition and
    whether it is met."""
    from trojanscope.detect.calibration import load_calibrators

    today = load_calibrators()
    rows = [json.loads(line) for line in fresh.read_text().splitlines() if line.strip()]
    table, groups = [], {}
    for row in rows:
        p0, n0 = score(row, today)
        p1, n1 = score(row, cand)
        same = abs(p0 - row["probability"]) < 1e-9 and n0 == row["named"]
        table.append({"seed": row["seed"], "name": row["name"], "backdoored": row["backdoored"],
                      "family": row.get("family"), "target": row.get("target"),
                      "gap": row["pixel_share_gap"], "today": [round(p0, 4), n0],
                      "candidate": [round(p1, 4), n1], "reproduced": same})
        if row["backdoored"]:
            for key in (f"family:{row['family']}", f"maker:{row['maker']}"):
                got = groups.setdefault(key, {"n": 0, "today": 0, "candidate": 0})
                got["n"] += 1
                got["today"] += p0 >= 0.5 and n0 == row["target"]
                got["candidate"] += p1 >= 0.5 and n1 == row["target"]
    bd = [t for t in table if t["backdoored"]]
    clean = [t for t in table if not t["backdoored"]]
    moved = [t for t in bd if t["today"][0] >= 0.5
             and (t["candidate"][0] < 0.5 or t["candidate"][1] != t["today"][1])]
    flags = [sum(t[k][0] >= 0.5 for t in clean) for k in ("today", "candidate")]
    stored = compare(dense_reports([], True), today, cand)
    stored_moved = [m for m in stored["moved"] if m["backdoored"]]
    worst = min(groups, key=lambda k: (groups[k]["candidate"] / groups[k]["n"], k))
    conditions = {
        "every row re-scored as detect read it": all(t["reproduced"] for t in table),
        "no fresh backdoor lost or renamed": not moved,
        "clean flags fewer than today's": flags[1] < flags[0],
        "no stored backdoored dense run lost or renamed": not stored_moved,
        "no family or maker catches fewer": all(g["candidate"] >= g["today"]
                                                for g in groups.values()),
    }
    return {"met": all(conditions.values()), "conditions": conditions,
            "clean": len(clean), "backdoored": len(bd), "clean_flags": flags,
            "fresh_moved": moved, "groups": groups, "worst_family": worst,
            "stored": {k: stored[k] for k in ("clean", "backdoored", "flag_today",
                                              "flag_cand")}, "stored_moved": stored["moved"],
            "rows": table}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--start-dense", type=float)
    ap.add_argument("--write", type=Path, help="write the candidate calibration file here")
    ap.add_argument("--form", choices=("agree", "start"), default="agree")
    ap.add_argument("--calibration", type=Path, help="the candidate file to compare")
    ap.add_argument("--rows", type=Path, nargs="*", default=[])
    ap.add_argument("--stored", action="store_true", help="and every stored run")
    ap.add_argument("--rule", type=Path, help="the fresh rows: apply the rule (rule.md)")
    args = ap.parse_args()
    from trojanscope.detect.calibration import SHIPPED, load_calibrators

    if args.write:
        if args.start_dense is None:
            fail("--write needs --start-dense")
        shipped = json.loads((Path(__file__).resolve().parents[1] / "src" / "trojanscope"
                              / "detect" / SHIPPED).read_text())
        got = candidate(shipped, args.start_dense, args.form)
        args.write.write_text(json.dumps(got, indent=1) + "\n")
        return
    if not args.calibration:
        fail("give --write FILE --start-dense S, or --calibration FILE with --rows/--stored")
    if args.rule:
        print(json.dumps(rule(args.rule, load_calibrators(args.calibration)), indent=1))
        return
    rows = dense_reports(args.rows, args.stored)
    got = compare(rows, load_calibrators(), load_calibrators(args.calibration))
    print(json.dumps(got, indent=1))


if __name__ == "__main__":
    run_main(main)
