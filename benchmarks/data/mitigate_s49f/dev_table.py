"""The development table of issue 12 stop 49 (h12f): every model in dev-*.json (check_stage_params
rows), per setting: the probe's readings, CA change, ASR after, SHA-256 prefix, and whether the
setting's weights equal today's default's. Run from the worktree root."""
import json
from pathlib import Path

here = Path(__file__).parent
print("| model | setting | p | trigger on projected / after first stage | CA change | ASR after "
      "| same weights as today |")
print("|---|---|---|---|---|---|---|")
for f in sorted(here.glob("dev-*.json")):
    zoo = f.stem.split("-")[-1]
    for name, sets in json.loads(f.read_text())["models"].items():
        today = sets.get("-", {}).get("sha256")
        for s, r in sets.items():
            b, a, left = r["before"], r["after"], r["residual"] or {}
            same = "—" if s == "-" or today is None else ("yes" if r["sha256"] == today else "no")
            p = r["detector"].split("p=")[1].split()[0]
            print(f"| {zoo}/{name} | {s} | {p} | {left.get('trigger_before')} / "
                  f"{left.get('trigger_after')} | {100 * (a['ca'] - b['ca']):+.2f} | "
                  f"{100 * a['asr']:.1f}% | {same} |")
