"""Issue 12, stop 68 (h12c): where ``conv_stop``'s reading would have ended today's second stage
on development CNNs, read off dev_s68_cnn_stop.py files of today's `gated` (six rounds, the
stage's reading ``trigger_left`` before the first round and after each, the scored ASR / CA after
each): the stage stops after round r (r >= FROM) where the reading is at most P or above 0.9
times the one before (``Adaptive._gone``, ``STOP_FALL``); prints the round, the scored ASR and
CA change there, and today's end, per P and FROM.

    python3 dev_stop.py FILE.json [FILE.json ...]
"""
import json
import sys
from pathlib import Path

FALL = 0.9


def stop(readings: list[float], p: float, first: int) -> int:
    for r in range(first, len(readings)):
        if readings[r] <= p or readings[r] > FALL * readings[r - 1]:
            return r
    return len(readings) - 1


for path in sys.argv[1:]:
    for row in json.loads(Path(path).read_text())["rows"]:
        if not row.get("stage_calls"):
            print(f"{row['model']}: no second stage")
            continue
        left = row["stage_calls"][0]["trigger_left"]
        asr = [x["asr"] for x in row["rounds"]]
        ca = [x["ca"] for x in row["rounds"]]
        ca0 = row["before"]["ca"]
        print(f"{row['model']}: reading {left}; scored ASR % "
              f"{[round(100 * a, 1) for a in asr]}")
        for p in (0.0015, 0.002):
            for first in (1, 2):
                r = stop(left, p, first)
                print(f"  P={p} from round {first}: stops after round {r}: ASR "
                      f"{100 * asr[r]:.1f}%, CA {100 * (ca[r] - ca0):+.1f} (today's six: "
                      f"{100 * asr[-1]:.1f}%, {100 * (ca[-1] - ca0):+.1f})")
