"""Compare two gate_check.sh folders (stop 77, hcode): every JSON report equal once the keys
that carry a time or a date are left out; prints each file's verdict, p and the gate's note."""

import json
import sys
from pathlib import Path

TIMED = ("elapsed", "time", "duration", "seconds", "cpu", "wall", "date", "created", "started",
         "finished", "command")  # "command": each run writes to its own --output


def strip(value):
    if isinstance(value, dict):
        return {k: strip(v) for k, v in value.items() if not any(t in k.lower() for t in TIMED)}
    if isinstance(value, list):
        return [strip(v) for v in value]
    return value


def main(a: Path, b: Path) -> int:
    moved = 0
    for f in sorted(a.glob("*.json")):
        x, y = json.loads(f.read_text()), json.loads((b / f.name).read_text())
        same = strip(x) == strip(y)
        moved += not same
        det = x.get("detection", x)
        print(f"{f.name}: {'equal' if same else 'DIFFERS'}; p {det.get('probability')} "
              f"{det.get('verdict', x.get('rating'))}; mask note "
              f"{'yes' if 'data-free mask gate' in json.dumps(x) else 'no'}")
    return 1 if moved else 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1]), Path(sys.argv[2])))
