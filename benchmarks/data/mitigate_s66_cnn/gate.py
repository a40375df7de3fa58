"""Issue 12, stop 66 (h12c): what check_s66_cnn.py's files say about the gate, one line per
model (the detector's p, scored by the cut or not, the candidate's probe note: readings and
action), the models the detector passed and those left unscored named; and each file's rows
alone (no ``gate`` entry) written as rows-S.json beside it, for pool_mitigate_rows.py.

Today's time on a model the probe read and left closed: check_s66_cnn.py as run writes the one
run's seconds in both rows there, but today's `gated` never runs the probe (it hands the model
back right after the detector); so here today's row takes the detector's own seconds (the kept
reading's, ``gate``), a slight undercount of today's (the few steps between the reading and the
hand-back are left out), which only makes the time clause harder for the candidate. Each such
correction is printed.

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
    for row in got["gated"]["rows"]:
        note = notes.get(row["name"], {}).get("conv_gate") or {}
        if str(note.get("action", "")).startswith("closed"):
            g = got["gate"][row["name"]]
            print(f"    {label}/{row['name']}: today's time {row['cpu_s']:.1f} s CPU "
                  f"({row['elapsed_s']:.0f} s wall) -> the detector's {g['detect_cpu_s']} s "
                  f"({g['detect_s']} s wall): the probe closed, today never runs it")
            row["cpu_s"], row["elapsed_s"] = g["detect_cpu_s"], g["detect_s"]
    Path(path).with_name(f"rows-{label}.json").write_text(json.dumps(
        {k: v for k, v in got.items() if k != "gate"}, indent=1))
print(f"passed by the detector (p < 0.2): {passed or 'none'}")
print(f"left unscored by the cut: {unscored or 'none'}")
