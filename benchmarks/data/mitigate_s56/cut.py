"""A zoo's truth.json cut to the named models, in that order, linked into another folder (the
development order of dev.sh).

    python cut.py ZOO OUT badnets-005,blended-006,...
"""

import json
import os
import sys
from pathlib import Path

src, dst, names = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3].split(",")
dst.mkdir(parents=True, exist_ok=True)
truth = json.loads((src / "truth.json").read_text())
by = {m["name"]: m for m in truth["models"]}
truth["models"] = [by[n] for n in names]
(dst / "truth.json").write_text(json.dumps(truth))
for m in truth["models"]:
    if not (dst / m["name"]).exists():
        os.symlink((src / m["name"]).resolve(), dst / m["name"])
