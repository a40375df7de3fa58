"""Issue 12, stop 49 (h12b): the SIG development table from dev.sh's files (CA change in points,
ASR after, at issue 12's goal: ASR <= 2% and CA loss <= 2 points)."""

import json
import sys
from pathlib import Path

d = Path(sys.argv[1])
for name in sorted([*d.glob("dev-E*.json"), *d.glob("dev-default-*.json")]):
    for model, m in json.loads(name.read_text())["models"].items():
        b, a = m["before"], m["after"]
        drop = 100 * (a["ca"] - b["ca"])
        goal = a["asr"] <= 0.02 and drop >= -2.0 - 1e-9
        print(f"{name.stem} {model} CA {drop:+.2f} ASR {100 * a['asr']:.2f}% "
              f"{'goal' if goal else 'miss'} {m['seconds']} s")
