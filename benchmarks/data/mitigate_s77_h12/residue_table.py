"""Issue 12, stop 77 (h12; development): one line per model of mitigate_res_s77_dev.py's rows.

Suspect (S) and attacker's target (T); the attacker's footprint in pixels, the reversed mask's
L1, its share on the footprint (on) and its mean over the footprint (cover); the residue (held-out
triggered images still sent to the target under today's default), how many of them the output
sends there clean too, how many the reversed trigger stamped on top still sends, the source class
with most of them; the held-out images won or lost against the input model on the suspect's own
class and on the others (and the worst other class); the second searches' flip on the method's
images (budget 1, 2, 4 times the reversed mask's L1) and the 4-times mask's share on the footprint.

    python benchmarks/data/mitigate_s77_h12/residue_table.py ROWS.jsonl
"""

import json
import sys

with open(sys.argv[1]) as fh:
    rows = [json.loads(line) for line in fh]
for r in rows:
    ch = [round((a - b) * n)
          for a, b, n in zip(r["class_today"], r["class_came"], r["class_n"], strict=True)]
    s = r["suspect"]
    src = max(range(10), key=lambda c: r["residue_by_class"][c])
    print(f"{r['name']:18} S{s} T{r['target']} foot {r['foot_px']:3} mask {r['mask_l1']:5} "
          f"on {r['on_patch']} cover {r['cover']} res {r['residue']:2} clean "
          f"{r['residue_clean_too']} stamped {r['residue_stamped_sent']} top-src "
          f"{src}:{max(r['residue_by_class'])} | own {ch[s]:+d} others {sum(ch) - ch[s]:+d} "
          f"worst-other {min(c for i, c in enumerate(ch) if i != s):+d} | s1 "
          f"{r['search1']['flip']} s2 {r['search2']['flip']} s4 {r['search4']['flip']} s4_on "
          f"{r['search4']['on_patch']}")
