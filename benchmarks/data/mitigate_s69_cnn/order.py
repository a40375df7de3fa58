"""Issue 12, stop 69 (h12c): a zoo's model names in fresh.sh's reading order (clean, sig,
sparse, badnets, blended, wanet: the clean CNN first, cheap and needed by clause 2; then the
families stop 68's conv_stop lost, SIG and sparse; the costliest family, WaNet, last), within a
family the zoo's order, comma-separated.

    python3 order.py ZOO/truth.json
"""
import json
import sys

FAMILIES = [None, "sig", "sparse", "badnets", "blended", "wanet"]
with open(sys.argv[1]) as f:
    models = json.load(f)["models"]
rank = {f: i for i, f in enumerate(FAMILIES)}
print(",".join(m["name"] for m in sorted(models, key=lambda m: rank.get(m["attack"], 99))))
