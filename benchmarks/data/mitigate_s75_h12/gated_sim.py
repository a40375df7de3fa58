"""Issue 12, stop 75 (h12; development): each aug_last variant as the step runs it, only where
``mixed_last`` fitted the output (today's row elsewhere), on the development rows.

    python benchmarks/data/mitigate_s75_h12/gated_sim.py ROWS.jsonl ...
"""
import json
import sys


def ok(b, ca, asr):
    return (asr or 0) <= 0.02 + 1e-6 and ca >= b - 0.02 - 1e-4


rows = {}
for f in sys.argv[1:]:
    with open(f) as fh:
        for line in fh:
            r = json.loads(line)
            rows.setdefault(r["name"], {}).update(r)
variants = sorted({k for r in rows.values() for k, v in r.items()
                   if isinstance(v, dict) and k != "today"})
for v in variants:
    have = [r for r in rows.values() if isinstance(r.get(v), dict)]
    if len(have) < len(rows):
        continue
    n_t = n_c = 0
    gained, lost, crossed, fired = [], [], [], 0
    for r in sorted(have, key=lambda r: r["name"]):
        t = r["today"]
        c = r[v] if r["mixed"].startswith("fitted") else t
        fired += r["mixed"].startswith("fitted")
        a, b = ok(t["ca_before"], t["ca"], t["asr"]), ok(t["ca_before"], c["ca"], c["asr"])
        n_t += a
        n_c += b
        if b and not a:
            gained.append(r["name"])
        if a and not b:
            lost.append(r["name"])
        if (t["asr"] or 0) <= 0.02 + 1e-9 < (c["asr"] or 0) - 1e-9:
            crossed.append(r["name"])
    print(f"{v} (fired on {fired} of {len(have)}): {n_c} against {n_t}; gained {gained}; "
          f"lost {lost}; crossed 2% {crossed}")
