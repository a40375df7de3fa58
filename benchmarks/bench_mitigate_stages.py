"""Where does `gated` lose a model's accuracy? Each stage measured on the scoring split.

For every zoo model (``--only``), `gated` (plus ``--params``) purifies it once, as ``zoo
eval-mitigation`` does, and this records, on the held-out test split (scoring only, never seen
by the method): the clean accuracy and ASR of the original model, of the first stage's model
(FT-SAM) and after each round of the second stage (read where the round's fresh trigger search
starts), beside what the method itself reads: the guard's accuracy on its held-back quarter
for the original model, the first stage's and each round's, and the floor it holds them to.
Diagnostic only: it decides nothing.

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/bench_mitigate_stages.py ZOO \\
        --only sig-002,sig-007 [--params k=v,...] --out OUT.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_mitigate_second import arguments, pending
from trojanscope.engine.metrics import accuracy
from trojanscope.io.atomic import write_text_atomic
from trojanscope.mitigate.adaptive import Adaptive
from trojanscope.mitigate.gated import UNLEARN, Gated
from trojanscope.mitigate.guard import hold_back
from trojanscope.mitigate.run import measure, mitigate, split_clean


def rounded(row: dict[str, float]) -> dict[str, float]:
    """A measurement's figures to four places."""
    return {k: round(v, 4) for k, v in row.items()}


class Staged(Gated):
    """`gated` that keeps the held-back quarter's accuracy of the original and first-stage
    models (what its guard and check read) in ``stages_``."""

    def _unlearn(self, model, clean, verdict, original, seed):
        _, _, gx, gy = hold_back(model, clean, UNLEARN["val_fraction"], seed)
        self.stages_["val_original"] = round(accuracy(original, gx, gy), 4)
        self.stages_["val_first"] = round(accuracy(model, gx, gy), 4)
        self.stages_["val_n"] = len(gy)
        self.stages_["first"] = rounded(self.score(model))
        self.stages_["val_of"] = lambda m: round(accuracy(m, gx, gy), 4)
        return super()._unlearn(model, clean, verdict, original, seed)


def run_entry(loaded, method, clean, args, trigger_of, on_round=None):
    """``method`` on one zoo model as ``zoo eval-mitigation`` runs it (``--holdout`` split,
    ``--seed``); ``on_round(model)``, where given, is called where each round of the second
    stage starts its fresh trigger search (the model as that round left it)."""
    search = Adaptive._search

    def watched(model, *rest):
        on_round(model)
        return search(model, *rest)

    if on_round is not None:
        Adaptive._search = staticmethod(watched)  # type: ignore[method-assign]
    try:
        return mitigate(
            loaded.module,
            method,
            clean,
            holdout=args.holdout,
            seed=args.seed,
            trigger_of=trigger_of,
            input_shape=loaded.input_shape,
            num_classes=loaded.num_classes,
        )
    finally:
        Adaptive._search = staticmethod(search)  # type: ignore[method-assign]


def main(cls: type[Staged] = Staged, doc: str = __doc__) -> None:
    """Run ``cls`` (``Staged`` or a subclass whose ``stages_`` may also hold ``signals_of``,
    a function of the model whose readings each round's row gets) over the zoo."""
    args, params = arguments(doc, "the defaults")
    done = json.loads(args.out.read_text()) if args.out.exists() else {"models": {}}
    done["params"] = args.params or "the defaults"
    for entry, loaded, trigger_of, clean in pending(args, done):
        _, held = split_clean(clean, args.holdout, args.seed, needs_data=True)

        def score(model, held=held, trigger_of=trigger_of):
            return measure(model, held, trigger_of(held) if trigger_of else None)

        method = cls(**params)
        method.stages_, method.score = {"rounds": []}, score
        rounds = method.stages_["rounds"]

        def on_round(model, rounds=rounds, method=method):
            row = rounded(method.score(model))
            row["val"] = method.stages_["val_of"](model)
            if "signals_of" in method.stages_:
                row.update(method.stages_["signals_of"](model))
            rounds.append(row)

        result = run_entry(loaded, method, clean, args, trigger_of, on_round)
        for key in ("val_of", "signals_of"):
            method.stages_.pop(key, None)
        done["models"][entry.name] = {
            "before": rounded(result.before),
            "after": rounded(result.after),
            "seconds": round(result.elapsed_s, 1),
            "stages": method.stages_,
            "report": method.report_,
        }
        write_text_atomic(args.out, json.dumps(done, indent=2, default=str) + "\n")
        print(entry.name, json.dumps(done["models"][entry.name]["stages"], default=str), flush=True)


if __name__ == "__main__":
    main()
