"""`gated` and `gated:project_repair=E` from one run of the stages (issue 12, stop 49).

``project_repair`` acts only at the very end of one path (a kept projection handed back by the
probe: :meth:`~trojanscope.mitigate.gated.Gated._repair_projected`), and its off path reads or
draws nothing of its own, so the model `gated` returns is the model the repair starts from. For
every zoo model (``--only``) `gated:project_repair=E` (plus ``--params``) purifies it once, as
``zoo eval-mitigation`` does (the ``--holdout`` split, ``--seed``), a copy of the projected model
taken just before the repair is measured as today's row (its time less the repair's), and the
repaired model as the candidate's; elsewhere both rows are the one result. It writes both rows
in ``bench_mitigate.py``'s format (``--rows``, for ``ship_rule_mitigate.py``) and a detail file
(``--out``: each model's action and figures). The SHA-256 check in docs/benchmarks.md (issue 12,
stop 49) compares today's row with `gated` run alone.

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/check_project_repair.py ZOO \\
        --epochs 3 --out DETAIL.json --rows ROWS.json [--only sig-002,sig-007]
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from dataclasses import asdict
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).parent))
from bench_mitigate_second import pending
from check_dense_repair import as_row
from trojanscope.cli.common import parse_params
from trojanscope.data.dataset import TensorDataset
from trojanscope.io.atomic import write_text_atomic
from trojanscope.mitigate.free_unlearn import free_step
from trojanscope.mitigate.gated import Gated
from trojanscope.mitigate.run import measure, mitigate, split_clean
from trojanscope.mitigate.zoo_eval import MitigationRow, summarise


class Kept(Gated):
    """`gated` that keeps a copy of the projected model before ``project_repair`` fits it."""

    def _repair_projected(self, model: nn.Module, clean: TensorDataset, seed: int) -> None:
        self.unrepaired_ = copy.deepcopy(model)
        super()._repair_projected(model, clean, seed)


def today_free(method: Kept, fit: TensorDataset, seed: int, row: dict) -> float:
    """Where ``free_reach`` is on (today's default since stop 51) it ran after the repair on
    the candidate's model; today's model is the unrepaired copy with the same step applied
    (:func:`~trojanscope.mitigate.free_unlearn.free_step`: the stages' suspect, the method's
    clean images, the seed). Returns the seconds to take off the run's for today's row (the
    candidate's step less today's); both notes go to ``row``."""
    if not method.free_reach or method.unrepaired_ is None:
        return 0.0
    cand = method.report_.get("free_reach", {})
    free_step(method, method.unrepaired_, fit, seed, unchanged=False)
    mine = method.report_["free_reach"]
    method.report_["free_reach"] = cand
    row["free_reach"] = {"candidate": cand, "today": mine}
    return float(cand.get("seconds", 0.0)) - float(mine.get("seconds", 0.0))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("zoo", type=Path)
    ap.add_argument("--params", default="", help="gated's other settings, k=v,k=v")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--only", default="", help="comma-separated model names (default: all)")
    ap.add_argument("--holdout", type=float, default=0.8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--rows", type=Path, required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    params = parse_params([p for p in args.params.split(",") if p], "--params")
    today = "gated" + (f":{args.params}" if args.params else "")
    cand = "gated:" + (f"{args.params}," if args.params else "") + f"project_repair={args.epochs}"
    rows: dict[str, list[MitigationRow]] = {today: [], cand: []}
    done: dict = {"models": {}, "params": args.params, "epochs": args.epochs}
    for entry, loaded, trigger_of, clean in pending(args, {"models": {}}):
        fit, held = split_clean(clean, args.holdout, args.seed, needs_data=True)
        assert fit is not None
        method = Kept(**params, project_repair=args.epochs)
        method.unrepaired_ = None
        result = mitigate(loaded.module, method, clean, holdout=args.holdout, seed=args.seed,
                          trigger_of=trigger_of, input_shape=loaded.input_shape,
                          num_classes=loaded.num_classes)
        rows[cand].append(as_row(entry, fit, result.before, result.after, result.elapsed_s))
        row: dict = {"action": method.report_.get("action"),
                     "before": {k: round(v, 4) for k, v in result.before.items()},
                     "candidate": {k: round(v, 4) for k, v in result.after.items()},
                     "seconds": round(result.elapsed_s, 1)}
        if method.unrepaired_ is not None:
            spent = float(method.report_["project_repair"]["seconds"])
            spent += today_free(method, fit, args.seed, row)
            triggered = trigger_of(held) if trigger_of else None
            got = measure(method.unrepaired_.eval(), held, triggered)
            rows[today].append(as_row(entry, fit, result.before, got, result.elapsed_s - spent))
            row["today"] = {k: round(v, 4) for k, v in got.items()}
            row["repair_s"] = spent
        else:
            rows[today].append(rows[cand][-1])
        done["models"][entry.name] = row
        out = {k: {"summary": summarise(v), "rows": [asdict(r) for r in v]}
               for k, v in rows.items()}
        write_text_atomic(args.rows, json.dumps(out, indent=2) + "\n")
        write_text_atomic(args.out, json.dumps(done, indent=2, default=str) + "\n")
        print(entry.name, json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
