"""`gated`'s after-stage check compares the second stage's model with the first stage's; would
comparing it with the original model change a decision?

For every zoo model (``--only``), `gated` (plus ``--params``) purifies it once, as ``zoo
eval-mitigation`` does (same split, same seed). Where its check runs, the same check
(:func:`trojanscope.mitigate.accept.compare`, same images, triggers, suspects and settings) is
also run with the *original* model (the one both stages started from) in the first stage's
place, and the second stage's model is scored on the held-out test split before the check can
undo it, so a decision that differs comes with what it would have returned. `gated` itself
still decides with the first stage's model: the figures it returns are today's. Diagnostic
only: it decides nothing.

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/bench_check_reference.py ZOO \\
        [--only sig-002,...] [--params k=v,...] --out OUT.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_mitigate_second import arguments, pending
from bench_mitigate_stages import rounded, run_entry
from trojanscope.io.atomic import write_text_atomic
from trojanscope.mitigate import accept
from trojanscope.mitigate.gated import Gated
from trojanscope.mitigate.run import measure, split_clean


class BothReferences(Gated):
    """`gated` whose check is also run against the original model (``check_original_``), with
    the second stage's model scored before the check (``stage_``)."""

    def _unlearn(self, model, clean, verdict, original, seed):
        self.original_ = original
        return super()._unlearn(model, clean, verdict, original, seed)


def main() -> None:
    args, params = arguments(__doc__, "the defaults")
    done = json.loads(args.out.read_text()) if args.out.exists() else {"models": {}}
    done["params"] = args.params or "the defaults"
    compare = accept.compare
    for entry, loaded, trigger_of, clean in pending(args, done):
        _, held = split_clean(clean, args.holdout, args.seed, needs_data=True)
        method = BothReferences(**params)
        seen: dict = {}

        def both(
            first, final, *rest, method=method, seen=seen, held=held, trigger_of=trigger_of, **kw
        ):
            seen["check_original"] = compare(method.original_, final, *rest, **kw)
            seen["stage"] = rounded(measure(final, held, trigger_of(held) if trigger_of else None))
            return compare(first, final, *rest, **kw)

        accept.compare = both  # type: ignore[assignment]
        try:
            result = run_entry(loaded, method, clean, args, trigger_of)
        finally:
            accept.compare = compare  # type: ignore[assignment]
        done["models"][entry.name] = {
            "backdoored": entry.backdoored,
            "attack": entry.attack,
            "before": rounded(result.before),
            "after": rounded(result.after),
            "seconds": round(result.elapsed_s, 1),
            **seen,
            "report": method.report_,
        }
        write_text_atomic(args.out, json.dumps(done, indent=2, default=str) + "\n")
        row = done["models"][entry.name]
        print(
            entry.name,
            json.dumps({k: row.get(k) for k in ("before", "after", "stage")}),
            "| first:",
            (row["report"].get("check") or {}).get("worse"),
            "| original:",
            (row.get("check_original") or {}).get("worse"),
            flush=True,
        )


if __name__ == "__main__":
    from _common import run_main

    run_main(main)
