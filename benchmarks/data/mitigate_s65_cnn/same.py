"""Issue 12, stop 65 (h12c): today's default (check_teach_last.py's `gated:teach_last=5` rows)
against `teach_last=0` run on its own (check_s65_cnn_off.py's rows), model by model: CA and ASR
after (equal to the image or not) and each run's wall and CPU seconds.

    python3 same.py fresh-2480.json off-2480.json
"""
import json
import sys
from pathlib import Path

default = {r["name"]: r for r in json.loads(Path(sys.argv[1]).read_text())
           ["gated:teach_last=5"]["rows"]}
off = json.loads(Path(sys.argv[2]).read_text())["gated:teach_last=0"]["rows"]
same = 0
for r in off:
    d = default.get(r["name"])
    if d is None:
        continue
    eq = d["ca_after"] == r["ca_after"] and d["asr_after"] == r["asr_after"]
    same += eq
    print(f"{r['name']}: default CA {d['ca_after']:.4f} ASR {d['asr_after']} "
          f"{d['elapsed_s']:.0f} / {d['cpu_s']:.0f} s | teach_last=0 CA {r['ca_after']:.4f} "
          f"ASR {r['asr_after']} {r['elapsed_s']:.0f} / {r['cpu_s']:.0f} s | "
          + ("same" if eq else "DIFFERENT"))
print(f"{same} of {sum(r['name'] in default for r in off)} the same to the image")
