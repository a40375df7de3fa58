"""Issue 12, stop 68 (h12): the candidate's step note per model from check_blend_last.py's files
(the input model's blend reading, the bar, what was done), one line each, with
today's and the candidate's standing (issue 12's goal) and what the step turned or broke.

    python3 .../notes.py fresh-2477.json:2477 fresh-2478.json:2478
"""
import json
import sys
from pathlib import Path


def standing(row: dict) -> str:
    """'ok', 'acc' (accuracy alone), 'asr' (ASR alone), 'both' or 'clean' (issue 12's goal)."""
    loss = row["ca_before"] - row["ca_after"]
    if not row["backdoored"]:
        return "clean" if loss <= 0.01 + 1e-6 else "clean-lost"
    asr, acc = row["asr_after"] > 0.02 + 1e-6, loss > 0.02 + 1e-6
    return "both" if asr and acc else "asr" if asr else "acc" if acc else "ok"


turned, broken = [], []
for part in sys.argv[1:]:
    path, _, label = part.rpartition(":")
    got = json.loads(Path(path).read_text())
    (cand,) = [k for k in got if k != "gated"]
    today = {r["name"]: r for r in got["gated"]["rows"]}
    new = {r["name"]: r for r in got[cand]["rows"]}
    for name, note in got[cand].get("notes", {}).items():
        step = note.get("blend_last") or {}
        t, c = standing(today[name]), standing(new[name])
        if t != "ok" and c == "ok":
            turned.append(f"{label}/{name} ({t})")
        if t == "ok" and c != "ok":
            broken.append(f"{label}/{name} ({c})")
        print(f"{label}/{name}: {t} -> {c}; suspect {note.get('suspect')}; " + ", ".join(
            f"{k} {v}" for k, v in step.items() if k != "seconds"))
print(f"misses turned: {turned or 'none'}; at the goal today, not under the candidate: "
      f"{broken or 'none'}")
