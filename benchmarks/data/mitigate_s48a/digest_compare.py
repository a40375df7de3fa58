"""Compare digest-base.json with digest-branch.json ('-' rows: SHA-256 equal?) and the branch's
dense_repair=2 figures with dev5-2426.json's repaired copy (E2). Run from this folder."""
import json
from pathlib import Path

base = json.loads(Path("digest-base.json").read_text())["models"]
branch = json.loads(Path("digest-branch.json").read_text())["models"]
dev = json.loads(Path("dev5-2426.json").read_text())["models"]
for name, sets in branch.items():
    same = sets["-"]["sha256"] == base[name]["-"]["sha256"]
    line = f"{name}: default sha256 {'equal' if same else 'DIFFERENT'} ({sets['-']['sha256'][:16]})"
    rep = sets.get("dense_repair=2")
    if rep is not None:
        copy = dev.get(name, {}).get("repaired", {}).get("2")
        line += f"; dense_repair=2 after {rep['after']}"
        if copy is not None:
            equal = all(abs(copy[k] - rep["after"][k]) < 1e-9 for k in ("ca", "asr", "ra"))
            line += f"; check_dense_repair copy {'equal' if equal else 'DIFFERENT'}"
        elif rep["sha256"] == sets["-"]["sha256"]:
            line += "; untouched (same sha256 as the default)"
    print(line)
