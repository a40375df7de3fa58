"""Every finding the scanner gives on picklescan's peer corpus (``../shared/peer-corpora``), as a
sorted JSON list of ``[file, member, rule, message]``: run it on two checkouts (``PYTHONPATH``)
and compare the files to see that a change moved no finding.

    PYTHONPATH=src .venv/bin/python benchmarks/scan_peer_findings.py --out /tmp/peer.json
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from trojanscope.scan import load_policy, scan_paths

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "peer-corpora" / "picklescan"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(CORPUS))
    ap.add_argument("--out", required=True, help="JSON file for the sorted findings")
    args = ap.parse_args()
    root = Path(args.corpus)
    truth = json.loads((root / "truth.json").read_text())
    report = scan_paths([root / t["file"] for t in truth], load_policy())
    rows = sorted({(f.location.file, str(f.location.member), f.rule_id, f.message)
                   for f in report.findings})
    Path(args.out).write_text(json.dumps(rows, indent=0) + "\n")
    rules = Counter(r[2] for r in rows)
    print(f"{len(truth)} files, {len(rows)} findings; TS999: {rules.get('TS999', 0)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
