"""How many stored backdoored MLPs did `gated` treat with a suspect that is not the target?
(issue 12, stop 74: h12g; reads committed rows only, decides nothing).

Two kinds of stored rows name the suspect: the zoo checks' notes (``fresh-NNNN.json`` beside
the zoo's ``truth-NNNN.json``, a note per model with ``suspect``) and the step readers' JSON
lines (``ZOO/name``, ``family``, ``target`` and the whole report). Each model is counted once
(its first row; a reader's row only under today's default, no ``params``; a note only where
no ``project_next`` moved the suspect). Prints per family: models, wrong suspects, and each
wrong one; then, over the readers' rows that hold the candidates' flips, how often the class
whose reversed trigger moved most on the first stage's model is the target (a re-ranking this
stop rejected).

    python benchmarks/mitigate_next_s74_count.py [DATA_DIR]
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from pathlib import Path


def from_checks(folder: Path, seen: dict[str, tuple]) -> None:
    """The zoo checks' notes, matched to their folder's truth files."""
    for truth_file in sorted(folder.glob("truth-*.json")):
        zoo = truth_file.stem.split("-")[1]
        truth = {m["name"]: m for m in json.loads(truth_file.read_text())["models"]}
        for f in sorted(folder.glob(f"*{zoo}*.json")):
            data = json.loads(f.read_text()) if f != truth_file else {}
            for block in data.values() if isinstance(data, dict) else []:
                notes = block.get("notes") if isinstance(block, dict) else None
                for name, note in (notes or {}).items():
                    m = truth.get(name.rpartition("/")[2])
                    if m and m.get("backdoored") and isinstance(note, dict) and "suspect" in note \
                            and "project_next" not in note:
                        seen.setdefault(f"{zoo}/{m['name']}", (m["attack"], m["target"],
                                                               note["suspect"], m.get("arch")))


def from_readers(folder: Path, seen: dict[str, tuple], flips: dict[str, bool]) -> None:
    """The step readers' JSON lines (the whole report beside the target); ``flips``: whether
    the most-moving candidate trigger's class is the target, per model."""
    for f in sorted(folder.glob("*.jsonl")):
        for line in f.read_text().splitlines():
            try:
                r = json.loads(line)
            except ValueError:
                continue
            rep = r.get("report") if isinstance(r, dict) else None
            if isinstance(rep, dict) and "suspect" in rep and r.get("target") is not None \
                    and not r.get("params") and re.fullmatch(r"\d+/\S+", str(r.get("name"))):
                seen.setdefault(r["name"], (r.get("family"), r["target"], rep["suspect"], "mlp"))
                flip = (rep.get("candidates") or {}).get("flip")
                if flip:
                    best = max(flip, key=lambda c: flip[c][0])
                    flips.setdefault(r["name"], int(best) == r["target"])


def main() -> None:
    data = Path(sys.argv[1] if len(sys.argv) > 1 else "benchmarks/data")
    seen: dict[str, tuple] = {}
    flips: dict[str, bool] = {}
    for folder in sorted(data.glob("mitigate*")):
        from_checks(folder, seen)
        from_readers(folder, seen, flips)
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for name, (family, target, suspect, arch) in sorted(seen.items()):
        if arch != "mlp" or suspect is None:  # not treated (gated out): no suspect read
            continue
        per[family][0] += 1
        if suspect != target:
            per[family][1] += 1
            print(f"{name}: {family}, target {target}, suspect {suspect}")
    for family, (n, wrong) in sorted(per.items()):
        print(f"{family}: {n} treated MLPs, {wrong} with a suspect that is not the target")
    print(f"the most-moving candidate trigger's class is the target on {sum(flips.values())} "
          f"of {len(flips)} readers' rows")


if __name__ == "__main__":
    main()
