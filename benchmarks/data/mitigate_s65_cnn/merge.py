"""Issue 12, stop 65 (h12c): a zoo's two halves (check_teach_last.py's or check_s65_cnn_off.py's
files) as one file: every method's rows and notes, half a's first; a method missing from a half
is left out. A missing half is skipped (the cut), so the file holds what was read.

    python3 merge.py OUT.json fresh-2480-a.json fresh-2480-b.json
"""
import json
import sys
from pathlib import Path

parts = [json.loads(Path(p).read_text()) for p in sys.argv[2:] if Path(p).is_file()]
if not parts:
    raise SystemExit(f"error: none of {sys.argv[2:]} exists")
methods = [m for m in parts[0] if all(m in p for p in parts)]
out = {m: {"rows": [r for p in parts for r in p[m]["rows"]],
           "notes": {k: v for p in parts for k, v in p[m].get("notes", {}).items()}}
       for m in methods}
Path(sys.argv[1]).write_text(json.dumps(out, indent=1))
print(f"{sys.argv[1]}: {len(parts)} half/halves, " + ", ".join(
    f"{m} {len(out[m]['rows'])} rows" for m in methods))
