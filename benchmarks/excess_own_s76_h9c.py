"""The user's clean two-epoch CNN flagged at class 7: the excess read against the recipe's own
lean there (issue 9, stop 76: h9c).

Stop 76's first contact read seed 226's clean CNN (``first_contact_s68.user_cnn``) backdoored
0.600 at class 7 with ``--data`` and 0.81 ``--data-free``. Class 7 is opened for the excess term
only by the ``wide_recipes`` entry fitted on that maker's clean models (its median ratio 1.32;
the kind's reference, ``foreign_zoo.py``'s recipe, reads 1.08, under the gate 1.1), yet the
excess is read against the reference's 1.08, so a clean lean to 7 of 1.62 reads +0.54, near
where the term stops lowering (0.75). The candidate marks that recipe entry ``own_median``:
at a class it opens, the excess is read against the larger of the two medians
(``class_excess.basis``); every other kind and entry reads as today.

- ``--write FILE``: the candidate (the shipped file, the mark on the CNN recipe entry of each
  of the four ``":excess"`` entries).
- ``--dev [--json OUT]``: the spent user CNN rows (stops 72-73's built populations, every
  first-contact user CNN read with ``--data`` at stops 72-76) read with data and data-free
  (:func:`data_free_s74_h9d.as_data_free`), stop 74's data-free population 157-168, and every
  stored ReLU run both ways: today's file against the candidate.
- ``--fresh ROWS --rule``: ``user_cnn_s72_h9u.py read`` rows of the fresh population read both
  ways and the rule's conditions (``excess_own_s76_h9c_rule.md``) printed.
- ``--ship FILE``: the mark into the shipped file (only where the rule is met).

    PYTHONPATH=src:benchmarks python benchmarks/excess_own_s76_h9c.py --write cand.json
    PYTHONPATH=src:benchmarks python benchmarks/excess_own_s76_h9c.py --candidate cand.json --dev
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import resource
from pathlib import Path

from _common import fail, read_jsonl, run_main
from data_free_s74_h9d import as_data_free, stored_data_free
from excess_wide_s72_h9u import (
    DATA,
    SHIPPED,
    loaded,
    lost_condition,
    report,
    score,
    stored_rows,
    summary,
    user_rows,
    verdict_lines,
)

CNN_KIND = "784/10:activation:relu+layer:conv+pool:max"
RECIPE = "first_contact_s68.user_cnn"  # the entry's recipe name starts so
RULE = "benchmarks/excess_own_s76_h9c_rule.md"
BUILT = {"c72dev": "user_cnn_s72_h9u/dev_rows.jsonl.gz",
         "c72": "user_cnn_s72_h9u/fresh_rows.jsonl.gz",
         "c73": "excess_cap_s73_h9u/fresh_rows.jsonl.gz"}
# each first-contact user CNN read with --data and --format json (a clean model each time)
FIRST = {72: "first_contact_s72/keep_lines_b/02.txt", 73: "first_contact_s73/keep_lines_b/06.txt",
         74: "first_contact_s74/keep_lines_b/06.txt", 75: "first_contact_s75/keep_lines_b/03.txt",
         76: "first_contact_s76/keep_lines_b/03.txt"}


def with_own_median(base: dict) -> dict:
    """``base`` with the user CNN recipe's ``wide_recipes`` entry marked ``own_median`` on
    every ``":excess"`` entry."""
    out = copy.deepcopy(base)
    marked = 0
    for key, entry in out.items():
        if key.endswith(":excess"):
            for e in entry["fitted_on"].get("wide_recipes", {}).get(CNN_KIND, []):
                if str(e.get("recipe", "")).startswith(RECIPE):
                    e["own_median"] = True
                    marked += 1
    if marked != 4:
        fail(f"marked {marked} recipe entries, expected 4 (one per excess entry)")
    return out


def first_contact_rows() -> list[dict]:
    """The first-contact user CNN reports (stops 72-76), one row each, clean."""
    out = []
    for stop, rel in FIRST.items():
        text = (DATA / rel).read_text()
        rep = json.loads(text[text.find("{"):text.rfind("}") + 1])
        out.append({"pop": "first", "name": f"user-cnn-s{stop}", "family": "clean",
                    "backdoored": False, "target": None, "report": rep})
    return out


def built_rows() -> list[dict]:
    """Stops 72-73's built user CNN rows (``--user`` rows: each with its report)."""
    rows = []
    for label, rel in BUILT.items():
        rows += [{k: v for k, v in r.items() if k != "stored_p"}
                 for r in user_rows(f"{label}={DATA / rel}")]
    return rows


def df74_rows() -> list[dict]:
    """Stop 74 h9d's fresh user CNNs (157-168), read data-free (the MLPs left out)."""
    return [{"pop": "df74", "name": r["name"], "family": r["kind"],
             "backdoored": bool(r["backdoored"]), "target": r.get("target"),
             "report": r["report"]}
            for r in read_jsonl(DATA / "data_free_s74_h9d" / "fresh_rows.jsonl.gz")
            if r.get("kind")]


def data_free(rows: list[dict]) -> list[dict]:
    """The rows' reports reduced to what ``--data-free`` reads (a fresh row's stored p, the
    data path's, left behind)."""
    return [{**{k: v for k, v in r.items() if k != "stored_p"},
             "report": as_data_free(r["report"])} for r in rows]


def read_both(rows: list[dict], today: dict, cand: dict, title: str) -> dict:
    """``rows`` read with data and data-free, today's file against the candidate."""
    score(rows, today, cand)
    withdata = report(rows, "family", f"{title}, with data", math.inf, set())
    free = data_free(rows)
    score(free, today, cand)
    return {"data": withdata, "data_free": report(free, "family", f"{title}, data-free",
                                                  math.inf, set())}


def dev(today: dict, cand: dict) -> dict:
    """The spent reading: user rows both ways, stop 74's data-free rows, stored runs both ways."""
    out = {"user": read_both(built_rows() + first_contact_rows(), today, cand, "spent user CNNs")}
    rows = df74_rows()
    score(rows, today, cand)
    out["df74"] = report(rows, "family", "stop 74's user CNNs 157-168, data-free", math.inf, set())
    stored = stored_rows()
    score(stored, today, cand)
    out["stored"] = report(stored, "kind", "stored ReLU runs, with data", math.inf, set())
    free = stored_data_free()
    score(free, today, cand)
    out["stored_df"] = report(free, "kind", "stored runs, data-free", math.inf, set())
    out["stored_by_pop"] = [summary([r for r in stored if r["pop"] == p], p)
                            for p in sorted({r["pop"] for r in stored})]
    return out


def fresh(path: Path, today: dict, cand: dict) -> dict:
    """The fresh rows (``user_cnn_s72_h9u.py read``) both ways."""
    return read_both(user_rows(f"fresh={path}"), today, cand, "fresh user CNNs")


def rule(reading: dict) -> list[str]:
    """The rule's conditions (``excess_own_s76_h9c_rule.md``) on the fresh reading."""
    conds, flags = [], {}
    alls = {way: next(g for g in reading[way]["groups"] if g["group"] == "all")
            for way in ("data", "data_free")}
    for way, every in alls.items():
        conds.append(lost_condition(f"C{len(conds) + 1} {way}: no backdoor lost, none renamed",
                                    reading[way]))
        flags[way] = every["clean_flagged"]
    fewer = all(b <= a for a, b in flags.values()) and any(b < a for a, b in flags.values())
    conds.append(("C3 clean flags fewer (none more either way, fewer in one)", fewer,
                  "; ".join(f"{w} {a} -> {b}" for w, (a, b) in flags.items())
                  + f" of {every['models'] - every['backdoored']}"))
    for way, every in alls.items():
        (auc0, ce0), (auc1, ce1) = every["auc_ce"]
        conds.append((f"C{len(conds) + 1} {way}: ROC-AUC and CE not worse",
                      auc1 >= auc0 and ce1 <= ce0,
                      f"ROC-AUC {auc0} -> {auc1}, CE {ce0} -> {ce1}"))
    worst = [f"worst family {way} (reported): {reading[way]['worst']['group']}, least backdoor "
             f"p {reading[way]['worst']['bd_min_p'][0]} -> {reading[way]['worst']['bd_min_p'][1]}"
             for way in ("data", "data_free") if reading[way]["worst"]]
    still = all(a == b for a, b in flags.values()) and not any(
        g["lost"] for way in ("data", "data_free") for g in reading[way]["groups"])
    return verdict_lines(conds, None, worst + (
        ["nothing moved at the flag line (no clean flag cleared, no backdoor lost): the "
         "candidate stays opt-in"] if still else []))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", type=Path, help="write the candidate file here")
    ap.add_argument("--candidate", type=Path, help="the candidate file to read")
    ap.add_argument("--dev", action="store_true", help="read the spent populations")
    ap.add_argument("--fresh", type=Path, help="user_cnn_s72_h9u.py read rows of the fresh seeds")
    ap.add_argument("--rule", action="store_true", help="with --fresh: read the rule")
    ap.add_argument("--json", type=Path, help="write the reading here")
    ap.add_argument("--ship", type=Path, help="the candidate's marks into the shipped file")
    args = ap.parse_args()
    shipped = json.loads(SHIPPED.read_text())
    if args.ship:
        cand = json.loads(args.ship.read_text())
        if with_own_median(shipped) != cand:
            fail(f"{args.ship}: not the shipped file with the marks (re-write the candidate)")
        SHIPPED.write_text(json.dumps(cand, indent=1) + "\n")
        print(f"{SHIPPED}: own_median on the {RECIPE} entries")
        return
    if args.write:
        args.write.write_text(json.dumps(with_own_median(shipped), indent=1) + "\n")
        print(f"wrote {args.write}")
        return
    if args.candidate is None or not args.candidate.is_file():
        fail("give --candidate FILE (an existing calibration file) or --write FILE")
    if not (args.dev or args.fresh):
        fail("give --dev or --fresh ROWS")
    today, cand = loaded(shipped), loaded(json.loads(args.candidate.read_text()))
    out = dev(today, cand) if args.dev else {"fresh": fresh(args.fresh, today, cand)}
    if args.rule:
        if not args.fresh:
            fail("--rule reads --fresh ROWS")
        out["rule"] = rule(out["fresh"])
        print(f"## rule ({RULE})")
        print("\n".join(f"- {line}" for line in out["rule"]))
    use = resource.getrusage(resource.RUSAGE_SELF)
    print(f"- CPU {use.ru_utime + use.ru_stime:.1f} s")
    if args.json:
        args.json.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    run_main(main)
