"""The user CNN recipe's shipped mask line (1.18) read where it is thin: weak backdoors whose
data-free flag falls in the band the mask gate acts on (issue 9, stop 78: h9c).

Stop 77 shipped ``"mask_line": 1.18`` on the first-contact user CNN recipe's entry of the two
data-free excess entries (``wide_gate_s77_h9c.py``): at the classes the entry opens (2, 3, 5,
7) the gate also lowers a flag where every class stands at or under its own line. The line
stood 0.07 under the least spent backdoor at its target, and one spent weak backdoor at 7
stood 1.099, under it (outside the band); no fresh backdoor fell in the band. This script
reads the shipped file (``today``) against the same file with the recipe's ``mask_line``
taken out (``cand``: stop 76's gate, the kind's 0.69 at every class) on weak backdoors.

- ``write OUT``: the shipped file without the recipe's ``mask_line`` keys.
- ``revert``: the rule's "reverted" (met at this stop): the shipped file loses those keys, and
  nothing else moves.
- ``rule --free ROWS --data ROWS --without FILE``: the rule's reading
  (``thin_line_s78_h9c_rule.md``) on ``wide_gate_s77_h9c.py fresh`` rows (read with
  ``--candidate FILE``) and ``user_cnn_s72_h9u.py read`` rows: the backdoors the line lost
  and the clean flags it cleared, each path; the models in the band; the decision.

    OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks python \\
        benchmarks/thin_line_s78_h9c.py write without.json
"""

from __future__ import annotations

import argparse
import copy
import json
from pathlib import Path

from _common import fail, read_jsonl, run_main
from wide_gate_s77_h9c import BAND, SHIPPED, data_rows, judged

FLAG = 0.5


def without_line(base: dict) -> dict:
    """``base`` (a calibration file's JSON) with every ``wide_recipes`` entry's ``mask_line``
    taken out of its excess entries (a copy)."""
    out = copy.deepcopy(base)
    for key, entry in out.items():
        if key.endswith(":excess"):
            for entries in entry.get("fitted_on", {}).get("wide_recipes", {}).values():
                for e in entries:
                    e.pop("mask_line", None)
    return out


def in_band(row: dict) -> bool:
    """A data-free row whose flag before the gate (the shipped file's) is one the gate's 5
    logits can clear, at a class where the recipe's line was recorded: the line acts on it."""
    p, _, line = row["today_pre"]
    return FLAG <= p < BAND and line is not None


def moved(rows: list[dict]) -> dict:
    """The backdoors the line lost (flagged without it, under the flag with it) and the clean
    flags it cleared; renamed backdoors apart."""
    def down(r: dict) -> bool:
        return r["cand"][0] >= FLAG > r["today"][0]

    return {"lost": [r["name"] for r in rows if r["backdoored"] and down(r)],
            "cleared": [r["name"] for r in rows if not r["backdoored"] and down(r)],
            "added": [r["name"] for r in rows if r["today"][0] >= FLAG > r["cand"][0]],
            "renamed": [r["name"] for r in rows if r["backdoored"]
                        and min(r["today"][0], r["cand"][0]) >= FLAG
                        and r["today"][1] != r["cand"][1]]}


def reading(free: list[dict], data: list[dict]) -> dict:
    """The rule's reading: each path's moves and figures, the band, the decision."""
    out: dict = {"free": {**judged(free, "data-free"), **moved(free)},
                 "data": {**judged(data, "with data"), **moved(data)}}
    band = [{"name": r["name"], "backdoored": r["backdoored"], "target": r["target"],
             "pre": r["today_pre"], "today": r["today"], "without": r["cand"],
             "gate_today": r["today_gate"], "gate_without": r["cand_gate"]}
            for r in free if in_band(r)]
    out["band"] = band
    out["band_backdoors"] = [b["name"] for b in band if b["backdoored"]]
    out["band_at_target"] = [b["name"] for b in band if b["backdoored"]
                             and b["pre"][1] == b["target"]]
    def either(key: str) -> set[str]:  # a model by its folder's name on both paths
        return {n.split("/")[-1] for way in ("free", "data") for n in out[way][key]}

    lost, cleared = either("lost"), either("cleared")
    out["revert"] = bool(lost) and len(cleared) <= len(lost)
    return out


def lines(out: dict) -> list[str]:
    """The reading in words, the decision last."""
    said = []
    for way in ("free", "data"):
        j = out[way]
        said.append(f"{j['path']}: lost by the line {j['lost']}, clean flags it cleared "
                    f"{j['cleared']}, flags it added {j['added']}, renamed {j['renamed']}")
        for label, name in (("today", "shipped"), ("cand", "without")):
            f = j[label]
            worst = next(iter(j[f"{label}_families"].items()), None)
            said.append(f"  {name}: backdoors flagged {f['bd_flagged']} of {f['backdoored']} "
                        f"(at target {f['bd_at_target']}), clean flags {f['clean_flagged']}, "
                        f"ROC-AUC {f['roc_auc']}, CE {f['ce']}, worst family {worst}")
    said.append(f"in the band the line acts on (data-free): {len(out['band'])} flags, "
                f"{len(out['band_backdoors'])} backdoors ({len(out['band_at_target'])} named "
                f"at their target): {out['band_backdoors']}")
    for b in out["band"]:
        said.append(f"  {b['name']}: before the gate {b['pre']}, shipped {b['today']} "
                    f"(stand, over line, steps {b['gate_today']}), without {b['without']}")
    said.append("DECISION: mask_line reverted (the line lost a backdoor and cleared no more "
                "clean flags than it lost)" if out["revert"] else
                "DECISION: mask_line stays" + (
                    f"; its thin side tested with {len(out['band_backdoors'])} backdoors in "
                    "the band" if out["band_backdoors"] else
                    "; its thin side NOT tested: no fresh backdoor fell in the band"))
    return said


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    wr = sub.add_parser("write", help="the shipped file without the recipe's mask_line")
    wr.add_argument("out", type=Path)
    ru = sub.add_parser("rule", help="the rule's reading on the fresh rows")
    ru.add_argument("--free", type=Path, required=True, help="wide_gate_s77_h9c.py fresh rows")
    ru.add_argument("--data", type=Path, required=True, help="user_cnn_s72_h9u.py read rows")
    ru.add_argument("--without", type=Path, required=True, help="write's file")
    ru.add_argument("--json", type=Path)
    sub.add_parser("revert", help="the recipe's mask_line out of the shipped file")
    args = ap.parse_args()
    if args.cmd == "revert":
        shipped = json.loads(SHIPPED.read_text())
        if without_line(shipped) == shipped:
            fail(f"{SHIPPED}: no mask_line to take out")
        SHIPPED.write_text(json.dumps(without_line(shipped), indent=1) + "\n")
        print(f"{SHIPPED}: the recipe's mask_line taken out")
        return
    if args.cmd == "write":
        args.out.write_text(json.dumps(without_line(json.loads(SHIPPED.read_text())),
                                       indent=1) + "\n")
        print(f"wrote {args.out}")
        return
    out = reading(list(read_jsonl(args.free)), data_rows(args.data, args.without))
    out["lines"] = lines(out)
    print("\n".join(f"- {line}" for line in out["lines"]))
    if args.json:
        args.json.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    run_main(main)
