"""The stop-71 rule on ``small_confirm`` (``benchmarks/small_class_s71_hcmd_rule.md``), read off
``small_class_auto.py --compare small_confirm=1``'s lines: per family, today's default and the
candidate (sets judged poisoned, the class named, carriers and clean images flagged, detection
CPU seconds), then each condition, met or not.

    python benchmarks/small_confirm_rule_s71.py fresh.jsonl
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path


def family(name: str) -> str:
    """The rule's family of set ``name``."""
    if name == "badnets-to-5":
        return "badnets-to-5 (target left out)"
    if name.startswith(("badnets", "blended")):
        return name.split("-cut-")[0]
    return "clean"


def read(path: Path) -> dict[str, list[dict]]:
    """The lines, split into today's (``now``) and the candidate's (``new``), in set order."""
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return {"now": [r for r in rows if not r["params"].get("small_confirm")],
            "new": [r for r in rows if r["params"].get("small_confirm")]}


def tally(rows: list[dict]) -> dict[str, dict]:
    """Per family: sets, judged poisoned, named class 1, carriers and clean flagged, CPU s."""
    out: dict[str, dict] = defaultdict(lambda: defaultdict(float))
    for r in rows:
        t = out[family(r["set"])]
        t["sets"] += 1
        t["poisoned"] += bool(r["poisoned"])
        t["named_1"] += bool(r["poisoned"]) and 1 in (r["classes_named"] or [])
        t["carriers"] += r["poison_flagged"]
        t["poison"] += r["poison"]
        t["clean_flagged"] += r["clean_flagged"]
        t["cpu_s"] += r["cpu_s"]
    return out


def conditions(now: list[dict], new: list[dict]) -> list[tuple[str, bool, str]]:
    """Each condition of the rule: (name, met, the figures)."""
    pairs = list(zip(now, new, strict=True))
    assert all(a["set"] == b["set"] and a["seed"] == b["seed"] for a, b in pairs)
    lost = [f"{a['set']}/{a['seed']}" for a, b in pairs
            if family(a["set"]).startswith(("badnets-to-1", "blended"))
            and a["poisoned"] and 1 in (a["classes_named"] or [])
            and not (b["poisoned"] and 1 in (b["classes_named"] or [])
                     and b["poison_flagged"] >= a["poison_flagged"])]
    t_now, t_new = tally(now), tally(new)
    clean_now, clean_new = t_now["clean"], t_new["clean"]
    worst = "badnets-to-5 (target left out)"
    dirty = [f for f in t_now if f.startswith(("badnets-to-1", "blended"))]
    flagged_now = sum(t_now[f]["clean_flagged"] for f in dirty)
    flagged_new = sum(t_new[f]["clean_flagged"] for f in dirty)
    cpu_now, cpu_new = sum(r["cpu_s"] for r in now), sum(r["cpu_s"] for r in new)
    return [
        ("1 none lost", not lost, f"lost: {lost or 'none'}"),
        ("2 clean sets", clean_new["poisoned"] < clean_now["poisoned"]
         and clean_new["clean_flagged"] <= clean_now["clean_flagged"],
         f"poisoned {clean_now['poisoned']:.0f} -> {clean_new['poisoned']:.0f} of "
         f"{clean_now['sets']:.0f}; clean flagged {clean_now['clean_flagged']:.0f} -> "
         f"{clean_new['clean_flagged']:.0f}"),
        ("3 worst family", t_new[worst]["clean_flagged"] <= t_now[worst]["clean_flagged"],
         f"clean flagged {t_now[worst]['clean_flagged']:.0f} -> "
         f"{t_new[worst]['clean_flagged']:.0f}"),
        ("4 poisoned sets' clean flags", flagged_new <= flagged_now,
         f"{flagged_now:.0f} -> {flagged_new:.0f}"),
        ("5 time", cpu_new <= 1.1 * cpu_now, f"{cpu_now:.1f} -> {cpu_new:.1f} CPU s"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lines", type=Path)
    args = parser.parse_args()
    split = read(args.lines)
    print("| family | sets | poisoned (today → candidate) | class 1 named | carriers flagged "
          "| clean flagged | detection CPU s |")
    print("|---|---|---|---|---|---|---|")
    t_now, t_new = tally(split["now"]), tally(split["new"])
    for f in sorted(t_now):
        a, b = t_now[f], t_new[f]
        carriers = (f"{a['carriers']:.0f} → {b['carriers']:.0f} of {a['poison']:.0f}"
                    if a["poison"] else "–")
        print(f"| {f} | {a['sets']:.0f} | {a['poisoned']:.0f} → {b['poisoned']:.0f} | "
              f"{a['named_1']:.0f} → {b['named_1']:.0f} | {carriers} | "
              f"{a['clean_flagged']:.0f} → {b['clean_flagged']:.0f} | "
              f"{a['cpu_s']:.1f} → {b['cpu_s']:.1f} |")
    print()
    met = True
    for name, ok, figures in conditions(split["now"], split["new"]):
        met &= ok
        print(f"- condition {name}: {'met' if ok else 'NOT met'} ({figures})")
    print(f"\nrule {'met' if met else 'not met'}")


if __name__ == "__main__":
    main()
