"""Issue 12, stop 66 (h12c): what check_s66_cnn.py's files say about the gate, one line per
model (the detector's p, scored by the cut or not, the candidate's probe note: readings and
action), the models the detector passed and those left unscored named; and each file's rows
alone (no ``gate`` entry) written as rows-S.json beside it, for pool_mitigate_rows.py.

    python3 gate.py fresh-2481.json:2481 fresh-2482.json:2482
"""
import json
import sys
from pathlib import Path

passed, unscored = [], []
for part in sys.argv[1:]:
    path, _, label = part.rpartition(":")
    got = json.loads(Path(path).read_text())
    (cand,) = [k for k in got if k not in ("gated", "gate")]
    notes = got[cand].get("notes", {})
    for name, g in got["gate"].items():
        note = notes.get(name, {}).get("conv_gate") or {}
        p = "not read" if g["p"] is None else f"{g['p']:.3f}"
        if g["p"] is not None and g["p"] < 0.2:
            passed.append(f"{label}/{name}")
        if not g["scored"]:
            unscored.append(f"{label}/{name} (p {p})")
        top = {k: note.get(k) for k in ("suspect", "reach", "action") if k in note}
        print(f"{label}/{name}: p {p} ranked {g.get('ranked', [])[:3]} scored {g['scored']} "
              f"detector {g.get('detect_cpu_s')} s CPU; conv_gate {top or '-'}")
        if note.get("stripe"):
            print(f"    stripe {note['stripe']}\n    warp {note['warp']}")
    Path(path).with_name(f"rows-{label}.json").write_text(json.dumps(
        {k: v for k, v in got.items() if k != "gate"}, indent=1))
print(f"passed by the detector (p < 0.2): {passed or 'none'}")
print(f"left unscored by the cut: {unscored or 'none'}")
