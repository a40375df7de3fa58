"""Stop 39's rule for the rare-position column in ``serve --guard auto``'s one-pass guard
(issue 14; docs/benchmarks.md, "issue 14, stop 39"): stop 38's detection conditions 0-5
(:func:`rare_rule_stop37.decide`, the worst-family bound 0.01) read on the served guard's
set-up (``mahalanobis:transforms=[]:rare=false:isolated=false``) against the candidate
(``...:rare=true:...``), scored in the same process by ``bench_detect_inputs_foreign.py`` and
``bench_detect_inputs.py``; and a load-test condition 6 on ``bench_serve.py``'s output with the
candidate guard: stop 36's (single-input p50 at most 3x bare, every request answered 200 and none
wrong, the fused pass, incidents kept across a restart) and, here, the 64-input p50 at most 3x
bare too (issue 14's service figure names both request sizes). Each population is the prefix, in
the committed order, whose scoring had finished by ``--cutoff``; the load test counts only if
written by then too. Without ``--cutoff`` every file counts (the committed copy).

    PYTHONPATH=src python benchmarks/rare_served_rule_stop39.py OUT_DIR \\
        --cutoff 2026-12-02T09:35:00Z --serve OUT_DIR/serve_stop39_rule.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from isolated_served_rule_stop36 import MAX_RATIO, load_test, when
from rare_rule_stop37 import arguments, decide, pairs, populations

STEM = "rare_served_stop39"
# our own models in the order they are built (interleaved with the foreign families)
OWN = [
    ("sparse", 64),
    ("badnets", 64),
    ("wanet", 64),
    ("blended", 64),
    ("sig", 64),
    ("wanet", 65),
    ("wanet", 66),
]
ZOOS = [("s36", 4, 36, True)]
FAMILY_BOUND = 0.01  # stop 38's bound on the worst family's mean TPR
CANDIDATE = "rare=true"


def served_setup(label: str) -> bool:
    """The served guard's rows (``transforms=[]``, one pass); a file may also hold
    ``detect-inputs``' default and STRIP, scored beside them for the per-model figures."""
    return "transforms" in label.lower()


def batch_ratio(path: Path, cutoff: float | None) -> tuple[str, bool]:
    """The 64-input condition: guarded p50 at most ``MAX_RATIO`` times bare, same run."""
    if not path.is_file() or (cutoff is not None and path.stat().st_mtime > cutoff):
        return "64-input p50 (no load test by the clock time)", False
    cases = json.loads(path.read_text())["cases"]
    ratio = cases["guarded-64"]["p50_ms"] / cases["bare-64"]["p50_ms"]
    return f"guarded 64-input p50 <= {MAX_RATIO}x bare ({ratio:.2f}x)", ratio <= MAX_RATIO


def main() -> None:
    args, ap = arguments("/tmp/h14s39/zoo", __doc__, serve=True)
    fp, op = populations(args, ap, STEM, OWN, ZOOS)
    detection = decide(
        pairs(fp, True, served_setup),
        pairs(op, False, served_setup),
        family_bound=FAMILY_BOUND,
        what="conditions 0-5 for rare=true in serve --guard auto",
    )
    serve = args.serve
    cutoff = when(args.cutoff)
    load = {}
    if serve is not None:
        load = {f"6 load test: {k}": v for k, v in load_test(serve, cutoff, CANDIDATE).items()}
        text, met = batch_ratio(serve, cutoff)
        load[f"6 load test: {text}"] = met
    else:
        load["6 load test (none given)"] = False
    for k, v in load.items():
        print(f"condition {k}: {'met' if v else 'NOT met'}")
    print("serve rare=true in serve --guard auto's guard:", detection and all(load.values()))


if __name__ == "__main__":
    main()
