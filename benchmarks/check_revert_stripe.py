"""`gated:revert_stripe=R` against today's `gated` on a zoo whose default rows are stored.

``revert_stripe`` is read at one place only: where `gated` (today's default) would hand back the
original because the probe found no backdoor left (no projection kept; the report's action
"not treated: ... the original is returned"). Every other model's output is the default's, so
its stored row (``--rows``, ``bench_mitigate.py``'s format, ``--detail``'s actions from
``check_dense_repair.py``) is the candidate's too; this script reruns both methods on the
models whose stored action is that revert (the ``--holdout`` split, ``--seed``, as ``zoo
eval-mitigation``), checks today's rerun matches its stored row, and writes both rows
(``--out``) for ``ship_rule_mitigate.py``, the reruns' reports to ``--reruns``. Development
zoos only (issue 12, stop 48: h12d).

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/check_revert_stripe.py ZOO \\
        --rows ROWS.json --detail DETAIL.json --bar 0.5 --out OUT.json [--reruns RERUNS.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from bench_mitigate_second import pending
from check_dense_repair import as_row
from trojanscope.io.atomic import write_text_atomic
from trojanscope.mitigate.base import frozen_copy
from trojanscope.mitigate.gated import Gated
from trojanscope.mitigate.run import mitigate, split_clean
from trojanscope.mitigate.zoo_eval import MitigationRow, summarise

REVERTED = "the original is returned"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("zoo", type=Path)
    ap.add_argument("--rows", type=Path, required=True)
    ap.add_argument("--detail", type=Path, required=True)
    ap.add_argument("--bar", type=float, default=0.5)
    ap.add_argument("--holdout", type=float, default=0.8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--reruns", type=Path, default=None, help="the reruns' reports (JSON)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    stored = {r["name"]: r for r in json.loads(args.rows.read_text())["gated"]["rows"]}
    actions = {k: v["action"] for k, v in json.loads(args.detail.read_text())["models"].items()}
    rerun = [k for k, a in actions.items() if REVERTED in a and "projected" not in a]
    args.only = ",".join(rerun)
    cand = f"gated:revert_stripe={args.bar:g}"
    rows: dict[str, list[MitigationRow]] = {"gated": [], cand: []}
    reports: dict = {}
    for name, row in stored.items():
        if name not in rerun:
            rows["gated"].append(MitigationRow(**row))
            rows[cand].append(MitigationRow(**row))
    for entry, loaded, trigger_of, clean in (pending(args, {"models": {}}) if rerun else []):
        fit, _ = split_clean(clean, args.holdout, args.seed, needs_data=True)
        assert fit is not None
        original = frozen_copy(loaded.module)
        for key, params in (("gated", {}), (cand, {"revert_stripe": args.bar})):
            method = Gated(**params)
            result = mitigate(frozen_copy(original), method, clean, holdout=args.holdout,
                              seed=args.seed, trigger_of=trigger_of,
                              input_shape=loaded.input_shape, num_classes=loaded.num_classes)
            rows[key].append(as_row(entry, fit, result.before, result.after, result.elapsed_s))
            reports.setdefault(entry.name, {})[key] = {
                "after": {k: round(v, 4) for k, v in result.after.items()},
                "action": method.report_.get("action"),
                "revert_stripe": method.report_.get("revert_stripe"),
                "unlearn": method.report_.get("unlearn")}
        same = (rows["gated"][-1].ca_after == stored[entry.name]["ca_after"]
                and rows["gated"][-1].asr_after == stored[entry.name]["asr_after"])
        reports[entry.name]["today_matches_stored"] = same
        print(entry.name, json.dumps(reports[entry.name], default=str), flush=True)
    out = {k: {"summary": summarise(v), "rows": [asdict(r) for r in v]} for k, v in rows.items()}
    write_text_atomic(args.out, json.dumps(out, indent=2, default=str) + "\n")
    if args.reruns is not None:
        write_text_atomic(args.reruns, json.dumps(reports, indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()
