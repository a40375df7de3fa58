"""Issue 12, stop 66 (h12c): a zoo's model names in fresh.sh's scoring order (sig, wanet, clean,
badnets, blended, sparse; within a family, the zoo's order), comma-separated.

    python3 order.py ZOO/truth.json
"""
import json
import sys

FAMILIES = ["sig", "wanet", None, "badnets", "blended", "sparse"]
with open(sys.argv[1]) as f:
    models = json.load(f)["models"]
rank = {f: i for i, f in enumerate(FAMILIES)}
print(",".join(m["name"] for m in sorted(models, key=lambda m: rank.get(m["attack"], 99))))
