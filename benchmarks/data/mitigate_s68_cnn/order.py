"""Issue 12, stop 68 (h12c): a zoo's model names in fresh.sh's reading order (badnets, sig,
wanet, blended, sparse, clean: the family the plan's loss clause is about first, the worst family
next; within a family, the zoo's order), comma-separated.

    python3 order.py ZOO/truth.json
"""
import json
import sys

FAMILIES = ["badnets", "sig", "wanet", "blended", "sparse", None]
with open(sys.argv[1]) as f:
    models = json.load(f)["models"]
rank = {f: i for i, f in enumerate(FAMILIES)}
print(",".join(m["name"] for m in sorted(models, key=lambda m: rank.get(m["attack"], 99))))
