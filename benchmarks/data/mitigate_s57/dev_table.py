"""Issue 12, stop 57 (h12): the development rows of check_fold_back.py as a markdown table
(today's and the candidate's CA change in points and images of 800, ASR, and the step's note).

    python benchmarks/data/mitigate_s57/dev_table.py ROWS.json [LABEL]
"""

import json
import sys
from pathlib import Path

from trojanscope.mitigate.zoo_eval import MitigationRow

d = json.loads(Path(sys.argv[1]).read_text())
label = sys.argv[2] if len(sys.argv) > 2 else "gated:fold_back=1"
today = [MitigationRow(**r) for r in d["gated"]["rows"]]
cand = {r["name"]: MitigationRow(**r) for r in d[label]["rows"]}
notes = d[label]["notes"]
print(f"| model | today: CA change (images of 800) / ASR | {label} | the step's reading |")
print("|---|---|---|---|")
for t in today:
    c = cand[t.name]
    n = notes[t.name]["fold_back"] or {}
    def cell(r: MitigationRow) -> str:
        d = r.ca_after - r.ca_before
        return (f"{d * 100:+.1f} ({round(d * 800):+d}) / {(r.asr_after or 0) * 100:.1f}%"
                f"{'' if r.meets_goal else ' (miss)'}")
    read = (f"gain {n.get('gain')} of 200; reach {n.get('reach_before', '-')} -> "
            f"{n.get('reach_after', '-')}; {str(n.get('action', ''))[:40]}")
    print(f"| {t.name} | {cell(t)} | {cell(c)} | {read} |")
