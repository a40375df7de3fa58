"""Point (d) of issue 9's stop-45 seed-65 rule (``benchmarks/data/foreign_s45b/plan.md``): can a
candidate calibration file move issue 3's own-engine figures (``zoo/eval``)?

The candidate G+K differs from the shipped file in two entries only: the wider calibrator
(``auto:out-of-coverage``, used only for a model out of the default calibrator's coverage) and the
frame raise term's gate (used only for a model whose activation the term's coverage lacks). The
check lists the entries that differ and, on ``zoo/eval``'s recorded traits, the models either
change reaches; none means issue 3's figures are unchanged (difference 0).

    python benchmarks/own_eval_gk.py benchmarks/data/foreign_s45/cal_gated_K.json --json out.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from frame_gate_loso import own_eval_gated
from ooc_refit_loso import own_eval_wider
from trojanscope.detect.calibration import load_calibrators

SHIPPED = Path(__file__).resolve().parents[1] / "src/trojanscope/detect/calibration.json"


def check(candidate: Path) -> dict:
    """The entries ``candidate`` changes and the ``zoo/eval`` models each change can reach."""
    a, b = (json.loads(p.read_text()) for p in (SHIPPED, candidate))
    changed = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    cals = load_calibrators(candidate)
    return {"changed_entries": changed, "wider": own_eval_wider(cals),
            "frame_gate": own_eval_gated(cals)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("candidate", type=Path)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    if not args.candidate.is_file():
        print(f"error: no such file: {args.candidate}", file=sys.stderr)
        raise SystemExit(2)
    res = check(args.candidate)
    print(f"entries changed: {res['changed_entries']}")
    print(f"zoo/eval: {res['wider']['models']} models; scored by the wider calibrator: "
          f"{res['wider']['scored_by_wider']}; frame term gated off: "
          f"{res['frame_gate']['frame_gated_off']}; frame term's start moved: "
          f"{res['frame_gate']['frame_start_moved']}")
    if args.json:
        args.json.write_text(json.dumps(res, indent=1) + "\n")


if __name__ == "__main__":
    main()
