"""Development control (issue 12, stop 74: h12g): the candidate's rows on spent zoos 2505/2506
beside today's rows stored by stop 74's h12 (CA after, ASR after). Prints each model and
whether they are equal.

    python benchmarks/data/mitigate_s74_h12g/same_rows.py CANDIDATE.json STORED.json
"""

import json
import sys
from pathlib import Path

cand = json.loads(Path(sys.argv[1]).read_text())
label = next(k for k in cand if k.startswith("gated:"))
stored = {r["name"]: r for r in json.loads(Path(sys.argv[2]).read_text())["gated"]["rows"]}
for r in cand[label]["rows"]:
    s = stored[r["name"]]
    same = (r["ca_after"], r["asr_after"]) == (s["ca_after"], s["asr_after"])
    print(f"{r['name']}: stored {s['ca_after']:.4f} {s['asr_after']} | candidate "
          f"{r['ca_after']:.4f} {r['asr_after']} | {'equal' if same else 'DIFFERENT'} | "
          f"fired {cand[label]['notes'][r['name']].get('fired')}")
