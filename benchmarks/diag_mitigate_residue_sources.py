"""Where the residue `gated` leaves lies, read with the attacker's trigger on the scoring split
(issue 12, stop 49). Diagnostic only: it decides nothing, and no method reads what it reads.

For every zoo model (``--only``), `gated` (plus ``--params``) purifies it once, as ``zoo
eval-mitigation`` does; on the held-out scoring split this records, for the purified model and
the attacker's trigger: the ASR per source class (``by_source``: share of that class's
triggered images sent to the target), and for the triggered images still sent there, the
target's logit margin over the runner-up (``margins``: quartiles), beside the method's own
report (which stage ran, the probe's readings, why the second stage ended):

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/diag_mitigate_residue_sources.py ZOO \\
        --only badnets-005,sparse-009 [--params k=v,...] --out OUT.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from bench_mitigate_second import arguments, pending
from trojanscope.engine.metrics import predict
from trojanscope.io.atomic import write_text_atomic
from trojanscope.mitigate.gated import Gated
from trojanscope.mitigate.run import mitigate, split_clean


def sources(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor,
            target: torch.Tensor) -> dict:
    """ASR per source class and the margins of the triggered images still sent to the target."""
    with torch.no_grad():
        out = predict(model, x)
    pred = out.argmax(1)
    hit = pred == target
    by = {int(c): round(float(hit[y == c].float().mean()), 3) for c in torch.unique(y)}
    top2 = out[hit].topk(2, dim=1).values
    gap = (top2[:, 0] - top2[:, 1]).sort().values if len(top2) else torch.zeros(0)
    quart = ([round(float(gap[int(q * (len(gap) - 1))]), 2) for q in (0, 0.25, 0.5, 0.75, 1)]
             if len(gap) else [])
    return {"asr": round(float(hit.float().mean()), 4), "hits": int(hit.sum()),
            "by_source": by, "margins": quart}


def main() -> None:
    args, params = arguments(__doc__, "the defaults")
    done = json.loads(args.out.read_text()) if args.out.exists() else {"models": {}}
    done["params"] = args.params or "the defaults"
    for entry, loaded, trigger_of, clean in pending(args, done):
        if trigger_of is None:
            continue  # a clean model has no residue
        _, held = split_clean(clean, args.holdout, args.seed, needs_data=True)
        triggered = trigger_of(held)
        original = loaded.module
        before = sources(original, triggered.x, triggered.y, triggered.target)
        method = Gated(**params)
        result = mitigate(original, method, clean, holdout=args.holdout, seed=args.seed,
                          trigger_of=trigger_of, input_shape=loaded.input_shape,
                          num_classes=loaded.num_classes)
        done["models"][entry.name] = {
            "target": int(torch.as_tensor(triggered.target).flatten()[0]),
            "before": {k: before[k] for k in ("asr", "hits")},
            "after": sources(result.model, triggered.x, triggered.y, triggered.target),
            "ca": [round(result.before["ca"], 4), round(result.after["ca"], 4)],
            "report": method.report_,
        }
        write_text_atomic(args.out, json.dumps(done, indent=2, default=str) + "\n")
        print(entry.name, json.dumps(done["models"][entry.name]["after"]), flush=True)


if __name__ == "__main__":
    main()
