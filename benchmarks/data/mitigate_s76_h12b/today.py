"""Issue 12, stop 76 (h12b; development only): today's recorded rows (the stages) for the 23
spent black masks mask_black fires on, as stop 75 read them: stop 72's cache-today.log
(2491/2492), the ``gated`` rows of stop 72's fresh-2493/2494.json, stop 73's fresh-2497/2498.json
and stop 75's fresh-2513/2514.json. One line per mask: name, ASR after, CA change (points).

    python benchmarks/data/mitigate_s76_h12b/today.py > today.log
"""

import json
import re
from pathlib import Path

D = Path(__file__).resolve().parent.parent
BLACK = {"2491": [4], "2492": [4], "2493": [5, 7], "2494": [3, 9], "2497": [8, 10, 11],
         "2498": [1, 2, 4, 5, 10, 11], "2513": [1, 4, 5, 10], "2514": [1, 2, 5, 7]}
SOURCES = {"2493": "mitigate_s72_h12", "2494": "mitigate_s72_h12", "2497": "mitigate_s73_h12",
           "2498": "mitigate_s73_h12", "2513": "mitigate_s75_h12b", "2514": "mitigate_s75_h12b"}
LOG = re.compile(r"^(\d+) (\S+) \S+ p=\S+ ca ([\d.]+)->([\d.]+) asr \S+->([\d.]+)")

rows = {}
for line in (D / "mitigate_s72_h12" / "cache-today.log").read_text().splitlines():
    m = LOG.match(line)
    if m:
        rows[f"{m[1]}/{m[2]}"] = (float(m[5]), 100 * (float(m[4]) - float(m[3])))
for zoo, folder in SOURCES.items():
    for r in json.loads((D / folder / f"fresh-{zoo}.json").read_text())["gated"]["rows"]:
        rows[f"{zoo}/{r['name']}"] = (r["asr_after"], 100 * (r["ca_after"] - r["ca_before"]))
for zoo, numbers in BLACK.items():
    for n in numbers:
        a, d = rows[f"{zoo}/sparse-{n:03d}"]
        print(f"{zoo}/sparse-{n:03d} {100 * a:.2f} {d:+.2f} goal {int(a <= 0.02 and d >= -2)}")
