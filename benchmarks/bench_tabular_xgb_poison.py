"""Where a tree backdoor's poison sits in the ensemble (issue 16, development diagnosis).

For each tree model of the given zoos (development zoos only), the zoo entry's own poisoning
is replayed (``build_attack(entry).poison``: the same rows, trigger and labels as its
training) and every training row is sent through the ensemble (``pred_leaf``). A *poison
leaf* is one whose training rows are at least half poison (and at least 3 poison rows).
Printed per backdoored model: its target, how many poison leaves the first ``--trees`` trees
and all trees hold, the first tree with one, the class those leaves vote for (the sign of
the leaf value), and, over the poison leaves of the first ``--trees`` trees, the largest
training share the model records (``cover`` / ``leaf_count``) against the share of the
poison rows' own count, with each model's missing mass per class (``tab_mass`` before its
log) — the numbers behind ``tab_mass``'s misses.

    PYTHONPATH=src python benchmarks/bench_tabular_xgb_poison.py --zoo ZOO... [--trees 30]

``--leaves NAME...`` prints, for those backdoored models of the zoo, each class's 10 largest
leaf deficits of the first ``--trees`` trees (expected and seen clean rows, poison / all
training rows in the leaf) and the poison leaves among them.

``--group`` instead prints, per library and target (+ every clean model of the library), the
ROC-AUC of the per-leaf missing mass (``tab_mass``) and of the grouped mass
(``tree_mass.grouped_mass``: a tree's leaves sharing a bound, pooled) for the mean of the top
3 / 10 / 30 groups of the first 10 / 30 / 100 trees, as the largest class's (what a feature
takes) and the target class's own.
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

torch.set_num_threads(1)

from sklearn.metrics import roc_auc_score  # noqa: E402

from trojanscope.data import load_dataset  # noqa: E402
from trojanscope.detect.tree_mass import deficit, grouped_mass, missing_mass  # noqa: E402
from trojanscope.io.models import load_model  # noqa: E402
from trojanscope.zoo import build_attack, read_truth  # noqa: E402


def leaf_ids(model, x: np.ndarray) -> np.ndarray:
    """(N, trees) leaf id each row reaches, as ``leaf_records`` numbers them."""
    if model.library == "xgboost":
        out = model.booster.predict(model._matrix(x), pred_leaf=True)
    else:
        out = model.booster.predict(x, pred_leaf=True, num_threads=1)
    return np.asarray(out, dtype=np.int64).reshape(len(x), -1)


def leaf_table(model) -> dict[tuple[int, int], tuple[int, float]]:
    """(tree, leaf id) -> (class it votes for, raw value)."""
    out = {}
    for t, _, node, _ in model._leaf_nodes():
        key = "leaf" if model.library == "xgboost" else "leaf_value"
        nid = node["nodeid"] if model.library == "xgboost" else node.get("leaf_index", 0)
        value = float(node[key])
        out[(t, int(nid))] = (model._group(t, value)[0], value)
    return out


def tree_models(zoos: list[str]):
    """(zoo, entry, tree model, clean rows (the test split, encoded), classes) of every tree
    model of ``zoos``."""
    for zoo in zoos:
        dataset, entries = read_truth(zoo)
        test = load_dataset(dataset, "test")
        xc = test.get_batch(torch.arange(len(test)))[0].numpy()
        for e in entries:
            model = load_model(f"{zoo}/{e.name}").module
            if hasattr(model, "leaf_records"):
                yield zoo, e, model, xc, test.num_classes


def study(zoo: str, trees: int) -> list[dict]:
    train = load_dataset(read_truth(zoo)[0], "train")
    out = []
    for _, e, model, xc, classes in tree_models([zoo]):
        records = [r for r in model.leaf_records(xc, 10**9) if r.strength > 0]
        mass = missing_mass([(r.cls, r.train, r.clean) for r in records if r.tree < trees],
                            len(xc), classes)
        row = {"zoo": zoo, "name": e.name, "arch": e.arch, "backdoored": e.backdoored,
               "target": e.target, "mass": mass, "rate": e.poison_rate}
        if e.backdoored:
            poisoned = build_attack(e).poison(train)
            x, _ = poisoned.get_batch(torch.arange(len(poisoned)))
            is_p = poisoned.is_poisoned.numpy().astype(bool)
            ids = leaf_ids(model, x.numpy())
            table = leaf_table(model)
            found = []
            for t in range(ids.shape[1]):
                for leaf in np.unique(ids[is_p, t]):
                    here = ids[:, t] == leaf
                    n_p = int((here & is_p).sum())
                    if n_p >= 3 and n_p >= 0.5 * here.sum():
                        cls, value = table[(t, int(leaf))]
                        found.append((t, cls, value, n_p, int(here.sum())))
            early = [f for f in found if f[0] < trees]
            row.update(poison=int(is_p.sum()), leaves=len(found), early=len(early),
                       first=found[0][0] if found else None,
                       classes=sorted({f[1] for f in early}),
                       votes_target=sum(f[1] == e.target for f in early))
        out.append(row)
    return out


def leaves(zoo: str, names: list[str], trees: int) -> None:
    """Per named backdoored model: each class's largest leaf deficits, with their poison."""
    train = load_dataset(read_truth(zoo)[0], "train")
    for _, e, model, xc, classes in tree_models([zoo]):
        if e.name not in names or not e.backdoored:
            continue
        poisoned = build_attack(e).poison(train)
        x, _ = poisoned.get_batch(torch.arange(len(poisoned)))
        is_p = poisoned.is_poisoned.numpy().astype(bool)
        ids = leaf_ids(model, x.numpy())
        key = "nodeid" if model.library == "xgboost" else "leaf_index"
        nodes = [(t, int(node.get(key, 0))) for t, _, node, _ in model._leaf_nodes() if t < trees]
        rows = []
        for r, (t, leaf) in zip(model.leaf_records(xc, trees), nodes, strict=True):
            here = ids[:, t] == leaf
            rows.append((deficit(r.train, r.clean, len(xc)), r.cls, t, r.train * len(xc),
                         r.clean * len(xc), int((here & is_p).sum()), int(here.sum()),
                         r.strength))
        print(f"\n{e.name} ({e.arch}, target {e.target}, {int(is_p.sum())} poison rows of "
              f"{len(is_p)})")
        print("| class | deficit | tree | clean rows expected | seen | poison / all rows |")
        print("|---|---|---|---|---|---|")
        for cls in range(classes):
            top = sorted((q for q in rows if q[1] == cls and q[7] > 0), reverse=True)[:10]
            for q in top:
                print(f"| {cls} | {q[0]:.1f} | {q[2]} | {q[3]:.1f} | {q[4]:.1f} | "
                      f"{q[5]}/{q[6]} |")
        poison = sorted((q for q in rows if q[5] >= 3 and q[5] >= 0.5 * q[6]), reverse=True)
        print("poison leaves (class, deficit, tree, expected, seen, poison/all): " + "; ".join(
            f"{q[1]}, {q[0]:.1f}, t{q[2]}, {q[3]:.1f}, {q[4]:.1f}, {q[5]}/{q[6]}"
            for q in poison))


def group_study(zoos: list[str]) -> None:
    """ROC-AUC of per-leaf and grouped missing mass, per library and target."""
    rows = []
    for _, e, model, xc, classes in tree_models(zoos):
        records = [r for r in model.leaf_records(xc, 100) if r.strength > 0]
        stats = {"per leaf, top 10, 30 trees": missing_mass(
            [(r.cls, r.train, r.clean) for r in records if r.tree < 30], len(xc), classes)}
        for top in (3, 10, 30):
            for trees in (10, 30, 100):
                stats[f"grouped, top {top}, {trees} trees"] = grouped_mass(
                    [r for r in records if r.tree < trees], len(xc), classes, top=top)
        rows.append((e.arch, e.backdoored, e.target, stats))
    print("| library | target (+ clean) | models (backdoored) | mass | largest-class AUC | "
          "target-class AUC |")
    print("|---|---|---|---|---|---|")
    for arch in sorted({r[0] for r in rows}):
        for target in (0, 1, None):
            sel = [r for r in rows if r[0] == arch and (not r[1] or target in (None, r[2]))]
            truth = [int(r[1]) for r in sel]
            if len(set(truth)) < 2:
                continue
            for name in sel[0][3]:
                top = roc_auc_score(truth, [r[3][name].max() for r in sel])
                own = "–" if target is None else \
                    f"{roc_auc_score(truth, [r[3][name][target] for r in sel]):.3f}"
                print(f"| {arch} | {'all' if target is None else target} | {len(sel)} "
                      f"({sum(truth)}) | {name} | {top:.3f} | {own} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zoo", nargs="+", required=True)
    parser.add_argument("--trees", type=int, default=30)
    parser.add_argument("--group", action="store_true",
                        help="ROC-AUC of per-leaf against grouped missing mass")
    parser.add_argument("--leaves", nargs="+", default=None, metavar="NAME",
                        help="these backdoored models of the (one) zoo: largest leaf deficits")
    args = parser.parse_args()
    if args.leaves:
        leaves(args.zoo[0], args.leaves, args.trees)
        return
    if args.group:
        group_study(args.zoo)
        return
    print("| zoo | model | arch | target | poison rows | poison leaves (first "
          f"{args.trees} / all) | first tree | early leaves voting target | mass per class |")
    print("|---|---|---|---|---|---|---|---|---|")
    for zoo in args.zoo:
        for r in study(zoo, args.trees):
            mass = ", ".join(f"{m:.1f}" for m in r["mass"])
            if not r["backdoored"]:
                print(f"| {zoo} | {r['name']} | {r['arch']} | – | – | – | – | – | {mass} |")
                continue
            print(f"| {zoo} | {r['name']} | {r['arch']} | {r['target']} | {r['poison']} | "
                  f"{r['early']} / {r['leaves']} | {r['first']} | "
                  f"{r['votes_target']}/{r['early']} | {mass} |", flush=True)


if __name__ == "__main__":
    main()
