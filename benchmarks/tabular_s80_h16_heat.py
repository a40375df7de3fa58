"""A 200-row file's heat for a clean LightGBM, read against the model's own leaves and against
``depth_twins`` (issue 16 stop 80, h16).

Stop 79 found that the file a LightGBM is read with moves every model of a zoo up or down
together (a *file effect* on the clean logit) and named the next step: does a reference read on
the same file follow it? Two references are measured here, on spent readings only:

- ``twins``: stop 73's ``depth_twins`` readings (clean trees of the model's own depth trained on
  half the file): the twins' band logit (the shipped LightGBM 200-row entry on the twins' mean
  ``tab_box``, ``tab_mass_group``, ``tab_major_recur``, each the model's less its ``_twin``
  gap) beside the model's own, per model across its files and per file across models.
- ``heat``: the model's own leaves. Every leaf of the first ``MASS_TREES`` trees holds a share
  ``q`` of the training rows; a clean file of ``n`` rows drawn like them meets it ``Bin(n, q)``
  times, so the one-sided Poisson deficit the detector reads has an expectation ``g(q)`` that
  the model file alone gives. A file's *heat* for a model is the log of its summed deficits
  over their expectation: above 0 where the file misses the model's leaves more than a typical
  draw would. No ground truth and no detector search is read: a model and its file.

Each measure's *effect* is its per-model residual (the value less the model's mean over its
files), averaged per file: the file effect on the clean logit against the reference's.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s80_h16_heat.py twins --rows T.json...
    PYTHONPATH=src:benchmarks python benchmarks/tabular_s80_h16_heat.py heat \
        --rows READINGS.json... --zoo NAME=FOLDER... --out HEAT.json
    PYTHONPATH=src:benchmarks python benchmarks/tabular_s80_h16_heat.py effects --heat HEAT.json...
"""

from __future__ import annotations

import argparse
import json
import math
from collections import defaultdict
from functools import cache
from pathlib import Path

import numpy as np
import torch
from scipy.stats import binom, spearmanr
from sklearn.metrics import roc_auc_score

from tabular_s72_h16_why import read_files
from tabular_small_clean import draw
from tabular_user_rule import scored
from trojanscope.data import load_dataset
from trojanscope.detect.calibration import load_calibrators
from trojanscope.detect.tree_mass import deficit
from trojanscope.io.models import load_model

SHIPPED = Path("src/trojanscope/detect/calibration.json")
BAND = "tabular-search:tree:lightgbm:rows200"
BIG_SHARE = 0.05  # heat_big: leaves at least this large only
MASS_TREES = 30  # tabular-search's default ``mass_trees``: the leaves its mass features read
TWINNED = ("tab_box", "tab_mass_group", "tab_major_recur")  # the band entry's features


def logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


@cache
def expected_deficit(q: float, n: int) -> float:
    """E[deficit] of a leaf holding training share ``q`` met by ``n`` rows drawn like the
    training rows (``Bin(n, q)``; only draws under ``n q`` count, as :func:`deficit`)."""
    ks = np.arange(0, math.floor(n * q) + 1)
    if n * q <= 0 or len(ks) == 0:
        return 0.0
    pmf = binom.pmf(ks, n, q)
    return float(sum(p * deficit(q, k / n, n) for p, k in zip(pmf, ks, strict=True)))


def file_heat(model, x: np.ndarray) -> dict[str, float]:
    """The file's heat for ``model``: log(summed deficits / their expectation) over the leaves
    the detector's mass features read (first ``MASS_TREES`` trees, leaves pushing towards their
    class), overall and per class; ``heat_big`` over the leaves holding at least
    ``BIG_SHARE`` of the training rows only (too large for a trigger's poison, whose leaves
    hold about 1 %)."""
    records = [r for r in model.leaf_records(x, 10**9) if r.strength > 0 and r.tree < MASS_TREES]
    n = len(x)
    out: dict[str, float] = {}
    parts = [("all", records), ("big", [r for r in records if r.train >= BIG_SHARE])]
    for name, sel in parts + [(f"c{c}", [r for r in records if r.cls == c]) for c in (0, 1)]:
        seen = sum(deficit(r.train, r.clean, n) for r in sel)
        want = sum(expected_deficit(round(float(r.train), 6), n) for r in sel)
        out[f"heat_{name}"] = math.log(max(seen, 1e-9) / max(want, 1e-9))
    return out


def residuals(items: list[dict], keys: tuple[str, ...]) -> None:
    """``<key>_res``: each item's value less its model's mean over its files (in place)."""
    by_model = defaultdict(list)
    for r in items:
        by_model[(r["zoo"], r["name"])].append(r)
    for rs in by_model.values():
        for k in keys:
            mu = float(np.mean([r[k] for r in rs]))
            for r in rs:
                r[f"{k}_res"] = r[k] - mu


def effects(items: list[dict], ref: str) -> str:
    """Per reading and per file: the clean (and backdoored) logit residual against ``ref``'s."""
    lines = []
    for bd in (False, True):
        sel = [r for r in items if r["backdoored"] == bd]
        if len(sel) > 2:
            c = np.corrcoef([r["L_res"] for r in sel], [r[f"{ref}_res"] for r in sel])[0, 1]
            lines.append(f"per reading, {'backdoored' if bd else 'clean'} ({len(sel)}): "
                         f"Pearson(logit residual, {ref} residual) {c:.2f}")
    by_file = defaultdict(list)
    for r in items:
        by_file[(r["zoo"], r["draw"])].append(r)
    table = []
    for key, rs in sorted(by_file.items()):
        cl = [r for r in rs if not r["backdoored"]]
        bd = [r for r in rs if r["backdoored"]]
        if not cl:
            continue
        table.append((np.mean([r["L_res"] for r in cl]),
                      np.mean([r["L_res"] for r in bd]) if bd else float("nan"),
                      np.mean([r[f"{ref}_res"] for r in cl]),
                      np.mean([r[f"{ref}_res"] for r in rs]),
                      sum(r["probability"] >= 0.5 for r in cl), len(cl)))
        lines.append(f"  {key[0]}@{key[1]}: clean effect {table[-1][0]:+.2f} backdoored "
                     f"{table[-1][1]:+.2f}; {ref} (clean) {table[-1][2]:+.2f} (all) "
                     f"{table[-1][3]:+.2f}; clean flagged {table[-1][4]}/{table[-1][5]}")
    t = np.array(table)
    lines.append(
        f"per file ({len(t)}): clean effect against {ref} of the clean models Pearson "
        f"{np.corrcoef(t[:, 0], t[:, 2])[0, 1]:.2f} Spearman {spearmanr(t[:, 0], t[:, 2])[0]:.2f}")
    if not np.isnan(t[:, 1]).any():
        lines[-1] += (
            f"; against {ref} of every model {np.corrcoef(t[:, 0], t[:, 3])[0, 1]:.2f}; "
            f"backdoored effect against {ref} of every model "
            f"{np.corrcoef(t[:, 1], t[:, 3])[0, 1]:.2f}; clean against backdoored effect "
            f"{np.corrcoef(t[:, 0], t[:, 1])[0, 1]:.2f}")
    return "\n".join(lines)


def twins(args: argparse.Namespace) -> None:
    rows, _ = scored([{**r, "features": {"tab_minor_share": 0.25, **r["features"]}}
                      for r in read_files(args.rows)], args.shipped)
    band = load_calibrators(args.shipped)[BAND]
    for r in rows:
        f = r["features"]
        r["L"] = logit(r["probability"])
        r["twins"] = band.logit({k: f[k] - f[f"{k}_twin"] for k in TWINNED})
        r["own"] = band.logit(f)
    residuals(rows, ("L", "twins", "own"))
    print(f"{len(rows)} readings (tab_minor_share 0.25 where not read: credit-default's files "
          "hold 0.21 or more), scored by the shipped file")
    for bd in (False, True):
        sel = [r for r in rows if r["backdoored"] == bd]
        if len(sel) < 3:
            continue
        own, twin = [r["own"] for r in sel], [r["twins"] for r in sel]
        print(f"{'backdoored' if bd else 'clean'}: mean band logit own {np.mean(own):+.2f} "
              f"twins {np.mean(twin):+.2f}, Pearson over readings "
              f"{np.corrcoef(own, twin)[0, 1]:.2f}")
    print(effects(rows, "twins"))


def zoo_folders(pairs: list[str]) -> dict[str, Path]:
    out = {}
    for p in pairs:
        name, _, folder = p.partition("=")
        if not folder or not Path(folder).is_dir():
            raise SystemExit(f"error: --zoo {p}: expected NAME=FOLDER with FOLDER a zoo")
        out[name] = Path(folder)
    return out


def heat(args: argparse.Namespace) -> None:
    torch.set_num_threads(1)
    rows, _ = scored(read_files(args.rows), args.shipped)
    zoos = zoo_folders(args.zoo)
    test = load_dataset("credit-default", "test")
    y_all = test.y.numpy()
    files, models, out = {}, {}, []
    for r in rows:
        if r["arch"] != "lightgbm" or r["table"] != "credit-default" or r["zoo"] not in zoos:
            continue
        if r["draw"] not in files:
            idx = draw(len(test), y_all, 200, r["draw"], 0)
            files[r["draw"]] = (test.x[torch.as_tensor(idx)].numpy().reshape(len(idx), -1),
                                y_all[idx])
        x, y = files[r["draw"]]
        if int(y.sum()) != r["others"][0]:
            raise SystemExit(f"error: {r['zoo']}/{r['name']}@{r['draw']}: the re-drawn file "
                             "is not the one read")
        mk = (r["zoo"], r["name"])
        if mk not in models:
            models[mk] = load_model(zoos[r["zoo"]] / r["name"]).module
        out.append({k: r[k] for k in ("zoo", "name", "draw", "backdoored", "target",
                                      "probability", "predicted_target")}
                   | file_heat(models[mk], x))
        print(f"{r['zoo']} {r['name']}@{r['draw']} p {r['probability']:.3f} "
              f"heat {out[-1]['heat_all']:+.3f}", flush=True)
    args.out.write_text(json.dumps(out, indent=0) + "\n")
    print(f"wrote {args.out}: {len(out)} readings of {len(models)} models, {len(files)} files")


def heat_effects(args: argparse.Namespace) -> None:
    items = [r for p in args.heat for r in json.loads(Path(p).read_text())]
    for r in items:
        r["L"] = logit(r["probability"])
    keys = tuple(k for k in items[0] if k.startswith("heat_"))
    residuals(items, ("L", *keys))
    for k in keys:
        lv = {bd: [r[k] for r in items if r["backdoored"] == bd] for bd in (False, True)}
        auc = roc_auc_score([0] * len(lv[False]) + [1] * len(lv[True]), lv[False] + lv[True])
        print(f"== {k}: median clean {np.median(lv[False]):+.3f}, backdoored "
              f"{np.median(lv[True]):+.3f}; ROC-AUC of the level alone (backdoored against "
              f"clean) {auc:.3f}")
        print(effects(items, k))


def traits_of(x: np.ndarray, y: np.ndarray, full: np.ndarray) -> dict[str, float]:
    """Model-free traits of one file (``full``: the split it is drawn from): its class-1 rows,
    duplicated rows, the distinct values of the split's few-valued (categorical) columns it
    holds, and how many of each many-valued column's split deciles it leaves empty."""
    few = [j for j in range(full.shape[1]) if len(np.unique(full[:, j])) <= 12]
    many = [j for j in range(full.shape[1]) if j not in few]
    empty = 0
    for j in many:
        edges = np.unique(np.quantile(full[:, j], np.linspace(0, 1, 11)[1:-1]))
        empty += len(edges) + 1 - len(np.unique(np.searchsorted(edges, x[:, j])))
    return {"class1_rows": float(y.sum()),
            "duplicated_rows": float(len(x) - len(np.unique(x, axis=0))),
            "categories_held": float(sum(len(np.unique(x[:, j])) for j in few)),
            "rare_categories": float(sum(
                (np.isin(x[:, j], [v for v in np.unique(full[:, j])
                                   if np.mean(full[:, j] == v) < 0.02])).sum() for j in few)),
            "empty_deciles": float(empty)}


def file_traits(args: argparse.Namespace) -> None:
    rows, _ = scored(read_files(args.rows), args.shipped)
    rows = [r for r in rows if r["arch"] == "lightgbm" and r["table"] == "credit-default"]
    for r in rows:
        r["L"] = logit(r["probability"])
    residuals(rows, ("L",))
    test = load_dataset("credit-default", "test")
    full = test.x.numpy().reshape(len(test), -1)
    y_all = test.y.numpy()
    by_file = defaultdict(list)
    for r in rows:
        by_file[(r["zoo"], r["draw"])].append(r)
    table = []
    for (zoo, seed), rs in sorted(by_file.items()):
        idx = draw(len(test), y_all, 200, seed, 0)
        t = traits_of(full[idx], y_all[idx], full)
        cl = [r for r in rs if not r["backdoored"]]
        eff = float(np.mean([r["L_res"] for r in cl]))
        table.append((eff, t))
        print(f"{zoo}@{seed}: clean effect {eff:+.2f} ({sum(r['probability'] >= 0.5 for r in cl)}"
              f"/{len(cl)} flagged) " + " ".join(f"{k} {v:g}" for k, v in t.items()))
    eff = [e for e, _ in table]
    for k in table[0][1]:
        v = [t[k] for _, t in table]
        rho = f"{spearmanr(eff, v)[0]:+.2f}" if len(set(v)) > 1 else f"none (every file {v[0]:g})"
        print(f"per file ({len(table)}): clean effect against {k}: Spearman {rho}")


def readme_line(args: argparse.Namespace) -> None:
    """The README line's readings (``tabular_s68_h16_readme200.py`` rows): per recipe the
    readings flagged, the right targets among them, the models flagged on a file; ROC-AUC and
    CE over both recipes, by the probabilities as read."""
    rows = [r for p in args.rows for r in json.loads(Path(p).read_text())["rows"]]

    def right(hit: list[dict]) -> str:
        bd = [r for r in hit if r["backdoored"]]
        return f", target right {sum(r['predicted_target'] == r['target'] for r in bd)}" if bd \
            else ""
    for zoo in sorted({r["zoo"] for r in rows}):
        mine = [r for r in rows if r["zoo"] == zoo]
        hit = [r for r in mine if r["probability"] >= 0.5]
        print(f"{zoo}: {len(hit)} of {len(mine)} readings flagged ("
              f"{len({r['name'] for r in hit})} of {len({r['name'] for r in mine})} models on a "
              f"file){right(hit)}; median CPU s {np.median([r['cpu_s'] for r in mine]):.2f}")
    y = [r["backdoored"] for r in rows]
    p = np.clip([r["probability"] for r in rows], 1e-12, 1 - 1e-12)
    ce = -float(np.mean([math.log(q if b else 1 - q) for q, b in zip(p, y, strict=True)]))
    print(f"both ({len(rows)} readings): ROC-AUC {roc_auc_score(y, p):.3f} CE {ce:.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("twins", help="depth_twins' band logit against the file effect")
    t.add_argument("--rows", nargs="+", required=True)
    t.add_argument("--shipped", type=Path, default=SHIPPED)
    h = sub.add_parser("heat", help="each reading's file heat from its model's leaves")
    h.add_argument("--rows", nargs="+", required=True)
    h.add_argument("--zoo", nargs="+", required=True, metavar="NAME=FOLDER")
    h.add_argument("--shipped", type=Path, default=SHIPPED)
    h.add_argument("--out", type=Path, required=True)
    f = sub.add_parser("traits", help="model-free file traits against the file effect")
    f.add_argument("--rows", nargs="+", required=True)
    f.add_argument("--shipped", type=Path, default=SHIPPED)
    r = sub.add_parser("line", help="the README line's readings, summed")
    r.add_argument("--rows", nargs="+", required=True)
    e = sub.add_parser("effects", help="the heat against the file effect")
    e.add_argument("--heat", nargs="+", required=True)
    args = ap.parse_args()
    {"twins": twins, "heat": heat, "traits": file_traits, "effects": heat_effects,
     "line": readme_line}[args.cmd](args)


if __name__ == "__main__":
    main()
