"""Stop 76 (hfix): the three wording mends moved no detection figure. Reads the JSON outputs
(``dd.json``: ``detect-data``, ``di.json``: ``detect-inputs``, ``det.json``: ``detect``) that
``first_contact_s76_hfix/lines.txt`` wrote in a folder run on the base and one run on the
branch, and prints, per file, whether they are equal once the timings and the notes are set
aside, and the notes the branch added.

    python benchmarks/wording_same_s76_hfix.py BEFORE_DIR AFTER_DIR
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

FILES = ("dd.json", "di.json", "det.json")
SET_ASIDE = ("notes", "elapsed")  # keys holding these words: wording and wall time


def figures(value: Any) -> Any:
    """``value`` without the keys :data:`SET_ASIDE` names (at any depth) and without strings
    (prose: verdict reasons, notes); numbers, flags, verdict words kept."""
    if isinstance(value, dict):
        return {k: figures(v) for k, v in value.items()
                if not any(word in k for word in SET_ASIDE) and not k.endswith("_s")}
    if isinstance(value, list):
        return [figures(v) for v in value if not (isinstance(v, str) and " " in v)]
    if isinstance(value, str) and " " in value:
        return "<words>"
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    args = parser.parse_args()
    same = True
    for name in FILES:
        try:
            old = json.loads((args.before / name).read_text())
            new = json.loads((args.after / name).read_text())
        except (OSError, ValueError) as exc:
            sys.exit(f"error: {name}: {exc}")
        equal = figures(old) == figures(new)
        same &= equal
        added = [n for n in new.get("notes", []) if n not in old.get("notes", [])]
        print(f"{name}: figures {'equal' if equal else 'DIFFER'}; notes added: {added or 'none'}")
        for key in ("verdict", "probability", "flagged", "threshold", "poisoned"):
            if key in new:
                shown = new[key] if not isinstance(new[key], list) else len(new[key])
                print(f"  {key}: {shown}")
    print("all figures equal" if same else "SOME FIGURES DIFFER")


if __name__ == "__main__":
    main()
