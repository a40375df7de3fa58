"""Today's `gated` (``check=0``) and `gated` with its after-stage check (``check=1``) side by
side, in one run.

The two run the same code up to the check (the detector, the gate, FT-SAM, the probe, the second
stage), so each zoo model is purified once by ``gated:check=1`` (plus ``--params``) through
:func:`trojanscope.mitigate.run.mitigate`, as ``zoo eval-mitigation`` does; the model the second
stage hands to the check is measured too: that model, and the time less the check's, is what
``gated:check=0`` returns. Writes ``bench_mitigate.py``-style results (both methods' rows) and
the check's report per model, for ``ship_rule_mitigate.py``:

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/bench_mitigate_accept.py ZOO \\
        --out OUT.json
"""

from __future__ import annotations

import copy
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_mitigate_second import arguments, finish, pending, record
from trojanscope.io.atomic import write_text_atomic
from trojanscope.mitigate import accept
from trojanscope.mitigate.gated import Gated
from trojanscope.mitigate.run import measure, mitigate, split_clean


class Seen:
    """Wraps :func:`accept.compare`: keeps a copy of the model it was given and its seconds."""

    def __init__(self) -> None:
        self.model = None
        self.seconds = 0.0
        self.inner = accept.compare

    def __call__(self, first, final, *args, **kwargs):
        start = time.perf_counter()
        self.model = copy.deepcopy(final).eval()
        out = self.inner(first, final, *args, **kwargs)
        self.seconds = time.perf_counter() - start
        return out


def main() -> None:
    args, params = arguments(__doc__, "check=1")
    suffix = f",{args.params}" if params else ""
    today_name, cand_name = "gated:check=0" + suffix, "gated:check=1" + suffix
    done = json.loads(args.out.read_text()) if args.out.exists() else {"models": {}}
    for entry, loaded, trigger_of, clean in pending(args, done):
        seen = Seen()
        accept.compare = seen  # type: ignore[assignment]
        try:
            method = Gated(check=True, **params)
            result = mitigate(loaded.module, method, clean, holdout=args.holdout,
                              seed=args.seed, trigger_of=trigger_of,
                              input_shape=loaded.input_shape, num_classes=loaded.num_classes)
        finally:
            accept.compare = seen.inner  # type: ignore[assignment]
        if seen.model is None:  # no check ran: both return the same model
            today, today_s = result.after, result.elapsed_s
        else:
            _, held = split_clean(clean, args.holdout, args.seed, needs_data=True)
            today = measure(seen.model, held, trigger_of(held) if trigger_of else None)
            today_s = result.elapsed_s - seen.seconds
        record(done, entry, result, method.report_,
               ((today_name, today, today_s), (cand_name, result.after, result.elapsed_s)))
        write_text_atomic(args.out, json.dumps(done, indent=2, default=str) + "\n")
    done.update(finish(done, (today_name, cand_name)))
    write_text_atomic(args.out, json.dumps(done, indent=2, default=str) + "\n")

if __name__ == "__main__":
    main()
