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
from pathlib import Path

import numpy as np
import torch

from tabular_joint_excess import auc, credit_default_reference, planted
from trojanscope.detect.tabular_excess import _apply
from trojanscope.detect.tabular_search import TabularSearch, interior
from trojanscope.io.models import load_model
from trojanscope.zoo import ZooEntry, status


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
    rows = json.loads(Path(args.json).read_text())
    schema, x_all, y_all, ref = credit_default_reference(args.seed)
    search = TabularSearch()
    out_rows = []
    for r in rows:
        model = load_model(r["model"]).module.eval()
        inner = interior(search.candidates(model, schema, x_all), x_all, search.excess_tail)
        by_name = {f"{c.column}={c.text}": c for c in inner}
        entry = ZooEntry(**json.loads((Path(r["model"]) / "zoo_entry.json").read_text()))
        out = {
            "model": r["model"].split("zoo/")[-1],
            "bd": r["attack"] is not None,
            "attack": r["attack"],
            "target": r["target"],
            "status": status(entry),
            "gap_old": r["gap_old"],
            "arg_old": r["arg_old"],
        }
        for t in range(2):
            x = x_all[torch.nonzero(y_all != t).flatten()]
            e = effect(model, ref, x, t, [by_name[n] for n in r["found"][str(t)]])
            out[f"c{t}"] = {k: round(v, 3) for k, v in e.items()}
        d = [out[f"c{t}"]["model_flip"] - out[f"c{t}"]["ref_flip"] for t in range(2)]
        out.update(d=d, dmax=max(d), arg_d=int(np.argmax(d)))
        if r["trigger"]:
            values = dict(kv.split("=", 1) for kv in r["trigger"].split(","))
            tr = int(r["target"])
            x = x_all[torch.nonzero(y_all != tr).flatten()]
            e = effect(model, ref, x, tr, planted(schema, values))
            out["planted"] = {k: round(v, 3) for k, v in e.items()}
        out_rows.append(out)
        print(json.dumps(out), flush=True)
    summarise(out_rows)


def summarise(rows: list[dict]) -> None:
    """ROC-AUC of ``tab_excess_gap`` (shipped) and of ``dmax`` (the best combinations' flip
    rate less the reference's, larger class) per family against every clean model; how
    often each one's class is the target; models that do not count (inert backdoors, collapsed
    models: :func:`trojanscope.zoo.status`) left out, as ``zoo eval`` does."""
    neg = [r for r in rows if not r["bd"]]
    neg = [r for r in neg if r["status"] == "clean"]
    live = [r for r in rows if r["bd"] and r["status"] == "backdoored"]
    fams = sorted({(r["attack"], r["target"]) for r in live})
    print(
        f"{len(neg)} clean, {len(live)} backdoored (left out, as zoo eval does: "
        f"{len(rows) - len(neg) - len(live)})"
    )
    print("| family | n | gap_old ROC-AUC | dmax ROC-AUC | gap_old class right | dmax right |")
    print("|---|---|---|---|---|---|")
    for fam in [*fams, None]:
        pos = [r for r in live if fam is None or (r["attack"], r["target"]) == fam]
        name = "all" if fam is None else f"{fam[0]} target {fam[1]}"
        print(
            f"| {name} | {len(pos)} | "
            f"{auc([r['gap_old'] for r in pos], [r['gap_old'] for r in neg]):.3f} | "
            f"{auc([r['dmax'] for r in pos], [r['dmax'] for r in neg]):.3f} | "
            f"{sum(r['arg_old'] == r['target'] for r in pos)} | "
            f"{sum(r['arg_d'] == r['target'] for r in pos)} |"
        )
    print(
        "clean dmax: max",
        round(max(r["dmax"] for r in neg), 3),
        "median",
        round(float(np.median([r["dmax"] for r in neg])), 3),
    )


if __name__ == "__main__":
    main()
