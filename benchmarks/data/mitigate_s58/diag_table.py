"""The diagnosis table (issue 12, stop 58: h12): each model ``diag.py`` read, the stage its ASR
stood at, and its cause, counted per cause and per trigger family.

    python3 .../diag_table.py DIAG.json...

Causes, read in this order from the run's notes and the stage-by-stage ASR (the attacker's
trigger on the 800 held-out images): ``at the goal now`` (today's code meets it on this model:
the stored miss was an older default's); ``gate shut`` (the model came back untreated); ``wrong
suspect`` (the detector's suspect is not the attacker's target); ``handed back`` (the probe
skipped the second stage, or there was none); ``stage stopped by the CA guard`` (the second
stage ended early on its accuracy guard with the ASR above 10%); ``residue under the readings``
(the stages ran with the right suspect and left 2-10% ASR after ``free_reach``'s step,
``reach_round2`` reading the suspect as the least reachable class: no reading of the method
sees it); ``accuracy only``.
"""
import json
import sys
from collections import Counter
from pathlib import Path

GOAL_ASR, GOAL_CA = 0.02, 0.02
TOL = 1e-6


def cause(r: dict) -> str:
    rep = r["report"]
    asr, loss = r["after"]["asr"], r["before"]["ca"] - r["after"]["ca"]
    if asr <= GOAL_ASR + TOL and loss <= GOAL_CA + TOL:
        return "at the goal now"
    if not str(rep.get("action", "")).startswith("treated"):
        return "gate shut"
    if r["suspect"] != r["target"]:
        return "wrong suspect"
    if asr <= GOAL_ASR + TOL:
        return "accuracy only"
    if "unlearn" not in rep or str(rep["unlearn"].get("action", "")).startswith("skipped"):
        return "handed back"
    if "CA guard" in str(rep["unlearn"].get("action")) and asr > 0.10:
        return "stage stopped by the CA guard"
    return "residue under the readings"


def main() -> None:
    rows = {}
    for f in sys.argv[1:]:
        rows.update(json.loads(Path(f).read_text()))
    per: Counter = Counter()
    fam: Counter = Counter()
    print("| model | target / suspect | ASR first / stages / free step / end | CA change | "
          "free reach (bar 0.15) | second stage | cause |")
    print("|---|---|---|---|---|---|---|")
    for key, r in sorted(rows.items()):
        c = cause(r)
        per[c] += 1
        fam[(c, key.split("/")[1].rsplit("-", 1)[0])] += 1
        rep = r["report"]
        asr = " / ".join(f"{100 * r[k]['asr']:.1f}" for k in ("first", "stages", "free", "after")
                         if k in r)
        fr = rep.get("free_reach", {}).get("reach")
        un = rep.get("unlearn", {})
        print(f"| {key} | {r['target']} / {r['suspect']} | {asr} | "
              f"{100 * (r['after']['ca'] - r['before']['ca']):+.1f} | {fr} | "
              f"{un.get('rounds')} rounds, {un.get('action')} | {c} |")
    print()
    print("| cause | models | per family |")
    print("|---|---|---|")
    for c, n in per.most_common():
        fams = ", ".join(f"{f} {m}" for (cc, f), m in sorted(fam.items()) if cc == c)
        print(f"| {c} | {n} | {fams} |")


if __name__ == "__main__":
    main()
