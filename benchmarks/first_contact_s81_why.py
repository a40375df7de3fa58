"""Why ``detect-data`` flags none of the triggered copies of a small fraud table's ``copies``
run (stop 80's named (1): seed 390, 8 fraud rows, ``copies=10``: precision and recall 0).

Reads a ``tabular-badnets`` run folder as ``detect-data RUN`` does (``load_suspect``), then,
with the run's ground truth (this script scores; no detector reads it): the labels' shares;
how often chance alone gives a value's ``n`` rows all the target label (``share ** n``); how
many rows of the target label the majority-label screens may read (``deficit`` and
``covers``: at most a tenth of the other labels' rows); per triggered copy, the columns it
shares with its source and its best twin's excess against the twins screen's bars; and which
rows the flagged groups hold (the attack's clean copies of its sources, or real rows).

    PYTHONPATH=src:benchmarks python benchmarks/first_contact_s81_why.py RUN [RUN ...]
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path


def why(run: Path) -> dict:
    """The figures above for one run folder."""
    import numpy as np

    from trojanscope.detect.data.inputs import load_suspect
    from trojanscope.detect.data.label_covers import COVER_SHARE
    from trojanscope.detect.data.label_twins import CORE_BAR, MEMBER_BAR, best_twins
    from trojanscope.detect.data.run import detect_data
    from trojanscope.detect.data.shared_values import table_of, value_codes
    from trojanscope.io.json_file import load_json

    suspect = load_suspect(str(run))
    attack = load_json(run / "manifest.json")["attack"]
    x, schema = table_of(suspect.data)
    labels = np.asarray(suspect.data.labels, np.int64)
    poison = np.asarray(suspect.poison, bool)
    target = int(attack["target"])
    counts = np.bincount(labels)
    share = counts[target] / len(labels)
    others = len(labels) - counts[target]
    codes = value_codes(x, schema)
    twin, excess = best_twins(codes, labels)
    names = [c.name for c in schema.columns]
    copies = []
    for r in np.flatnonzero(poison):
        src = int(twin[r])
        same = [names[j] for j in range(len(names)) if codes[r, j] == codes[src, j]]
        copies.append({"row": int(r), "best_twin": src, "twin_label": int(labels[src]),
                       "agree_on": same, "excess": round(float(excess[r]), 2)})
    found = detect_data(suspect.data, poison=suspect.poison)
    flagged = found.flagged
    added = len(labels) - int(attack.get("added_rows", {}).get("train_rows", len(labels)))
    real = len(labels) - added  # the attack appends its rows after the table's own
    return {
        "run": str(run), "rows": len(labels), "columns": names, "target": target,
        "label_counts": counts.tolist(), "target_share": round(float(share), 4),
        "chance_all_target_10": round(float(share ** 10), 3),
        "rows_for_1pct": math.ceil(math.log(0.01) / math.log(share)) if share < 1 else None,
        "majority_screen_cap": int(COVER_SHARE * others), "other_label_rows": int(others),
        "trigger": attack["trigger"].get("values"), "poison": int(poison.sum()),
        "core_bar": CORE_BAR, "member_bar": MEMBER_BAR,
        "copies_reach_core": sum(c["excess"] >= CORE_BAR for c in copies),
        "copies_reach_member": sum(c["excess"] >= MEMBER_BAR for c in copies),
        "copies": copies, "flagged": flagged.tolist(),
        "flagged_added_rows": int((flagged >= real).sum()),
        "flagged_poison": int(poison[flagged].sum()),
        "groups": found.details.get("groups", [])[:3],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", nargs="+", type=Path)
    for run in ap.parse_args().runs:
        print(json.dumps(why(run), default=str))


if __name__ == "__main__":
    main()
