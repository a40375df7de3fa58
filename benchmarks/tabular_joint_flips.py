"""What the excess search's best combinations and the planted trigger do to the rows (issue 16,
stop 34b; development only): for each model of ``tabular_joint_excess.py --json``, per class,
the best combination's flip rate (rows of other classes the network then gives to the class)
and the reference's, and for a backdoored model the planted trigger's flip rate, mean rise of
the target's probability and the reference's rise. A backdoor should flip most rows; a natural
combination moves probabilities without flipping them all.
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import torch

from tabular_joint_excess import auc, planted
from trojanscope.data import load_dataset
from trojanscope.data.tabular.table import schema_of
from trojanscope.detect.tabular_excess import _apply, reference_model
from trojanscope.detect.tabular_search import TabularSearch, interior
from trojanscope.io.models import load_model


def effect(model, ref, x, c, combo) -> dict[str, float]:
    xt = _apply(x, combo)
    with torch.no_grad():
        out = {}
        for key, net in (("model", model), ("ref", ref)):
            before = torch.softmax(net(x).float(), 1)[:, c]
            after = torch.softmax(net(xt).float(), 1)
            out[f"{key}_flip"] = float((after.argmax(1) == c).float().mean())
            out[f"{key}_rise"] = float((after[:, c] - before).mean())
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", required=True, help="tabular_joint_excess.py --json output")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rows = json.load(open(args.json))
    clean = load_dataset("credit-default", "test")
    schema = schema_of(clean)
    x_all, y_all = clean.get_batch(torch.arange(len(clean)))
    drawn = int(torch.randint(0, 2**31 - 1, (1,),
                              generator=torch.Generator().manual_seed(args.seed)))
    ref = reference_model(x_all, y_all, 2, seed=drawn)
    search = TabularSearch()
    flips = {0: [], 1: []}
    for r in rows:
        model = load_model(r["model"]).module.eval()
        inner = interior(search.candidates(model, schema, x_all), x_all, search.excess_tail)
        by_name = {f"{c.column}={c.text}": c for c in inner}
        out = {"model": r["model"].split("zoo/")[-1], "bd": bool(r["trigger"])}
        for t in range(2):
            x = x_all[torch.nonzero(y_all != t).flatten()]
            e = effect(model, ref, x, t, [by_name[n] for n in r["found"][str(t)]])
            out[f"c{t}"] = {k: round(v, 3) for k, v in e.items()}
            flips[t].append((out["bd"], e["model_flip"], e["model_flip"] - e["ref_flip"]))
        if r["trigger"]:
            values = dict(kv.split("=", 1) for kv in r["trigger"].split(","))
            tr = int(r["target"])
            x = x_all[torch.nonzero(y_all != tr).flatten()]
            e = effect(model, ref, x, tr, planted(schema, values))
            out["planted"] = {k: round(v, 3) for k, v in e.items()}
        print(json.dumps(out), flush=True)
    for t in range(2):
        pos = [f for b, f, _ in flips[t] if b]
        neg = [f for b, f, _ in flips[t] if not b]
        pos_d = [d for b, _, d in flips[t] if b]
        neg_d = [d for b, _, d in flips[t] if not b]
        print(f"class {t}: best combination's flip rate, backdoored mean {np.mean(pos):.3f} "
              f"clean {np.mean(neg):.3f}, ROC-AUC {auc(pos, neg):.3f}; less the reference's: "
              f"ROC-AUC {auc(pos_d, neg_d):.3f}")


if __name__ == "__main__":
    main()
