"""The rows of ``bench_sig_stages.py`` JSON files as one Markdown table (one row per SIG model).

Per model: the detector's p and suspect (the target in brackets), how much the suspect's reversed
trigger and the stage's striped perturbation resemble the sine (cosine of their column profiles,
on the original model), then CA and the SIG signal's ASR at the training amplitude / 0.4 / 0.6
for the original, the first stage's model, the second stage's last round and the model
`gated` returned, and what it did.

    python benchmarks/sig_stages_table.py A.json B.json ...
    python benchmarks/sig_stages_table.py --brief dev-36-sig-*-{default,eps=0.6}.json
"""

from __future__ import annotations

import argparse
import json
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path


def points(delta: float) -> str:
    """A CA change (a fraction) in points, signed, to 0.1: half to even (as Python rounds)
    after dropping float noise (0.007499999… is 0.75 points: +0.8), so that
    ``sig_stages_table.py`` and ``ship_rule_mitigate.py`` print the same change alike."""
    q = Decimal(repr(round(100 * delta, 6))).quantize(Decimal("0.1"), ROUND_HALF_EVEN)
    return f"{q:+}"


def asr(row: dict[str, float] | None) -> str:
    """CA and the three ASRs of one measurement, in percent ("—": not reached)."""
    if not row:
        return "—"
    rates = [v for k, v in row.items() if k.startswith("asr@")]
    return f"{100 * row['ca']:.1f} / " + " / ".join(f"{100 * v:.1f}" for v in rates)


def outcome(report: dict) -> str:
    """What `gated` did with the model, in a few words."""
    unlearn = report.get("unlearn") or {}
    action = str(unlearn.get("action", report.get("action", "")))
    if str(report.get("action", "")).startswith("treated: striped"):
        return "projected model returned (no stage trained)"
    if action.startswith("not treated") or str(report.get("action", "")).startswith("not"):
        return "gated out" if "unlearn" not in report else "handed back"
    if action.startswith("undone"):
        return f"stage undone ({report['check']['worse']})"
    return f"{unlearn.get('rounds')} rounds, kept"


def rows(path: Path) -> list[str]:
    """One table row per model of one JSON file."""
    data = json.loads(path.read_text())
    zoo = path.stem.split("-")[3]
    out = []
    for name, m in data["models"].items():
        st = m["stages"]
        seen = st.get("original_model") or {}
        rounds = st.get("rounds") or []
        out.append(
            f"| {zoo} {name} ({m['target']}) | {m['train_delta']:.2f} | {st.get('p', '—')} "
            f"| {st.get('suspect', '—')} | {seen.get('trigger_cos', '—')} "
            f"| {seen.get('stripe_cos', '—')} | {asr(m['original'])} | {asr(st.get('first'))} "
            f"| {asr(rounds[-1] if rounds else None)} | {asr(m['returned'])} "
            f"| {outcome(m['report'])} |"
        )
    return out


def change(m: dict) -> str:
    """The returned model's CA change (points) and its ASR at the test amplitude (0.6)."""
    before, after = m["original"], m["returned"]
    return f"{points(after['ca'] - before['ca'])} / {100 * after['asr@0.60']:.1f}%"


def brief(files: list[Path]) -> None:
    """One row per model, one column per setting (the file name's last part: ``dev-36-sig-ZOO-
    SETTING.json``): CA change / ASR at 0.6 of the model returned."""
    cells: dict[tuple[str, str], dict[str, str]] = {}
    settings: list[str] = []
    for path in files:
        _, _, _, zoo, setting = path.stem.split("-", 4)
        settings += [setting] if setting not in settings else []
        for name, m in json.loads(path.read_text())["models"].items():
            cells.setdefault((zoo, name), {})[setting] = change(m)
    print("| model | " + " | ".join(settings) + " |")
    print("|---" * (len(settings) + 1) + "|")
    for (zoo, name), row in sorted(cells.items()):
        print(f"| {zoo} {name} | " + " | ".join(row.get(s, "—") for s in settings) + " |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", type=Path, nargs="+")
    ap.add_argument("--brief", action="store_true", help="CA change / ASR at 0.6 per setting")
    args = ap.parse_args()
    if args.brief:
        brief(args.files)
        return
    print(
        "| model (target) | training amplitude | p | suspect | trigger cos | stripe cos "
        "| original: CA / ASR train / 0.4 / 0.6 | first stage | last round | returned "
        "| what gated did |"
    )
    print("|---" * 11 + "|")
    for path in args.files:
        print("\n".join(rows(path)))


if __name__ == "__main__":
    main()
