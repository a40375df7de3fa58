"""Issue 12, stop 76 (h12b; development only, spent seeds): where ``mask_black``'s unlearning
loses to the stages, read off the reversed trigger, with no new run. For the 23 spent black
masks ``mask_black`` fired on (stop 75's development sweep ``cand-A.log``/``cand-B.log`` and
``variants/hard-*.log`` at 200 epochs; its fresh 2513/2514 rows, ``fresh-*.json``), set beside
today's stages (``today.log``), the masks at issue 12's goal when the step fires only where the
reversed trigger has at least D dark pixels (D from 5, stop 75's ``DARK_MIN``, up), the rest
left to the stages. Each mask's line first: its pixel count (the builder's, to diagnose only),
the reversed trigger's dark pixels and support, and both rows.

    python benchmarks/data/mitigate_s76_h12b/gate.py > gate.log
"""

import json
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
S75 = HERE.parent / "mitigate_s75_h12b"
LINE = re.compile(r"^(\S+)\s+sparse\s+black\s+n=(\d+) \{'dark': (\d+), 'support': (\d+).*"
                  r"ca \S+ \(([-+\d.]+)\) asr \S+->([\d.]+)")


def goal(asr: float, ca: float) -> bool:
    """Issue 12's goal: ASR at most 2%, at most 2 points of accuracy lost."""
    return asr <= 2.0 and ca >= -2.0 - 1e-9


cand = {}
logs = [S75 / "cand-A.log", S75 / "cand-B.log", *sorted((S75 / "variants").glob("hard-*.log"))]
for path in logs:
    for line in path.read_text().splitlines():
        m = LINE.match(line)
        if m:
            cand[m[1]] = (int(m[2]), int(m[3]), int(m[4]), 100 * float(m[6]), float(m[5]))
for zoo in (2513, 2514):
    run = json.loads((S75 / f"fresh-{zoo}.json").read_text())["gated:mask_black=200"]
    truth = {e["name"]: e for e in json.loads((S75 / f"truth-{zoo}.json").read_text())["models"]}
    for r in run["rows"]:
        note = run["notes"].get(r["name"], {}).get("mask_black") or {}
        if "flip_after" in note:
            cand[f"{zoo}/{r['name']}"] = (truth[r["name"]]["trigger"]["count"], note["dark"],
                                          note["support"], 100 * r["asr_after"],
                                          100 * (r["ca_after"] - r["ca_before"]))
today = {}
for line in (HERE / "today.log").read_text().splitlines():
    name, asr, ca, *_ = line.split()
    today[name] = (float(asr), float(ca))
for name in sorted(cand, key=lambda n: cand[n][1]):
    n, dark, support, asr, ca = cand[name]
    t = today[name]
    print(f"{name:16s} n={n:3d} dark {dark:2d}/{support:2d} | mask_black {asr:.2f}% {ca:+.2f} "
          f"goal {int(goal(asr, ca))} | today {t[0]:.2f}% {t[1]:+.2f} goal {int(goal(*t))}")
print(f"today: {sum(goal(*today[n]) for n in cand)}/{len(cand)} at the goal")
for d in range(5, 17):
    got, lost, won = 0, [], []
    for name, (_, dark, _, asr, ca) in cand.items():
        fires = dark >= d
        ok = goal(asr, ca) if fires else goal(*today[name])
        got += ok
        if goal(*today[name]) and not ok:
            lost.append(name)
        if ok and not goal(*today[name]):
            won.append(name)
    print(f"fires at dark >= {d:2d}: {got}/{len(cand)} at the goal, gained {len(won)}, "
          f"lost {len(lost)} {lost}")
