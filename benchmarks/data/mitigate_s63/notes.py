"""Issue 12, stop 63 (h12): the candidate's step note per model from check_fresh_last.py's files
(the detector's trigger's share on the output, the fresh trigger's before and after, its budget,
what was done), one line each.

    python3 .../notes.py fresh-2467.json:2467 fresh-2468.json:2468
"""
import json
import sys
from pathlib import Path

for part in sys.argv[1:]:
    path, _, label = part.rpartition(":")
    got = json.loads(Path(path).read_text())
    (cand,) = [k for k in got if k != "gated"]
    for name, note in got[cand].get("notes", {}).items():
        step = note.get("fresh_last") or {}
        print(f"{label}/{name}: suspect {note.get('suspect')}; " + ", ".join(
            f"{k} {v}" for k, v in step.items() if k != "seconds"))
