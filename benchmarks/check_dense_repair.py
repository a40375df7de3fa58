"""`gated`'s ``dense_repair`` at several epoch counts from one run of the stages (development).

For every zoo model (``--only``), `gated` (plus ``--params``) purifies it once, as ``zoo
eval-mitigation`` does (the ``--holdout`` split, ``--seed``); then, for each E in ``--epochs``, a
copy of the purified model is repaired for E epochs (:func:`~trojanscope.mitigate.dense_repair.
repair`, the input model as teacher, the method's own clean samples, the method's seed: what
``gated:dense_repair=E`` computes on a dense image model the stages changed) and measured on the
scoring split. With ``--rows ROWS.json`` it also writes, in ``bench_mitigate.py``'s format, the
row of `gated` (plus ``--params``) and of the same with ``dense_repair=E`` for the first E of
``--epochs`` (the repaired copy's figures, its time the stages' plus the repair's), for
``ship_rule_mitigate.py``: the stages run once for both rows (the repair starts from the very
model `gated` returns, so the candidate's row is what ``gated:dense_repair=E`` computes; the
SHA-256 check in docs/benchmarks.md, issue 12 stop 48, compares the two).

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/check_dense_repair.py ZOO \\
        --only badnets-000 --epochs 2,5,10 --out OUT.json [--rows ROWS.json]
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from bench_mitigate_second import pending
from trojanscope.cli.common import parse_params
from trojanscope.io.atomic import write_text_atomic
from trojanscope.mitigate.base import frozen_copy
from trojanscope.mitigate.dense_options import applies
from trojanscope.mitigate.dense_repair import repair
from trojanscope.mitigate.gated import Gated
from trojanscope.mitigate.run import measure, mitigate, split_clean
from trojanscope.mitigate.zoo_eval import MitigationRow, summarise


def as_row(entry, fit, before: dict, after: dict, seconds: float) -> MitigationRow:
    """``bench_mitigate.py``'s row for one model."""
    return MitigationRow(entry.name, entry.attack, bool(entry.backdoored), len(fit),
                         before["ca"], after["ca"], before.get("asr"), after.get("asr"), seconds)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("zoo", type=Path)
    ap.add_argument("--params", default="", help="gated's settings, k=v,k=v (default: none)")
    ap.add_argument("--epochs", default="2,5,10")
    ap.add_argument("--only", default="", help="comma-separated model names (default: all)")
    ap.add_argument("--holdout", type=float, default=0.8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--rows", type=Path, default=None)
    args = ap.parse_args()
    torch.set_num_threads(1)
    epochs = [int(e) for e in args.epochs.split(",") if e.strip()]
    params = parse_params([p for p in args.params.split(",") if p], "--params")
    done: dict = {"models": {}, "params": args.params, "epochs": epochs}
    today = "gated" + (f":{args.params}" if args.params else "")
    cand = ("gated:" + (f"{args.params}," if args.params else "") + f"dense_repair={epochs[0]}")
    rows: dict[str, list[MitigationRow]] = {today: [], cand: []}
    for entry, loaded, trigger_of, clean in pending(args, {"models": {}}):
        teacher = frozen_copy(loaded.module)
        fit, held = split_clean(clean, args.holdout, args.seed, needs_data=True)
        assert fit is not None
        method = Gated(**params)
        result = mitigate(loaded.module, method, clean, holdout=args.holdout, seed=args.seed,
                          trigger_of=trigger_of, input_shape=loaded.input_shape,
                          num_classes=loaded.num_classes)
        triggered = trigger_of(held) if trigger_of else None
        row: dict = {"action": method.report_.get("action"),
                     "before": {k: round(v, 4) for k, v in result.before.items()},
                     "after": {k: round(v, 4) for k, v in result.after.items()},
                     "seconds": round(result.elapsed_s, 1), "repaired": {}}
        came, now = teacher.state_dict(), result.model.state_dict()
        changed = not all(torch.equal(came[k], now[k]) for k in came)
        rows[today].append(as_row(entry, fit, result.before, result.after, result.elapsed_s))
        rows[cand].append(rows[today][-1])
        if changed and applies(result.model, fit):
            for e in epochs:
                model = copy.deepcopy(result.model)
                for p in model.parameters():
                    p.requires_grad_(True)
                suspect = method.report_.get("suspect")
                start = time.perf_counter()
                found = method.verdict_
                trigger = (found.triggers.get(suspect) if found is not None
                           and suspect is not None else None)
                repair(model, teacher, fit, e, args.seed,
                       free=None if suspect is None else [int(suspect)],
                       triggers=[trigger] if trigger is not None else None)
                spent = time.perf_counter() - start
                got = measure(model.eval(), held, triggered)
                row["repaired"][str(e)] = {k: round(v, 4) for k, v in got.items()}
                row["repaired"][str(e)]["seconds"] = round(spent, 2)
                if e == epochs[0]:
                    rows[cand][-1] = as_row(entry, fit, result.before, got,
                                            result.elapsed_s + spent)
        done["models"][entry.name] = row
        if args.rows is not None:
            out = {k: {"summary": summarise(v), "rows": [asdict(r) for r in v]}
                   for k, v in rows.items()}
            write_text_atomic(args.rows, json.dumps(out, indent=2) + "\n")
        write_text_atomic(args.out, json.dumps(done, indent=2, default=str) + "\n")
        print(entry.name, json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
