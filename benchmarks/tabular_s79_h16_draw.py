"""What in a zoo's draw sets LightGBM's clean 200-row flag rate (issue 16 stop 79, h16).

The same recipe flagged 6 clean credit-default LightGBM readings of 42 on zoo 6500 and 23 of
42 on 5990. A zoo's draw is its models (each drawn a depth, a number of rounds and a learning
rate, then trained with its own seed) and its three 200-row files (drawn from the table's test
split with the zoo's draw seeds). This script reads, on spent LightGBM 200-row readings:

``traits``: each reading beside its model's traits as the model file shows them (LightGBM's
``parameters:`` block: ``max_depth``, ``num_iterations``, ``learning_rate``; the trees and
their mean leaves counted in the file), its file's (the class-1 rows) and the model on its
file (its recall of each class, from the reading; the spread of its raw scores on the file's
rows, re-drawn as ``tabular_small_clean.draw`` drew them): JSON to ``--out``.

``bins``: clean credit-default flag rates by trait bin, and per zoo the rate each binning
expects from the other zoos' readings (one zoo out): does the zoo's draw of traits say how many
of its clean trees are flagged?

``cross``: the crossed reading: one zoo's clean LightGBM models read on another zoo's three
files (``--cross``: ``tabular_small_clean.py`` rows of a copy of zoo ``Z``'s clean LightGBM
models named ``Zc``), beside their own readings (``--own``), all scored by ``--shipped``: a
table of flag rates (models of zoo X on the files of zoo Y) and :func:`files_test`. If the
files set the rate, the rate follows the files; if the models do, it follows the models.

``expect``: the clean LightGBM flag rate each binning of ``bins`` expects for a zoo from its
model files' traits (and, with ``--rows``, the rate read).

``bar``: the scorer's bar raised by ``delta`` logits for the readings of one trait bin (a
trait the model file shows), each ``delta`` tried: clean flags taken away, backdoored readings
and models lost (a backdoored model D flags on two files or more and C on fewer), to see whether
a bar keyed to a trait can hold "none lost".

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s79_h16_draw.py traits --rows R200.json... \
        --zoos ZOO_FOLDER... --out TRAITS.json
    PYTHONPATH=src:benchmarks python benchmarks/tabular_s79_h16_draw.py bins --traits TRAITS.json
    PYTHONPATH=src:benchmarks python benchmarks/tabular_s79_h16_draw.py cross --own R200.json... \
        --cross X.json...
    PYTHONPATH=src:benchmarks python benchmarks/tabular_s79_h16_draw.py bar --traits TRAITS.json
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from tabular_s64_h16_rule import CD
from tabular_s72_h16_why import read_files
from tabular_s77_h16_wide import wide_rows
from tabular_small_clean import draw
from tabular_user_rule import scored
from trojanscope.data import load_dataset
from trojanscope.io.models import load_model
from trojanscope.zoo import read_truth

FILE_PARAMS = {"max_depth": int, "num_iterations": int, "learning_rate": float}


def file_traits(text: str) -> dict[str, float]:
    """What a LightGBM text model shows of its training: ``max_depth``, ``num_iterations`` and
    ``learning_rate`` from its ``parameters:`` block (absent in a file saved without it: NaN),
    the trees it holds and their mean leaves."""
    out: dict[str, float] = {}
    for name, cast in FILE_PARAMS.items():
        found = re.search(rf"^\[{name}: ([^\]]+)\]$", text, re.M)
        out[name] = float(cast(found.group(1))) if found else float("nan")
    leaves = [int(x) for x in re.findall(r"^num_leaves=(\d+)$", text, re.M)]
    out["trees"] = float(len(leaves))
    out["leaves_mean"] = float(np.mean(leaves)) if leaves else float("nan")
    return out


def zoo_folders(paths: list[str]) -> dict[str, Path]:
    """Zoo name -> folder (the first folder given with that name)."""
    out: dict[str, Path] = {}
    for p in paths:
        out.setdefault(Path(p).name, Path(p))
    return out


def traits(args: argparse.Namespace) -> None:
    rows = wide_rows(args.rows, args.shipped)
    zoos = zoo_folders(args.zoos)
    tests: dict[str, object] = {}
    files: dict[tuple[str, int], tuple[np.ndarray, np.ndarray]] = {}
    models: dict[tuple[str, str], tuple[object, dict]] = {}
    out = []
    for r in rows:
        table = r["table"]
        if table not in tests:
            tests[table] = load_dataset(table, "test")
        test = tests[table]
        if (table, r["draw"]) not in files:
            y_all = test.y.numpy()
            idx = draw(len(test), y_all, 200, r["draw"], 0)
            files[(table, r["draw"])] = (
                test.x[torch.as_tensor(idx)].numpy().reshape(len(idx), -1), y_all[idx])
        x, y = files[(table, r["draw"])]
        if int(y.sum()) != r["others"][0]:
            raise SystemExit(f"error: {r['zoo']}/{r['name']}@{r['draw']}: the re-drawn file "
                             "is not the one read")
        mk = (r["zoo"], r["name"])
        if mk not in models:
            folder = zoos[r["zoo"]] / r["name"]
            models[mk] = (load_model(folder).module,
                          file_traits((folder / "model.lightgbm.txt").read_text()))
        model, shown = models[mk]
        p = np.clip(model.predict_proba(x)[:, 1], 1e-7, 1 - 1e-7)
        raw = np.log(p / (1 - p))
        s, o = r["sources"], r["others"]
        out.append({
            "zoo": r["zoo"], "name": r["name"], "draw": r["draw"], "table": table,
            "backdoored": r["backdoored"], "target": r["target"], "p": r["probability"],
            "predicted_target": r["predicted_target"], **shown,
            "class1_rows": o[0], "recall1": s[0] / o[0], "recall0": s[1] / o[1],
            "abs_raw": float(np.abs(raw).mean()), "raw_sd": float(raw.std()),
            "sure": float(np.mean((p < 0.05) | (p > 0.95)))})
    args.out.write_text(json.dumps(out, indent=0) + "\n")
    print(f"wrote {args.out}: {len(out)} readings of {len(models)} models, {len(files)} files")


# -- bins -------------------------------------------------------------------------------------

BINNINGS: dict[str, Callable[[dict], object]] = {
    "none": lambda t: 0,
    "depth": lambda t: int(t["max_depth"]),
    "rounds": lambda t: int(t["num_iterations"]),
    "rate": lambda t: t["learning_rate"],
    "depth x rounds": lambda t: (int(t["max_depth"]), int(t["num_iterations"])),
    "deep (6+) x rounds": lambda t: (t["max_depth"] >= 6, int(t["num_iterations"])),
    "deep (6+) x 200+ rounds": lambda t: (t["max_depth"] >= 6, t["num_iterations"] >= 200),
    "mean leaves (bins of 4)": lambda t: min(int(t["leaves_mean"] // 4), 7),
    "mean |raw| (bins of 0.25)": lambda t: int(t["abs_raw"] * 4),
    "class-1 rows (bins of 5)": lambda t: t["class1_rows"] // 5,
}
TRAITS = ("max_depth", "num_iterations", "learning_rate", "trees", "leaves_mean", "abs_raw",
          "raw_sd", "sure", "recall0", "recall1", "class1_rows")


def flags(sel: list[dict]) -> str:
    n = sum(t["p"] >= 0.5 for t in sel)
    return f"{n}/{len(sel)} ({n / len(sel):.0%})" if sel else "-"


def auc(sel: list[dict], trait: str, positive: Callable[[dict], bool]) -> float:
    """ROC-AUC of ``trait`` for ``positive`` readings against the rest (ties: mid-rank)."""
    from scipy.stats import rankdata

    v = rankdata([t[trait] for t in sel])
    lab = np.asarray([positive(t) for t in sel])
    n1, n0 = int(lab.sum()), int((~lab).sum())
    return float((v[lab].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)) if n1 and n0 else float("nan")


def clean_cd(rows: list[dict]) -> list[dict]:
    return [t for t in rows if t["table"] == CD and not t["backdoored"]]


def bins(args: argparse.Namespace) -> None:
    rows = json.loads(args.traits.read_text())
    clean = clean_cd(rows)
    bad = [t for t in rows if t["table"] == CD and t["backdoored"]]
    zoos = sorted({t["zoo"] for t in clean})
    print(f"{len(clean)} clean credit-default LightGBM readings of "
          f"{len({(t['zoo'], t['name']) for t in clean})} models in {len(zoos)} zoos; "
          f"{len(bad)} backdoored")
    print("\nROC-AUC of each trait: clean flagged against clean not flagged | backdoored against "
          "clean | flagged backdoored against flagged clean")
    fl = [t for t in clean + bad if t["p"] >= 0.5]
    for k in TRAITS:
        print(f"  {k:15s} {auc(clean, k, lambda t: t['p'] >= 0.5):.3f} | "
              f"{auc(clean + bad, k, lambda t: t['backdoored']):.3f} | "
              f"{auc(fl, k, lambda t: t['backdoored']):.3f}")
    print("\nclean flagged by depth x rounds (the model file's max_depth, num_iterations); "
          "backdoored caught beside")
    for d in sorted({int(t["max_depth"]) for t in clean}):
        def cell(sel: list[dict], n: int, d: int = d) -> list[dict]:
            return [t for t in sel if t["max_depth"] == d and t["num_iterations"] == n]
        cells = [f"{n}: {flags(cell(clean, n))} [{flags(cell(bad, n))}]"
                 for n in sorted({int(t["num_iterations"]) for t in clean})]
        print(f"  depth {d}: " + "; ".join(cells))
    print("\nclean flagged by learning rate: " + "; ".join(
        f"{v:g}: {flags([t for t in clean if t['learning_rate'] == v])}"
        for v in sorted({t["learning_rate"] for t in clean})))
    print("\nper zoo: its clean flag rate, its models' draw, and the rate each binning expects "
          "from the other zoos (one zoo out)")
    err: dict[str, list[float]] = {k: [] for k in BINNINGS}
    for z in zoos:
        mine = [t for t in clean if t["zoo"] == z]
        rest = [t for t in clean if t["zoo"] != z]
        got = sum(t["p"] >= 0.5 for t in mine) / len(mine)
        models = {t["name"]: t for t in mine}.values()
        draw_line = ", ".join(f"{k} {dict(sorted(Counter(int(m[k]) for m in models).items()))}"
                              for k in ("max_depth", "num_iterations"))
        parts = []
        for name, f in BINNINGS.items():
            by: dict[object, list[bool]] = {}
            for t in rest:
                by.setdefault(f(t), []).append(t["p"] >= 0.5)
            pool = float(np.mean([t["p"] >= 0.5 for t in rest]))
            exp = float(np.mean([np.mean(by[f(t)]) if f(t) in by else pool for t in mine]))
            err[name].append(exp - got)
            parts.append(f"{exp:.2f}")
        per_file = ", ".join(flags([t for t in mine if t["draw"] == d])
                             for d in sorted({t["draw"] for t in mine}))
        print(f"  {z:16s} {flags(mine):14s} files {per_file}; {draw_line}")
        print(f"  {'':16s} expected: "
              + ", ".join(f"{n} {v}" for n, v in zip(BINNINGS, parts, strict=True)))
    print("\nerror of the expected zoo rate, one zoo out (RMSE / largest)")
    for name in BINNINGS:
        e = np.asarray(err[name])
        print(f"  {name:28s} {np.sqrt(np.mean(e ** 2)):.3f} / {np.abs(e).max():.3f}")
    lp = [(t["zoo"], t["name"], t["draw"], float(np.log(t["p"] / (1 - t["p"])))) for t in clean]
    print("\nclean logit p, per zoo: model and file effects (two-way, additive)")
    ss = {"zoo": 0.0, "model": 0.0, "file": 0.0, "left": 0.0}
    grand = float(np.mean([v for *_, v in lp]))
    for z in zoos:
        names = sorted({n for zz, n, _, _ in lp if zz == z})
        draws = sorted({d for zz, _, d, _ in lp if zz == z})
        m = np.asarray([[next(v for zz, nn, dd, v in lp if zz == z and nn == n and dd == d)
                         for d in draws] for n in names])
        g = m.mean()
        me, fe = m.mean(1) - g, m.mean(0) - g
        left = m - g - me[:, None] - fe[None, :]
        ss["zoo"] += m.size * (g - grand) ** 2
        ss["model"] += float((me ** 2).sum()) * len(draws)
        ss["file"] += float((fe ** 2).sum()) * len(names)
        ss["left"] += float((left ** 2).sum())
        print(f"  {z:16s} mean {g:+.2f}; files {' '.join(f'{v:+.2f}' for v in fe)}; model sd "
              f"{me.std():.2f}; left sd {left.std():.2f}")
    total = sum(ss.values())
    print("  sums of squares: "
          + ", ".join(f"{k} {v:.1f} ({v / total:.0%})" for k, v in ss.items()))


def expect(args: argparse.Namespace) -> None:
    """The clean LightGBM flag rate each binning of the model file's traits expects for a
    zoo's clean LightGBM models (``--zoo``), from the readings of ``--traits``; with
    ``--rows``, that zoo's readings beside (their rate as ``--shipped`` scores them)."""
    rows = clean_cd(json.loads(args.traits.read_text()))
    _, listed = read_truth(args.zoo)
    models = [e for e in listed if e.arch == "lightgbm" and not e.backdoored]
    shown = [file_traits((args.zoo / e.name / "model.lightgbm.txt").read_text())
             for e in models]
    print(f"{args.zoo.name}: {len(models)} clean LightGBM models; max_depth "
          f"{dict(sorted(Counter(int(t['max_depth']) for t in shown).items()))}, num_iterations "
          f"{dict(sorted(Counter(int(t['num_iterations']) for t in shown).items()))}")
    pool = float(np.mean([t["p"] >= 0.5 for t in rows]))
    for name in ("none", "depth", "rounds", "depth x rounds", "deep (6+) x 200+ rounds"):
        f = BINNINGS[name]
        by: dict[object, list[bool]] = {}
        for t in rows:
            by.setdefault(f(t), []).append(t["p"] >= 0.5)
        exp = float(np.mean([np.mean(by[f(t)]) if f(t) in by else pool for t in shown]))
        print(f"  expected by {name}: {exp:.2f}")
    if args.rows:
        got = [r for r in scored(read_files(args.rows), args.shipped)[0]
               if r["zoo"] == args.zoo.name and not r["backdoored"]
               and r["family"].split(":")[1] == "lightgbm"]
        print(f"  read: {sum(r['probability'] >= 0.5 for r in got)}/{len(got)} "
              f"({rate(got):.2f})")


# -- cross ------------------------------------------------------------------------------------


def cross_cells(own: list[dict], crossed: list[dict]) -> tuple[dict, dict]:
    """(model zoo, file zoo) -> the clean credit-default LightGBM readings of that zoo's
    models on that zoo's files; and each file zoo's draw seeds. ``own``: readings of zoos on
    their own files; ``crossed``: readings of a copy of zoo ``Z``'s models named ``Zc``."""
    files_of: dict[str, set[int]] = {}
    cells: dict[tuple[str, str], list[dict]] = {}
    mine = [r for r in own if r["table"] == CD and not r["backdoored"]
            and r["family"].split(":")[1] == "lightgbm"]
    for r in mine:
        files_of.setdefault(r["zoo"], set()).add(r["draw"])
    homes = {r["zoo"].removesuffix("c") for r in crossed}
    for r in mine:
        if r["zoo"] in homes:
            cells.setdefault((r["zoo"], r["zoo"]), []).append(r)
    for r in crossed:
        if r["backdoored"]:
            continue
        fz = [z for z, d in files_of.items() if r["draw"] in d]
        if len(fz) != 1:
            raise SystemExit(f"error: draw {r['draw']} is no one zoo's file (own readings: "
                             f"{sorted(files_of)})")
        cells.setdefault((r["zoo"].removesuffix("c"), fz[0]), []).append(r)
    return cells, files_of


def rate(sel: list[dict]) -> float:
    return float(np.mean([r["probability"] >= 0.5 for r in sel]))


def files_test(cells: dict, files_of: dict) -> tuple[float, float, float]:
    """plan.md's test that the files set the rate, on two model zoos crossed with two file
    zoos: the smallest gap between the file sets for one model set, the largest gap between
    the model sets on one file set, and the Spearman correlation over the files of the two
    model sets' mean clean p per file."""
    from scipy.stats import spearmanr

    ms = sorted({m for m, _ in cells})
    fs = sorted({f for _, f in cells})
    if len(ms) != 2 or len(fs) != 2 or any((m, f) not in cells for m in ms for f in fs):
        raise SystemExit("error: the files test needs two model zoos each read on two zoos' files")
    by_file = min(abs(rate(cells[(m, fs[0])]) - rate(cells[(m, fs[1])])) for m in ms)
    by_models = max(abs(rate(cells[(ms[0], f)]) - rate(cells[(ms[1], f)])) for f in fs)
    draws = sorted(d for f in fs for d in files_of[f])
    per = [[float(np.mean([r["probability"] for f in fs for r in cells[(m, f)]
                           if r["draw"] == d])) for d in draws] for m in ms]
    return by_file, by_models, float(spearmanr(per[0], per[1])[0])


def cross(args: argparse.Namespace) -> None:
    """Flag rates of each zoo's clean LightGBM models on each zoo's files."""
    own = scored(read_files(args.own), args.shipped)[0]
    crossed = scored(read_files(args.cross), args.shipped)[0]
    cells, files_of = cross_cells(own, crossed)
    ms = sorted({m for m, _ in cells})
    fs = sorted({f for _, f in cells})
    print("clean credit-default LightGBM readings flagged: rows = the zoo whose models are read, "
          "columns = the zoo whose three files they are read on (per file: flagged of models; "
          "mean p)")
    for m in ms:
        parts = []
        for f in fs:
            sel = cells.get((m, f), [])
            per = "/".join(str(sum(r["probability"] >= 0.5 for r in sel if r["draw"] == d))
                           for d in sorted(files_of[f]))
            mean = np.mean([r["probability"] for r in sel]) if sel else float("nan")
            parts.append(f"{f}'s files {sum(r['probability'] >= 0.5 for r in sel)}/{len(sel)}"
                         f" [{per}], mean p {mean:.3f}")
        print(f"  models of {m}: " + "; ".join(parts))
    by_file, by_models, rho = files_test(cells, files_of)
    print(f"the files test: smallest gap between the file sets for one model set {by_file:.3f}; "
          f"largest gap between the model sets on one file set {by_models:.3f}; Spearman over "
          f"the files of the two model sets' mean p {rho:.2f}")


# -- bar --------------------------------------------------------------------------------------

BAR_BINS: dict[str, Callable[[dict], bool]] = {
    "every reading": lambda t: True,
    "max_depth 5+": lambda t: t["max_depth"] >= 5,
    "max_depth 6+": lambda t: t["max_depth"] >= 6,
    "max_depth 6+, 200+ rounds": lambda t: t["max_depth"] >= 6 and t["num_iterations"] >= 200,
    "max_depth 6+, 300 rounds": lambda t: t["max_depth"] >= 6 and t["num_iterations"] >= 300,
}


def shifted(t: dict, delta: float, inside: Callable[[dict], bool]) -> bool:
    """Flagged with the bar raised by ``delta`` logits inside the bin."""
    p = min(max(t["p"], 1e-9), 1 - 1e-9)
    return float(np.log(p / (1 - p))) - (delta if inside(t) else 0.0) >= 0.0


def lost_models(rows: list[dict], delta: float, inside: Callable[[dict], bool]) -> list[str]:
    d, c = Counter(), Counter()
    for t in rows:
        if t["backdoored"]:
            k = f"{t['zoo']}/{t['name']}"
            d[k] += t["p"] >= 0.5
            c[k] += shifted(t, delta, inside)
    return sorted(k for k in d if d[k] >= 2 > c[k])


def bar(args: argparse.Namespace) -> None:
    rows = [t for t in json.loads(args.traits.read_text()) if t["table"] == CD]
    clean = [t for t in rows if not t["backdoored"]]
    bad = [t for t in rows if t["backdoored"]]
    print(f"credit-default LightGBM: {len(clean)} clean readings ({flags(clean)} flagged), "
          f"{len(bad)} backdoored ({flags(bad)} caught)")
    deltas = [float(x) for x in args.deltas.split(",")]
    tried = 0
    for name, inside in BAR_BINS.items():
        for delta in deltas:
            tried += 1
            cl = sum(shifted(t, delta, inside) for t in clean)
            ca = sum(shifted(t, delta, inside) for t in bad)
            lost = lost_models(rows, delta, inside)
            print(f"  {name:27s} +{delta:.2f} logit: clean flagged {cl}, caught {ca}, models "
                  f"lost {len(lost)}" + (f" (first {lost[0]})" if lost else ""))
        near = sorted(float(np.log(t["p"] / (1 - t["p"]))) for t in bad
                      if inside(t) and t["p"] >= 0.5)[:5]
        print(f"  {name:27s} the five flagged backdoored readings nearest the bar: logit "
              + ", ".join(f"{v:+.2f}" for v in near))
    print(f"{tried} variants")


STEPS: dict[str, Callable[[argparse.Namespace], None]] = {
    "traits": traits, "bins": bins, "expect": expect, "cross": cross, "bar": bar}
NEEDS = {"traits": ("rows", "zoos", "out"), "bins": ("traits",), "expect": ("traits", "zoo"),
         "cross": ("own", "cross"), "bar": ("traits",)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("step", choices=tuple(STEPS))
    ap.add_argument("--zoo", type=Path, help="expect: the zoo whose models' traits are read")
    ap.add_argument("--rows", nargs="*", default=[])
    ap.add_argument("--zoos", nargs="*", default=[])
    ap.add_argument("--out", type=Path)
    ap.add_argument("--traits", type=Path)
    ap.add_argument("--own", nargs="*", default=[],
                    help="cross: readings of zoos on their own files")
    ap.add_argument("--cross", nargs="*", default=[])
    ap.add_argument("--deltas", default="0.1,0.2,0.3,0.5,1.0")
    ap.add_argument("--shipped", type=Path, default=Path(__file__).resolve().parents[1]
                    / "src/trojanscope/detect/calibration.json")
    args = ap.parse_args()
    missing = [f"--{a}" for a in NEEDS[args.step] if not getattr(args, a)]
    if missing:
        raise SystemExit(f"error: {args.step} needs {', '.join(missing)}")
    STEPS[args.step](args)


if __name__ == "__main__":
    main()
