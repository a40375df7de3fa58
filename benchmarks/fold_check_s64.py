"""Compare fold_check_s64.sh's runs: main's src (``before``) against this tree's (``after``).

Why (tests, stop 64: hfc): a fold must leave every output as it was. Each run's weights are
compared by the sha256 of their tensors' bytes and their header read as JSON (the safetensors
writer orders its metadata map differently from one process to the next, so the file's own
sha256 differs on the same weights), and each run's JSON report with its timings blanked.
Prints one line a run and exits 1 where any differs.
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
import sys
from pathlib import Path

RUNS = ("default", "steps", "more", "first")
TIMED = ("elapsed_s", "cpu_s", "total_s", "out", "files")  # timings, and where it was written
SECONDS = re.compile(r"(seconds'|_s'|_s=)(: )?[0-9.]+")


def weights_sha(path: Path) -> str:
    """sha256 of the header (parsed, keys sorted) and the tensors' bytes of a safetensors file."""
    raw = path.read_bytes()
    size = struct.unpack("<Q", raw[:8])[0]
    head = json.loads(raw[8:8 + size])
    return hashlib.sha256(json.dumps(head, sort_keys=True).encode() + raw[8 + size:]).hexdigest()


def blank(value: object) -> object:
    """``value`` with every timing (a key in ``TIMED``, seconds in a note) blanked."""
    if isinstance(value, dict):
        return {k: None if k in TIMED else blank(v) for k, v in value.items()}
    if isinstance(value, list):
        return [blank(v) for v in value]
    if isinstance(value, str):
        return SECONDS.sub(r"\1<t>", value)
    return value


def main(argv: list[str]) -> int:
    out = Path(argv[0])
    same = True
    for name in RUNS:
        shas = [weights_sha(out / tag / name / "model.safetensors") for tag in ("before", "after")]
        reports = [blank(json.loads((out / tag / f"{name}.json").read_text()))
                   for tag in ("before", "after")]
        ok = shas[0] == shas[1] and reports[0] == reports[1]
        same &= ok
        print(f"{name}: weights {shas[0][:16]} / {shas[1][:16]}, report (timings blanked) "
              f"{'same' if reports[0] == reports[1] else 'DIFFERS'}: {'same' if ok else 'DIFFER'}")
    print("every run the same" if same else "NOT every run the same")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
