"""Join a zoo's scored parts (fresh.sh's ``fresh-SEEDa.json``, ``fresh-SEEDb.json``: one
``check_refit_last.py`` output each) into one file of the same format, every method's rows and
notes in the parts' order; a part not written (cut before it began) is left out, and with no
part at all the script exits 1 and writes nothing.

    python join_parts.py OUT.json PART.json...
"""

import json
import sys
from pathlib import Path

out, parts = Path(sys.argv[1]), [Path(p) for p in sys.argv[2:] if Path(p).is_file()]
if not parts:
    print(f"no part of {out.name} written", file=sys.stderr)
    raise SystemExit(1)
joined: dict = {}
for part in parts:
    for method, res in json.loads(part.read_text()).items():
        into = joined.setdefault(method, {"rows": [], "notes": {}})
        into["rows"] += res["rows"]
        into["notes"].update(res.get("notes", {}))
for res in joined.values():
    if not res["notes"]:
        del res["notes"]
out.write_text(json.dumps(joined, indent=1))
print(out.name + ": " + ", ".join(f"{m} {len(r['rows'])} rows" for m, r in joined.items()))
