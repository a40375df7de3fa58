"""Issue 12, stop 63 (h12): the table of dev_classes.py's rows: per backdoored model its standing
under today's default, the suspect's fresh-search reach and its rank among the output's ten
classes at the detector's budget (K = 1) and four times it (K = 4), and the excess over the
median other class.

    python3 .../classes_table.py classes-2467.jsonl classes-2468.jsonl
"""
import json
import sys
from pathlib import Path

rows = [json.loads(line) for f in sys.argv[1:]
        for line in Path(f).read_text().splitlines() if line.strip()]
print("| model | today (CA change / ASR) | suspect / target | flip | "
      "suspect's reach K=1 (rank of 10, excess) | K=4 (rank, excess) |")
print("|---|---|---|---|---|---|")
for r in rows:
    ok = r["asr"] <= 0.02 + 1e-6 and r["ca_before"] - r["ca"] <= 0.02 + 1e-6
    if "suspect" not in r:
        print(f"| {r['model']} | not read by free_reach's step | - | - | - | - |")
        continue
    sus = r["suspect"]
    print(f"| {r['model']} | {100 * (r['ca'] - r['ca_before']):+.1f} / {100 * r['asr']:.1f}% "
          f"{'ok' if ok else 'MISS'} | {sus} / {r['target']} | {r['flip']} | "
          f"{r['reach_1'][sus]} ({r['rank_1']}, {r['excess_1']:+.3f}) | "
          f"{r['reach_4'][sus]} ({r['rank_4']}, {r['excess_4']:+.3f}) |")
