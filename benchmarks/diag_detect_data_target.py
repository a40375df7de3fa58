"""Issue 13, stop 32b: why sparse-pixel 20% sets towards class 3 are missed (diagnosis only).

Part 1 (``--trigger``): the sparse trigger (``PixelsTrigger()``, the ``sparse`` attack's
default: the same 15 pixels on every set) against the clean digits of the bundled 4,000-image
MNIST training split: per class, the share of the trigger's pixels a clean digit already shows
(within 0.5 of the trigger's value), the share of its white pixels lit, and how far the trigger
moves a digit towards each class's mean image.

Part 2 (``SEED_BASE:CACHE`` arguments): ``auto`` as shipped (or with ``--param k=v``) on set 11
(sparse 20% all-to-one) of ``bench_detect_data.sets(SEED_BASE)`` with the cached feature model
(``bench_detect_data_cache.py``), and where its carriers sit: the verdict's classes, whether
the target class is among them (so: verdict or flagging step), and for missed and caught
carriers their early agreement, own-label probability after confusion training, and distance
to the target class's clean cloud in the penultimate features (in units of the clean samples'
median distance to their own centroid), plus the carriers' source classes.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
from bench_detect_data import cached_features, poisoned_sets
from trojanscope.data import load_dataset
from trojanscope.detect.data.auto import KNN_DIMS, AutoData
from trojanscope.detect.data.neighbours import neighbour_votes, outside_purity
from trojanscope.detect.data.run import detect_data
from trojanscope.detect.data.stats import top_components
from trojanscope.triggers.pixels import PixelsTrigger

N_SET = 4000  # samples in each set (the bundled MNIST training split)


def trigger_table() -> list[dict]:
    """Per clean class: how much of the default sparse trigger its digits show already."""
    train = load_dataset("mnist", "train")
    x, y = train.x.numpy()[:, 0], train.y.numpy()
    rows, cols, values = PixelsTrigger().positions(28, 28)
    pix = x[:, rows, cols]  # (n, 15)
    white = values == 1.0
    trig = torch.from_numpy(x[:, None]).clone()
    trig = PixelsTrigger().apply(trig).numpy()[:, 0]
    means = np.stack([x[y == k].mean(0) for k in range(10)])
    out = []
    for k in range(10):
        m = y == k
        d0 = ((x[m][:, None] - means[None]) ** 2).sum((2, 3)) ** 0.5  # (n_k, 10)
        d1 = ((trig[m][:, None] - means[None]) ** 2).sum((2, 3)) ** 0.5
        out.append(
            {
                "class": k,
                "n": int(m.sum()),
                "match": float((np.abs(pix[m] - values) < 0.5).mean()),
                "white_lit": float((pix[m][:, white] > 0.5).mean()),
                "white_mean": [round(float(v), 2) for v in pix[m][:, white].mean(0)],
                "l1_change": float(np.abs(trig[m] - x[m]).sum((1, 2)).mean()),
                "towards": [round(float(v), 3) for v in (d0 - d1).mean(0)],
            }
        )
    return out


def quant(a: np.ndarray) -> list[float] | None:
    return [round(float(v), 2) for v in np.percentile(a, [10, 50, 90])] if len(a) else None


def diagnose(base: int, cache: Path, params: dict) -> dict:
    """One sparse 20% set: the verdict and where its missed and caught carriers sit."""
    train_y = load_dataset("mnist", "train").y.numpy()
    ((s, data, poison, name),) = poisoned_sets(base, "11")
    det = AutoData(**params)
    feats = cached_features(data, cache, name)
    r = detect_data(data, method=det, features=feats)
    labels, t = data.labels.numpy(), s["target"]
    flagged = np.zeros(len(poison), bool)
    flagged[r.flagged] = True
    ev = r.details["evidence"]
    verdict = det.set_verdict()
    miss, caught = poison & ~flagged, poison & flagged
    clean_t = (labels == t) & ~poison
    f = feats.features.numpy()
    centre = f[clean_t].mean(0)
    scale = np.median(np.linalg.norm(f[clean_t] - centre, axis=1))
    dist = np.linalg.norm(f - centre, axis=1) / scale
    pred = feats.logits.numpy().argmax(1)
    src = train_y  # the clean labels: the poisoned view keeps the split's order
    assert (src[~poison] == labels[~poison]).all()
    # the early view auto's neighbour vote reads; in the target class: each sample's outside
    # purity (largest single-label share of its 20 nearest samples of other labels) and the
    # share of its 20 nearest samples that auto flagged
    emb = top_components(feats.early, KNN_DIMS, det.seed)
    rows = torch.from_numpy(np.flatnonzero(labels == t))
    purity = np.zeros(len(labels))
    purity[rows.numpy()] = outside_purity(emb, feats.labels, rows, det.k).numpy()
    near_flag = neighbour_votes(emb, torch.from_numpy(flagged.astype(np.int64)), det.k)
    near_flag = (near_flag[:, 1] / det.k).numpy()
    unfl_t = (labels == t) & ~flagged
    cuts = {
        f"purity>={c}": [
            int((miss & (purity >= c)).sum()),
            int((clean_t & unfl_t & (purity >= c)).sum()),
        ]
        for c in (0.8, 0.9, 1.0)
    }
    cuts.update(
        {
            f"near_flagged>={c}": [
                int((miss & (near_flag >= c)).sum()),
                int((clean_t & unfl_t & (near_flag >= c)).sum()),
            ]
            for c in (0.3, 0.5, 0.7)
        }
    )
    pure = purity >= 1.0  # with own-label probability after confusion over each cut
    cuts.update(
        {
            f"pure&confusion>{c}": [
                int((miss & pure & (det.confused > c)).sum()),
                int((clean_t & unfl_t & pure & (det.confused > c)).sum()),
            ]
            for c in (0.3, 0.35, 0.4, 0.45, 0.5)
        }
    )
    return {
        "set": name,
        "target": t,
        "poisoned": bool(verdict.poisoned),
        "classes": list(verdict.classes),
        "kind": "infected"
        if t in ev["infected"]
        else ("suspect" if t in ev["suspect"] else "none"),
        "tpr": round(float(caught.sum() / poison.sum()), 3),
        "fpr": round(float((flagged & ~poison).sum() / (~poison).sum()), 4),
        "missed": int(miss.sum()),
        "flags_outside_target": int((flagged & (labels != t)).sum()),
        "fits": round(float((pred[poison] == t).mean()), 3),
        "agree": {
            "missed": quant(det.agree[miss]),
            "caught": quant(det.agree[caught]),
            "clean_t": quant(det.agree[clean_t]),
        },
        "confusion": {
            "missed": quant(det.confused[miss]),
            "caught": quant(det.confused[caught]),
            "clean_t_unflagged": quant(det.confused[clean_t & ~flagged]),
        },
        "distance": {
            "missed": quant(dist[miss]),
            "caught": quant(dist[caught]),
            "clean_t": quant(dist[clean_t]),
        },
        "purity": {
            "missed": quant(purity[miss]),
            "caught": quant(purity[caught]),
            "clean_t_unflagged": quant(purity[clean_t & unfl_t]),
        },
        "near_flagged": {
            "missed": quant(near_flag[miss]),
            "clean_t_unflagged": quant(near_flag[clean_t & unfl_t]),
        },
        "unflagged_target_over_cut": cuts,  # [missed carriers, clean samples] over each cut
        "missed_by_source": np.bincount(src[miss], minlength=10).tolist(),
        "carriers_by_source": np.bincount(src[poison], minlength=10).tolist(),
    }


def summary(out: dict) -> None:
    """Markdown rows from a saved run: per set (target 3 first, then by TPR), and the miss
    rate of the carriers by source class, target-3 sets against the others."""
    sets = sorted(out["sets"], key=lambda r: (r["target"] != 3, r["tpr"]))
    print(
        "| set | verdict | TPR / FPR | missed (from 1) | agreement missed / caught | "
        "confusion missed / clean unflagged | distance missed / caught / clean | "
        "purity missed / clean unflagged | near flagged missed / clean unflagged | "
        "near flagged >= 0.5: carriers / clean |"
    )
    print("|---" * 10 + "|")
    med = lambda q: "-" if q is None else f"{q[1]:.2f}"  # noqa: E731
    for r in sets:
        m = r["missed_by_source"]
        print(
            f"| {r['set'].split()[-2]} {r['set'].split()[-1]} | {r['kind']} {r['classes']} | "
            f"{r['tpr']:.3f} / {r['fpr']:.4f} | {r['missed']} ({m[1]}) | "
            f"{med(r['agree']['missed'])} / {med(r['agree']['caught'])} | "
            f"{med(r['confusion']['missed'])} / {med(r['confusion']['clean_t_unflagged'])} | "
            f"{med(r['distance']['missed'])} / {med(r['distance']['caught'])} / "
            f"{med(r['distance']['clean_t'])} | "
            f"{med(r['purity']['missed'])} / {med(r['purity']['clean_t_unflagged'])} | "
            f"{med(r['near_flagged']['missed'])} / "
            f"{med(r['near_flagged']['clean_t_unflagged'])} | "
            f"{r['unflagged_target_over_cut']['near_flagged>=0.5'][0]} / "
            f"{r['unflagged_target_over_cut']['near_flagged>=0.5'][1]} |"
        )
    for name, group in (
        ("target 3", [r for r in sets if r["target"] == 3]),
        ("other targets", [r for r in sets if r["target"] != 3]),
    ):
        missed = np.sum([r["missed_by_source"] for r in group], axis=0)
        carriers = np.sum([r["carriers_by_source"] for r in group], axis=0)
        rate = ", ".join(
            f"{k}: {missed[k]}/{carriers[k]} ({missed[k] / max(carriers[k], 1):.1%})"
            for k in range(10)
        )
        print(f"\n{name} ({len(group)} sets), missed carriers by source class: {rate}")
    by_target = {}
    for r in sets:
        got = by_target.setdefault(r["target"], [0, 0, 0])
        got[0] += 1
        got[1] += r["missed_by_source"][1]
        got[2] += r["carriers_by_source"][1]
    print(
        "\ntriggered 1s missed, by target: "
        + ", ".join(f"t{t} ({n} sets) {m}/{c}" for t, (n, m, c) in sorted(by_target.items()))
    )
    suspect = [r for r in sets if r["kind"] == "suspect"]
    sums = (
        {
            k: np.sum([r["unflagged_target_over_cut"][k] for r in suspect], axis=0).tolist()
            for k in suspect[0]["unflagged_target_over_cut"]
        }
        if suspect
        else {}
    )
    print(
        f"\nunflagged target-class samples over each cut, summed over the {len(suspect)} sets "
        f"whose target is suspect ([missed carriers, clean samples]): {sums}"
    )
    print(f"missed carriers on all {len(sets)} sets: {sum(r['missed'] for r in sets)}")


def compare(base: dict, other: dict) -> None:
    """Markdown rows: TPR / FPR of two saved runs on the same sets, and the carriers and clean
    samples the second flags more (from the rounded rates: exact for 720 carriers / 3,280
    clean samples)."""
    after = {r["set"]: r for r in other["sets"]}
    rows = sorted(base["sets"], key=lambda r: (r["target"] != 3, r["tpr"]))
    print(
        "| set | as shipped: TPR / FPR | with the parameters: TPR / FPR | carriers / clean added |"
    )
    print("|---|---|---|---|")
    for r in rows:
        o = after[r["set"]]
        n = sum(r["carriers_by_source"])
        clean = N_SET - n
        print(
            f"| {' '.join(r['set'].split()[-2:])} | {r['tpr']:.3f} / {r['fpr']:.4f} | "
            f"{o['tpr']:.3f} / {o['fpr']:.4f} | {round((o['tpr'] - r['tpr']) * n):+d} / "
            f"{round((o['fpr'] - r['fpr']) * clean):+d} |"
        )
    print(
        f"\nsets under TPR 0.95: {sum(r['tpr'] < 0.95 for r in rows)} -> "
        f"{sum(o['tpr'] < 0.95 for o in after.values())}; highest FPR "
        f"{max(r['fpr'] for r in rows):.4f} -> {max(o['fpr'] for o in after.values()):.4f}"
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("sets", nargs="*", help="SEED_BASE:CACHE (set 11 of sets(SEED_BASE))")
    p.add_argument("--trigger", action="store_true", help="part 1: the trigger per class")
    p.add_argument("--param", action="append", default=[], help="auto parameter k=v (JSON v)")
    p.add_argument("--json", type=Path, help="write the results here too")
    p.add_argument("--summary", type=Path, help="print the tables of a saved --json run")
    p.add_argument("--compare", type=Path, nargs=2, help="two saved runs: the flags they differ by")
    a = p.parse_args()
    torch.set_num_threads(1)
    if a.compare:
        compare(*(json.loads(f.read_text()) for f in a.compare))
        return
    if a.summary:
        summary(json.loads(a.summary.read_text()))
        return
    params = {k: json.loads(v) for k, v in (kv.split("=", 1) for kv in a.param)}
    out: dict = {"params": params}
    if a.trigger:
        out["trigger"] = trigger_table()
        for row in out["trigger"]:
            print(json.dumps(row), flush=True)
    out["sets"] = []
    for spec in a.sets:
        base, cache = spec.split(":", 1)
        row = diagnose(int(base), Path(cache), params)
        out["sets"].append(row)
        print(json.dumps(row), flush=True)
    if a.json:
        a.json.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
