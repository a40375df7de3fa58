"""Where `gated` loses a model's accuracy and where its ASR stays, from `bench_mitigate_stages.py`
results: per model, the scoring split's CA / ASR of the original, the first stage (FT-SAM) and
the second stage's last round, what `gated` returned, and why (the probe's skip, the CA guard,
the after-stage check's undo, the candidates' extra stage), as Markdown rows, then the CA lost
per stage summed over the backdoored models.

    python benchmarks/stages_where.py OUT.json [OUT2.json ...]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def pct(row: dict[str, float] | None) -> str:
    """``CA / ASR`` in percent (``—`` for no measurement)."""
    if not row:
        return "—"
    asr = row.get("asr")
    return f"{100 * row['ca']:.1f} / " + ("—" if asr is None else f"{100 * asr:.1f}")


def why(report: dict) -> str:
    """What `gated` did to the model, in a few words, from its report."""
    action = str(report.get("action", ""))
    if action.startswith("not treated: the detector"):
        return "gated out"
    unlearn = report.get("unlearn") or {}
    said = str(unlearn.get("action", ""))
    if said.startswith("skipped"):
        return "probe: nothing left, original returned"
    parts = [f"{unlearn.get('rounds')} rounds"]
    if "guard" in said:
        parts.append("CA guard stopped it")
    if (report.get("candidates") or {}).get("risen"):
        parts.append(f"extra stage on {report['candidates']['risen']}")
    if said.startswith("undone"):
        worse = (report.get("check") or {}).get("worse", "")
        parts.append(f"**undone by the check** ({worse.split(' of the')[0]})")
    return ", ".join(parts)


def main() -> None:
    print(
        "| zoo | model | original | first stage (FT-SAM) | second stage, last round "
        "| returned | CA: first stage / second stage / returned | what happened |"
    )
    print("|---|---|---|---|---|---|---|---|")
    lost = {"first": 0.0, "second": 0.0, "n": 0}
    family: dict[str, list[tuple[float, float]]] = {}  # per attack: (CA change, ASR after)
    for path in sys.argv[1:]:
        data = json.loads(Path(path).read_text())
        zoo = Path(path).stem.split("-stages")[0]
        for name, m in data["models"].items():
            s, b, a = m["stages"], m["before"], m["after"]
            rounds = s.get("rounds") or []
            first, last = s.get("first"), (rounds[-1] if rounds else None)
            d1 = 100 * (first["ca"] - b["ca"]) if first else 0.0
            d2 = 100 * (a["ca"] - first["ca"]) if first else 0.0
            cost = f"{d1:+.1f} / {d2:+.1f} / {100 * (a['ca'] - b['ca']):+.1f}"
            if first and b.get("asr") is not None:
                lost["first"] += d1
                lost["second"] += d2
                lost["n"] += 1
            if b.get("asr") is not None:
                family.setdefault(name.rsplit("-", 1)[0], []).append((a["ca"] - b["ca"], a["asr"]))
            print(
                f"| {zoo} | {name} | {pct(b)} | {pct(first)} | {pct(last)} | {pct(a)} "
                f"| {cost} | {why(m['report'])} |"
            )
    n = max(lost["n"], 1)
    print(
        f"\nbackdoored models through both stages: {lost['n']}; mean CA change "
        f"first stage {lost['first'] / n:+.2f}, second stage (returned vs first) "
        f"{lost['second'] / n:+.2f} points"
    )
    rows = [r for f in family.values() for r in f]
    goal = sum(asr <= 0.02 and ca >= -0.02 for ca, asr in rows)
    print(f"backdoored models at the goal (ASR <= 2% at <= 2 points): {goal}/{len(rows)}")
    for f, rs in sorted(family.items()):
        print(
            f"  {f}: worst CA change {100 * min(c for c, _ in rs):+.1f}, "
            f"worst ASR after {100 * max(a for _, a in rs):.1f}%"
        )


if __name__ == "__main__":
    main()
