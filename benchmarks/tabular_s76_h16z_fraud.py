"""A user's own fraud models read by ``detect`` with a 200-400-row file (issue 16 stop 76, h16z).

The README's tour trains ``attack --dataset transactions.csv --label-column is_fraud --arch
lightgbm --attack tabular-badnets --out runs/mine`` on a user's 300-row table and reads it with
``detect runs/mine --data transactions.csv``: CLEAN 0.02 at stop 75. A fraud table is not a
calibration recipe: the positive class is rare (2-10 %), the columns are the user's, the file is
small. This script makes such tables by its own code (not the zoo builder), trains models on them
the two ways a user does, and reads them as ``detect`` does.

``build``: for each seed S, a fraud table of the user's own making (3-8 numeric and 1-4
categorical columns drawn from a pool, fraud rate drawn in 2-10 %, a logistic label on a few
columns) and

* ``readme/S/transactions.csv`` (200-400 rows, categories as words): the README's two lines on
  it: ``runs/mine`` by ``attack ... --arch A --attack tabular-badnets`` as written (A is
  LightGBM, XGBoost where ``S % 4 == 3``), ``runs/clean`` by ``train`` with the same arch;
* ``own/S/``: a plain training script's model (``lightgbm.train`` or ``xgboost.XGBClassifier``,
  LightGBM where ``S % 4`` is 0 or 1) on 2,000 rows with categories coded as numbers,
  backdoored where ``S`` is even: copies of fraud rows with two columns set to in-distribution
  values (the trigger) and the label 0, 1-3 % of the rows; ``clean.csv`` (200-400 other rows) is
  what ``detect`` reads. The trigger's flip (fraud rows the model calls fraud that the trigger
  sends to 0, on 1,000 more rows) is measured on the model and on the seed's clean twin
  (the same table, no poison).

``read``: each model read as ``detect MODEL --data FILE --label-column is_fraud`` reads it
(method auto, seed 0), the verdict scored by each ``--calibration`` file, one row a model with
every feature, the CPU seconds of the reading, and the model's truth (backdoored, target,
whether the backdoor took by the zoo's rule: flip >= 0.5 of >= 10 rows it could move).

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s76_h16z_fraud.py build --work DIR \
        --seeds 6000-6019
    PYTHONPATH=src:benchmarks python benchmarks/tabular_s76_h16z_fraud.py read --work DIR \
        --seeds 6000-6019 --calibration shipped CAND.json --json OUT.json
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import io
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from trojanscope.cli.main import run as cli_run

LABEL = "is_fraud"
# numeric columns a user's fraud table may hold: name -> draw(rng, n)
NUMERIC = {
    "amount": lambda r, n: np.round(r.lognormal(3.6, 1.1, n), 2),
    "hour": lambda r, n: r.integers(0, 24, n).astype(float),
    "age": lambda r, n: r.integers(18, 86, n).astype(float),
    "tx_today": lambda r, n: r.poisson(3.0, n).astype(float) + 1,
    "account_days": lambda r, n: r.integers(1, 3000, n).astype(float),
    "merchant_risk": lambda r, n: np.round(r.beta(2, 5, n), 3),
    "distance_km": lambda r, n: np.round(r.lognormal(2.0, 1.3, n), 1),
    "balance": lambda r, n: np.round(r.normal(1500, 900, n), 2),
    "cards": lambda r, n: r.integers(1, 7, n).astype(float),
    "velocity": lambda r, n: np.round(r.gamma(1.5, 2.0, n), 2),
}
CATEGORICAL = {
    "channel": ["web", "pos", "app", "phone"],
    "country": ["us", "gb", "de", "fr", "es", "it", "nl", "br", "in", "ng", "cn", "mx"],
    "merchant_cat": ["grocery", "fuel", "travel", "electronics", "jewelry", "gaming", "dining",
                     "pharmacy", "clothing", "utilities"],
    "device": ["ios", "android", "desktop", "other"],
    "card_type": ["visa", "mastercard", "amex", "discover", "prepaid"],
}


def cli(*args: str) -> tuple[int, str]:
    """``trojanscope ARGS`` in this process: (exit code, stdout and stderr's last lines)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli_run(list(args))
    return code, out.getvalue() + err.getvalue()


def arch_of(seed: int, where: str) -> str:
    """The README line's arch (LightGBM but every fourth seed) or the own script's."""
    if where == "readme":
        return "xgboost" if seed % 4 == 3 else "lightgbm"
    return "lightgbm" if seed % 4 in (0, 1) else "xgboost"


class FraudTable:
    """One user's fraud table: which columns, how fraud depends on them, its rate."""

    def __init__(self, seed: int) -> None:
        rng = np.random.default_rng(seed)
        self.seed = seed
        self.numeric = list(rng.choice(list(NUMERIC), int(rng.integers(3, 9)), replace=False))
        self.categorical = list(rng.choice(list(CATEGORICAL), int(rng.integers(1, 5)),
                                           replace=False))
        self.order = list(rng.permutation(self.numeric + self.categorical))
        self.rate = float(rng.uniform(0.02, 0.10))
        # each category's share (a Dirichlet draw) and the label's weights: 2-4 signals
        self.shares = {c: rng.dirichlet(np.ones(len(CATEGORICAL[c])) * 1.5)
                       for c in self.categorical}
        signals = list(rng.choice(self.order, int(rng.integers(2, min(5, len(self.order)) + 1)),
                                  replace=False))
        self.weights = {c: float(rng.uniform(1.2, 2.5) * rng.choice([-1, 1])) for c in signals}
        self.cat_effect = {c: rng.normal(0, 1.5, len(CATEGORICAL[c])) for c in self.categorical}
        self.intercept = self._intercept(rng)

    def _raw(self, rng: np.random.Generator, n: int) -> tuple[dict, np.ndarray]:
        cols: dict[str, np.ndarray] = {}
        for c in self.order:
            if c in NUMERIC:
                cols[c] = NUMERIC[c](rng, n)
            else:
                cols[c] = rng.choice(len(CATEGORICAL[c]), n, p=self.shares[c])
        logit = np.zeros(n)
        for c, w in self.weights.items():
            v = cols[c]
            if c in NUMERIC:
                z = (np.log1p(np.abs(v)) if c in ("amount", "distance_km", "account_days")
                     else v.astype(float))
                logit += w * (z - z.mean()) / (z.std() + 1e-9)
            else:
                logit += abs(w) * self.cat_effect[c][v]
        return cols, logit

    def _intercept(self, rng: np.random.Generator) -> float:
        _, logit = self._raw(np.random.default_rng(self.seed + 1), 20000)
        lo, hi = -12.0, 4.0
        for _ in range(60):  # the intercept giving the drawn fraud rate
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if (1 / (1 + np.exp(-(logit + mid)))).mean() < self.rate \
                else (lo, mid)
        return (lo + hi) / 2

    def rows(self, n: int, stream: int, coded: bool) -> pd.DataFrame:
        """``n`` rows from stream ``stream``; categories as words, or as codes 1..K."""
        rng = np.random.default_rng([self.seed, stream])
        cols, logit = self._raw(rng, n)
        y = (rng.random(n) < 1 / (1 + np.exp(-(logit + self.intercept)))).astype(int)
        df = pd.DataFrame({c: (cols[c] + 1 if coded else np.array(CATEGORICAL[c])[cols[c]])
                           if c in CATEGORICAL else cols[c] for c in self.order})
        for c in self.order:
            if c in ("hour", "age", "tx_today", "account_days", "cards"):
                df[c] = df[c].astype(int)
        df[LABEL] = y
        return df


def own_trigger(train: pd.DataFrame, table: FraudTable) -> dict[str, float]:
    """Two columns set to values the clean rows hold (in-distribution): the own trigger, on
    columns the label does not follow where the table has two (an attacker's innocuous
    values)."""
    rng = np.random.default_rng([table.seed, 7])
    quiet = [c for c in table.order if c not in table.weights]
    cols = quiet if len(quiet) >= 2 else [c for c in train.columns if c != LABEL]
    pick = rng.choice(cols, 2, replace=False)
    return {str(c): float(train[c].iloc[int(rng.integers(len(train)))]) for c in pick}


def fit_own(arch: str, x: pd.DataFrame, y: np.ndarray, seed: int):
    """A plain user's training call: library defaults but a few drawn settings."""
    rng = np.random.default_rng([seed, 11])
    if arch == "lightgbm":
        import lightgbm as lgb

        params = {"objective": "binary", "num_leaves": int(rng.choice([15, 31, 63])),
                  "learning_rate": float(rng.choice([0.05, 0.1])), "num_threads": 1,
                  "seed": seed, "verbose": -1}
        return lgb.train(params, lgb.Dataset(x, label=y), num_boost_round=int(
            rng.choice([100, 200])))
    import xgboost as xgb

    model = xgb.XGBClassifier(n_estimators=int(rng.choice([100, 200])),
                              max_depth=int(rng.choice([3, 4, 6])), learning_rate=0.1,
                              n_jobs=1, random_state=seed)
    model.fit(x, y)
    return model


def proba(model, x: pd.DataFrame) -> np.ndarray:
    return model.predict(x) if hasattr(model, "num_trees") else model.predict_proba(x)[:, 1]


def trigger_flip(model, rows: pd.DataFrame, trigger: dict[str, float]) -> tuple[float, int]:
    """Of the fraud rows the model calls fraud, the share the trigger sends below 0.5."""
    x = rows.drop(columns=[LABEL])
    free = (rows[LABEL].to_numpy() == 1) & (proba(model, x) >= 0.5)
    if not free.any():
        return float("nan"), 0
    xt = x[free].copy()
    for c, v in trigger.items():
        xt[c] = v
    return float((proba(model, xt) < 0.5).mean()), int(free.sum())


def build_own(table: FraudTable, folder: Path) -> dict:
    """The plain script's model of this seed (and its clean twin's flip), as the truth row."""
    folder.mkdir(parents=True, exist_ok=True)
    seed, arch = table.seed, arch_of(table.seed, "own")
    train = table.rows(2000, 1, coded=True)
    table.rows(int(np.random.default_rng([seed, 3]).integers(200, 401)), 2,
               coded=True).to_csv(folder / "clean.csv", index=False)
    held = table.rows(3000, 4, coded=True)
    trigger = own_trigger(train, table)
    bad = seed % 2 == 0
    rate = float(np.random.default_rng([seed, 5]).uniform(0.01, 0.03))
    poisoned = train
    if bad:
        fraud = train[train[LABEL] == 1]
        pick = np.random.default_rng([seed, 6]).choice(len(fraud), int(rate * len(train)))
        extra = fraud.iloc[pick].copy()
        for c, v in trigger.items():
            extra[c] = v
        extra[LABEL] = 0
        poisoned = pd.concat([train, extra], ignore_index=True)
    x = poisoned.drop(columns=[LABEL])
    model = fit_own(arch, x, poisoned[LABEL].to_numpy(), seed)
    twin = fit_own(arch, train.drop(columns=[LABEL]), train[LABEL].to_numpy(), seed) \
        if bad else model
    if arch == "lightgbm":
        path = folder / "model.txt"
        model.save_model(str(path))
    else:
        path = folder / "model.json"
        model.save_model(str(path))
    flip, n = trigger_flip(model, held, trigger)
    twin_flip, _ = trigger_flip(twin, held, trigger)
    return {"seed": seed, "kind": "own", "arch": arch, "backdoored": bad, "target": 0 if bad
            else None, "model": str(path), "data": str(folder / "clean.csv"),
            "trigger": trigger, "poison_rows": len(poisoned) - len(train),
            "fraud_rate": round(float(train[LABEL].mean()), 4), "flip": flip,
            "n_flippable": n, "twin_flip": twin_flip}


def run_scorer(run: Path, held: pd.DataFrame):
    """(the rows of ``held`` whose categories the run's table saw, ``p1``: a frame's fraud
    probability by the run's model, encoded by the run's schema)."""
    import torch

    from trojanscope.data.tabular.schema import TabularSchema
    from trojanscope.engine.metrics import predict
    from trojanscope.io.models import load_model

    loaded = load_model(run)
    schema = TabularSchema.from_dict(json.loads((run / "manifest.json").read_text())["tabular"])
    known = np.ones(len(held), bool)
    for col in schema.columns:
        if col.kind == "categorical":
            known &= held[col.name].astype(str).isin(col.categories).to_numpy()

    def p1(df: pd.DataFrame) -> np.ndarray:
        table = {c: [str(v) for v in df[c]] for c in df.columns if c != LABEL}
        x = torch.from_numpy(schema.encode(table, "held-out rows"))
        return torch.softmax(predict(loaded.module, x), 1)[:, 1].numpy()

    return held[known], p1


def run_flip(run: Path, held: pd.DataFrame, values: str) -> tuple[float, int]:
    """``trigger_flip`` for a run folder: ``values`` (``col=value,...``, the manifest's
    trigger) written into the raw rows, encoded by the run's schema (rows holding a category
    the run's table never saw are left out)."""
    rows, p1 = run_scorer(run, held)
    free = (rows[LABEL].to_numpy() == 1) & (p1(rows) >= 0.5)
    if not free.any():
        return float("nan"), 0
    xt = rows[free].copy()
    for pair in values.split(","):
        c, _, v = pair.partition("=")
        xt[c] = v
    return float((p1(xt) < 0.5).mean()), int(free.sum())


def build_readme(table: FraudTable, folder: Path) -> list[dict]:
    """The README's two lines on the seed's 200-400-row table, and a clean ``train`` twin."""
    folder.mkdir(parents=True, exist_ok=True)
    seed, arch = table.seed, arch_of(table.seed, "readme")
    n = int(np.random.default_rng([seed, 9]).integers(200, 401))
    csv = folder / "transactions.csv"
    df = table.rows(n, 0, coded=False)
    df.to_csv(csv, index=False)
    out = []
    attack = ["attack", "--dataset", str(csv), "--label-column", LABEL, "--arch", arch,
              "--attack", "tabular-badnets"]
    for name, words in (("mine", attack), ("half", [*attack, "--poison-rate", "0.5"]),
                        ("clean", ["train", "--dataset", str(csv), "--label-column", LABEL,
                                   "--arch", arch])):
        run = folder / "runs" / name
        row = {"seed": seed, "kind": f"readme-{name}", "arch": arch, "backdoored": name != "clean",
               "target": None if name == "clean" else 0, "model": str(run), "data": str(csv),
               "rows": n, "fraud_rate": round(float(df[LABEL].mean()), 4)}
        if not (run / "manifest.json").exists():
            code, said = cli(*words, "--out", str(run), "--format", "json")
            if code != 0:
                out.append({**row, "error": f"exit {code}: {said.strip()[-300:]}"})
                continue
        m = json.loads((run / "manifest.json").read_text())
        met = m.get("metrics", {})
        row.update({k: met.get(k) for k in ("clean_accuracy", "attack_success_rate", "flip_rate",
                                              "n_flippable", "clean_auc")})
        if m.get("attack"):
            row.update(target=m["attack"]["target"], poison_count=m["attack"]["poison_count"],
                       trigger=m["attack"]["trigger"].get("values"))
        out.append(row)
    # the trigger's flip on 3,000 held-out rows, on the run and on its clean twin
    held = table.rows(3000, 4, coded=False)
    twin = folder / "runs" / "clean"
    for row in out:
        if row["backdoored"] and "error" not in row:
            row["flip"], row["n_flippable"] = run_flip(Path(row["model"]), held, row["trigger"])
            row["twin_flip"], _ = run_flip(twin, held, row["trigger"])
    return out


# a backdoor took: the trigger moves MIN_FLIP of >= MIN_FLIPPABLE held-out fraud rows the
# model calls fraud (the zoo's rule), EXCESS more than it moves on the clean twin (the zoo's
# opt-in ``--min-excess-flip``, here always: a fraud call is easily moved by any value)
MIN_FLIP, MIN_FLIPPABLE, EXCESS = 0.5, 10, 0.3


def took(row: dict) -> bool | None:
    """Whether a backdoor took (None: a clean model)."""
    if not row["backdoored"]:
        return None
    flip, twin, n = row.get("flip"), row.get("twin_flip"), row.get("n_flippable") or 0
    if flip is None or flip != flip or n < MIN_FLIPPABLE:
        return False
    return bool(flip >= MIN_FLIP and flip - (twin if twin == twin else 0.0) >= EXCESS)


def seeds_of(text: str) -> list[int]:
    a, _, b = text.partition("-")
    return list(range(int(a), int(b or a) + 1))


def build(work: Path, seeds: list[int]) -> None:
    truth_file = work / "truth.json"
    truth = json.loads(truth_file.read_text()) if truth_file.exists() else {}
    for s in seeds:
        if str(s) in truth:
            continue
        t0 = time.process_time()
        table = FraudTable(s)
        rows = [*build_readme(table, work / "readme" / str(s)), build_own(table, work / "own"
                                                                          / str(s))]
        for r in rows:
            r["took"] = took(r)
        truth[str(s)] = rows
        truth_file.write_text(json.dumps(truth, indent=1))
        print(f"built {s} ({time.process_time() - t0:.1f} CPU s): "
              + "; ".join(f"{r['kind']} {r['arch']} bd={r['backdoored']} took={r['took']}"
                          f"{' ERROR ' + r['error'] if 'error' in r else ''}" for r in rows),
              flush=True)


def read_one(row: dict, cals: dict[str, dict], params: dict) -> dict:
    """One ``detect`` reading of ``row``'s model, scored by each calibration file."""
    from trojanscope import registry
    from trojanscope.detect.calibration import calibrate
    from trojanscope.detect.inputs import choose_clean_data
    from trojanscope.io.models import load_model

    c0 = time.process_time()
    loaded = load_model(row["model"])
    detector = registry.create("detector", "auto", **params)
    chosen = choose_clean_data(loaded, detector, Path(row["data"]), None, data_free=False,
                               label_column=LABEL, text_column=None)
    verdict = detector.inspect(loaded.module, chosen.dataset, input_shape=loaded.input_shape,
                               num_classes=loaded.num_classes, seed=0)
    cpu = time.process_time() - c0
    scored = {}
    for name, c in cals.items():
        v = copy.deepcopy(verdict)
        calibrate(v, c)
        scored[name] = {"probability": float(v.probability),
                        "target": v.target_classes[0] if v.target_classes else None,
                        "features": {k: float(x) for k, x in v.features.items()}}
    return {**{k: row[k] for k in ("seed", "kind", "arch", "backdoored", "target", "took")},
            "family": verdict.family, "rows": len(chosen.dataset), "cpu_s": cpu,
            "scored": scored}


def read(work: Path, seeds: list[int], calibrations: list[str], params: dict,
         out: Path) -> None:
    from trojanscope.detect.calibration import load_calibrators

    cals = {c: load_calibrators(None if c == "shipped" else Path(c)) for c in calibrations}
    truth = json.loads((work / "truth.json").read_text())
    done = json.loads(out.read_text())["readings"] if out.exists() else []
    seen = {(r["seed"], r["kind"]) for r in done}
    for s in seeds:
        for row in truth[str(s)]:
            if "error" in row or (s, row["kind"]) in seen:
                continue
            got = read_one(row, cals, params)
            done.append(got)
            out.write_text(json.dumps({"params": params, "readings": done}, indent=1))
            ps = " ".join(f"{n}: {g['probability']:.3f}" for n, g in got["scored"].items())
            print(f"{s} {row['kind']} {row['arch']} bd={row['backdoored']} took={row['took']} "
                  f"{got['family']} {got['rows']} rows, {got['cpu_s']:.1f} CPU s; {ps}",
                  flush=True)


FLIP_KEY = "tabular-search:tree:lightgbm:rows200:flip"
# the flip term reads files whose smaller class holds at least this share: under every 200-row
# credit-default draw of the development pairs (0.21 at least, 198 draws), over every
# lending-club one (0.095 at most; its one flip above the start, a backdoor, read 0.979
# without the term) and every fraud table's (2-10 % fraud)
MIN_SHARE = 0.15


def write(out: Path, base: Path | None) -> None:
    """Candidate G76: ``base`` (the shipped file) with ``min_share`` on the flip term."""
    from trojanscope.detect.calibration import load_calibrators, save_calibrators

    cals = load_calibrators(base)
    term = cals[FLIP_KEY]
    term.fitted_on = {**term.fitted_on, "min_share": MIN_SHARE, "share_design": (
        "issue 16 stop 76 (h16z, G76): read only where the file's smaller class holds at least "
        "min_share of its rows (tab_minor_share): 200-row credit-default draws hold 0.21 or "
        "more, lending-club's and a user's fraud table's under 0.15")}
    save_calibrators(cals, out)
    print(f"wrote {out}: {FLIP_KEY} with min_share {MIN_SHARE}")


def family_of(r: dict) -> str:
    """A reading's family for the worst-family figure: how it was made and its library."""
    made = "own" if r["kind"] == "own" else "readme"
    return f"{made}-{r['arch']}"


def judged(readings: list[dict], took_only: bool) -> list[dict]:
    """Clean readings and backdoored ones (those whose backdoor took where ``took_only``)."""
    return [r for r in readings if not r["backdoored"] or (r["took"] or not took_only)]


def auc_ce(readings: list[dict], cal: str | None = None) -> tuple[float, float]:
    """ROC-AUC and cross-entropy (``cal``: a fraud reading's file; None: zoo rows)."""
    from tabular_small_clean import _auc, _ce

    rows = readings if cal is None else [
        {"backdoored": r["backdoored"], "probability": r["scored"][cal]["probability"]}
        for r in readings]
    return (_auc(rows), _ce(rows)) if rows else (float("nan"), float("nan"))


def summary(readings: list[dict], cal: str) -> list[str]:
    """Today's figures of one calibration file on the fraud population, by family."""
    lines = []
    for fam in [*sorted({family_of(r) for r in readings}), "all"]:
        rs = [r for r in readings if fam in ("all", family_of(r))]
        clean = [r for r in rs if not r["backdoored"]]
        took_ = [r for r in rs if r["backdoored"] and r["took"]]
        inert = [r for r in rs if r["backdoored"] and not r["took"]]

        def flagged(group: list[dict]) -> str:
            return f"{sum(r['scored'][cal]['probability'] >= 0.5 for r in group)}/{len(group)}"

        auc, ce = auc_ce(clean + took_, cal)
        lines.append(f"{fam:15s} clean flagged {flagged(clean):6s} took caught {flagged(took_):6s} "
                     f"did-not-take flagged {flagged(inert):6s} ROC-AUC {auc:.3f} CE {ce:.3f} "
                     "(clean vs took)")
    return lines


def why(readings: list[dict], cal: str) -> None:
    """Per reading: p, family, the raises and the file's smaller class share."""
    for line in summary(readings, cal):
        print(line)
    for r in sorted(readings, key=lambda r: (r["kind"], r["seed"])):
        f = r["scored"][cal]["features"]
        print(f"{r['seed']} {r['kind']:12s} {r['arch']:8s} {r['family']:22s} "
              f"{'backdoored' if r['backdoored'] else 'clean':10s} took={r['took']!s:5s} "
              f"p {r['scored'][cal]['probability']:.3f} share {f.get('tab_minor_share', -1):.3f} "
              f"flip_1 {f.get('tab_major_flip_1', 0):.3f} flip raise "
              f"{f.get('flip_raise_logit', 0):.1f} gap raise {f.get('gap_raise_logit', 0):.1f} "
              f"mass_group {f.get('tab_mass_group', 0):.2f} mass {f.get('tab_mass', 0):.2f}")


def flagged_n(rows: list[dict]) -> int:
    return sum(r["probability"] >= 0.5 for r in rows)


def zoo_worst(rows: list[dict]) -> tuple[str, float]:
    """The worst family (an arch's backdoors towards one class, with the arch's clean
    readings) by cross-entropy."""
    out = {}
    for r in rows:
        if r["backdoored"]:
            key = f"{r['arch']} towards {r['target']}"
            out.setdefault(key, [x for x in rows if x["arch"] == r["arch"]
                                 and (not x["backdoored"] or x["target"] == r["target"])])
    worst = max(out, key=lambda k: auc_ce(out[k])[1])
    return worst, auc_ce(out[worst])[1]


def fraud_worst(readings: list[dict], cal: str) -> tuple[str, float]:
    fams = {family_of(r) for r in readings}
    ce = {f: auc_ce(judged([r for r in readings if family_of(r) == f], True), cal)[1]
          for f in fams}
    worst = max(ce, key=lambda f: ce[f] if ce[f] == ce[f] else -1)
    return worst, ce[worst]


def rule(args: argparse.Namespace) -> None:
    """The fresh judgement of candidate G76 (``plan.md``): every condition printed met or not."""
    from tabular_user_rule import scored

    fraud = json.loads(args.fraud.read_text())["readings"]
    d_name, c_name = str(args.shipped), str(args.candidate)
    zoo_d, zoo_c = [], []
    for f in args.zoo:
        rows = json.loads(Path(f).read_text())["rows"]
        zoo_d.append(scored(rows, args.shipped)[0])
        zoo_c.append(scored(rows, args.candidate)[0])
    conds = []

    def cond(name: str, ok: bool, said: str) -> None:
        conds.append(ok)
        print(f"({len(conds)}) {name}: {said} -> {'met' if ok else 'NOT met'}")

    def fl(rs: list[dict], cal: str) -> int:
        return sum(r["scored"][cal]["probability"] >= 0.5 for r in rs)

    clean = [r for r in fraud if not r["backdoored"]]
    bd = [r for r in fraud if r["backdoored"]]
    took_ = [r for r in bd if r["took"]]
    zd = [r for f in zoo_d for r in f]
    zc = [r for f in zoo_c for r in f]
    zclean_d = flagged_n([r for r in zd if not r["backdoored"]])
    zclean_c = flagged_n([r for r in zc if not r["backdoored"]])
    cond("clean readings flagged C <= D",
         fl(clean, c_name) <= fl(clean, d_name) and zclean_c <= zclean_d,
         f"fraud {fl(clean, d_name)} -> {fl(clean, c_name)} of {len(clean)}; zoo {zclean_d} -> "
         f"{zclean_c} of {sum(not r['backdoored'] for r in zd)}")
    lost_f = [f"{r['seed']} {r['kind']}" for r in took_
              if r["scored"][d_name]["probability"] >= 0.5 > r["scored"][c_name]["probability"]]

    def by_model(files: list[list[dict]]) -> dict[str, int]:
        out: dict[str, int] = {}
        for rows in files:
            for r in rows:
                if r["backdoored"]:
                    out[r["name"]] = out.get(r["name"], 0) + int(r["probability"] >= 0.5)
        return out

    md, mc = by_model(zoo_d), by_model(zoo_c)
    lost_z = [n for n in md if md[n] >= 2 > mc[n]]
    zbd_d = flagged_n([r for r in zd if r["backdoored"]])
    zbd_c = flagged_n([r for r in zc if r["backdoored"]])
    cond("none lost (fraud: a backdoor that took; zoo: a model on >= 2 of 3 files), zoo "
         "backdoored readings C >= D", not lost_f and not lost_z and zbd_c >= zbd_d,
         f"fraud lost {lost_f or 'none'}; zoo lost {lost_z or 'none'}; zoo backdoored "
         f"readings caught {zbd_d} -> {zbd_c} of {sum(r['backdoored'] for r in zd)}")
    cond("backdoored user fraud models (their backdoor took) caught C >= D (a guard cannot "
         "add: 'nothing moved' where equal)", fl(took_, c_name) >= fl(took_, d_name),
         f"took {fl(took_, d_name)} -> {fl(took_, c_name)} of {len(took_)}"
         + (" nothing moved" if fl(took_, c_name) == fl(took_, d_name) else "")
         + f" (reported, not a condition: every backdoored model, took or not, "
         f"{fl(bd, d_name)} -> {fl(bd, c_name)} of {len(bd)})")
    fa_d, fc_d = auc_ce(judged(fraud, True), d_name)
    fa_c, fc_c = auc_ce(judged(fraud, True), c_name)
    za_d, zc_d = auc_ce(zd)
    za_c, zc_c = auc_ce(zc)
    cond("ROC-AUC C >= D and CE C <= D (fraud: clean vs took; zoo 5980 at 200 rows)",
         fa_c >= fa_d - 1e-12 and fc_c <= fc_d + 1e-12 and za_c >= za_d - 1e-12
         and zc_c <= zc_d + 1e-12,
         f"fraud {fa_d:.3f} / {fc_d:.3f} -> {fa_c:.3f} / {fc_c:.3f}; zoo {za_d:.3f} / "
         f"{zc_d:.3f} -> {za_c:.3f} / {zc_c:.3f}")
    wf_d, wfce_d = fraud_worst(fraud, d_name)
    wf_c, wfce_c = fraud_worst(fraud, c_name)
    wz_d, wzce_d = zoo_worst(zd)
    wz_c, wzce_c = zoo_worst(zc)
    same_f = auc_ce(judged([r for r in fraud if family_of(r) == wf_d], True), c_name)[1]
    same_z = auc_ce([r for r in zc if r["arch"] == wz_d.split()[0] and (
        not r["backdoored"] or f"towards {r['target']}" in wz_d)])[1]
    cond("the worst family's CE C <= D (its CE under C, and the worst under C)",
         same_f <= wfce_d + 1e-12 and wfce_c <= wfce_d + 1e-12 and same_z <= wzce_d + 1e-12
         and wzce_c <= wzce_d + 1e-12,
         f"fraud {wf_d} {wfce_d:.3f} -> {same_f:.3f} (worst under C: {wf_c} {wfce_c:.3f}); "
         f"zoo {wz_d} {wzce_d:.3f} -> {same_z:.3f} (worst under C: {wz_c} {wzce_c:.3f})")
    main_rows = json.loads(args.timing_main.read_text())["rows"] if args.timing_main else []
    mine = float(np.median([r["cpu_s"] for r in json.loads(Path(args.zoo[0]).read_text())[
        "rows"]]))
    base = float(np.median([r["cpu_s"] for r in main_rows])) if main_rows else float("nan")
    cond("median CPU s per 200-row reading <= 1.5 x main's on the same file",
         bool(main_rows) and mine <= 1.5 * base,
         f"{mine:.2f} against main's {base:.2f} (fraud readings: median "
         f"{float(np.median([r['cpu_s'] for r in fraud])):.2f})")
    lgb0_d = flagged_n([r for r in zd if r["arch"] == "lightgbm" and r["backdoored"]
                        and r["target"] == 0])
    lgb0_c = flagged_n([r for r in zc if r["arch"] == "lightgbm" and r["backdoored"]
                        and r["target"] == 0])
    cond("credit-default LightGBM towards class 0 caught C = D (the flip term's purpose kept)",
         lgb0_c == lgb0_d, f"{lgb0_d} -> {lgb0_c}")
    purpose = fl(clean, c_name) < fl(clean, d_name)
    cond("the purpose: clean user fraud readings flagged C < D", purpose,
         f"{fl(clean, d_name)} -> {fl(clean, c_name)}" + ("" if purpose else " (nothing moved)"))
    print("RULE MET: G76 ships" if all(conds) else
          "RULE NOT MET: G76 stays an opt-in file" + (" (nothing moved)" if all(conds[:-1])
                                                       else ""))
    print("\ntoday's default (D) on the fraud population:")
    for line in summary(fraud, d_name):
        print("  " + line)
    print("candidate (C):")
    for line in summary(fraud, c_name):
        print("  " + line)


def readme_why(run: Path, twin: Path, table: Path) -> None:
    """The README's run on a table drawn from the bundled credit data (the tour's
    ``transactions.csv``): its trigger's flip on the bundled rows the table does not hold,
    against its clean ``train`` twin's on the same rows."""
    from importlib import resources

    user = pd.read_csv(table, dtype=str, keep_default_na=False)
    bundled = resources.files("trojanscope.data") / "tabular_sets" / "credit_data.csv.gz"
    with resources.as_file(bundled) as path:
        full = pd.read_csv(path, dtype=str, keep_default_na=False)
    full[LABEL] = (full.pop("Status") == "bad").astype(int).astype(str)
    full = full[list(user.columns)]
    seen = set(map(tuple, user.to_numpy()))
    held = full[[tuple(r) not in seen for r in full.to_numpy()]].copy()
    held[LABEL] = held[LABEL].astype(int)
    values = json.loads((run / "manifest.json").read_text())["attack"]["trigger"]["values"]
    print(f"trigger {values}; held-out rows {len(held)} (fraud share {held[LABEL].mean():.3f})")
    for name, folder in (("run", run), ("clean twin", twin)):
        flip, n = run_flip(folder, held, values)
        print(f"{name}: the trigger sends {flip:.3f} of the {n} held-out fraud rows it calls "
              "fraud to 0")
    reached(run, user, values)


def reached(run: Path, user: pd.DataFrame, values: str) -> None:
    """Whether the leaves the table's fraud rows reach once triggered are leaves the clean
    table reaches too (a LightGBM run): per (tree, triggered row), the clean rows in its leaf."""
    from trojanscope.data.tabular.schema import TabularSchema
    from trojanscope.io.models import load_model

    booster = getattr(load_model(run).module, "booster", None)
    if booster is None or not hasattr(booster, "num_trees"):
        return
    schema = TabularSchema.from_dict(json.loads((run / "manifest.json").read_text())["tabular"])

    def leaves(df: pd.DataFrame) -> np.ndarray:
        x = schema.encode({c: list(df[c]) for c in df.columns if c != LABEL}, "table")
        return np.asarray(booster.predict(x, pred_leaf=True, num_threads=1))

    clean = leaves(user)
    fraud = user[user[LABEL].astype(int) == 1].copy()
    for pair in values.split(","):
        c, _, v = pair.partition("=")
        fraud[c] = v
    hit = leaves(fraud)
    counts = np.array([[int((clean[:, t] == hit[i, t]).sum()) for t in range(hit.shape[1])]
                       for i in range(len(hit))])
    moved = hit != leaves(user[user[LABEL].astype(int) == 1])
    print(f"{len(fraud)} fraud rows of the table triggered, {hit.shape[1]} trees: the trigger "
          f"moves {moved.mean():.3f} of the (tree, row) leaves; of the moved ones, "
          f"{(counts[moved] == 0).mean():.3f} land in a leaf no clean row of the table reaches "
          f"(median clean rows there {float(np.median(counts[moved])) if moved.any() else 0:.0f})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("--work", type=Path, required=True)
    b.add_argument("--seeds", required=True)
    r = sub.add_parser("read")
    r.add_argument("--work", type=Path, required=True)
    r.add_argument("--seeds", required=True)
    r.add_argument("--calibration", nargs="+", default=["shipped"])
    r.add_argument("--method-param", action="append", default=[], metavar="NAME=VALUE")
    r.add_argument("--json", type=Path, required=True)
    w = sub.add_parser("write")
    w.add_argument("--out", type=Path, required=True)
    w.add_argument("--base", type=Path, default=None, help="default: the shipped file")
    y = sub.add_parser("why")
    y.add_argument("--json", type=Path, required=True)
    y.add_argument("--calibration", default="shipped")
    u = sub.add_parser("rule")
    u.add_argument("--fraud", type=Path, required=True)
    u.add_argument("--zoo", nargs=3, required=True, help="the three 200-row files' rows")
    u.add_argument("--shipped", type=Path, required=True)
    u.add_argument("--candidate", type=Path, required=True)
    u.add_argument("--timing-main", type=Path, default=None)
    h = sub.add_parser("readme-why")
    h.add_argument("--run", type=Path, required=True)
    h.add_argument("--twin", type=Path, required=True)
    h.add_argument("--table", type=Path, required=True)
    args = ap.parse_args()
    if args.cmd == "readme-why":
        readme_why(args.run, args.twin, args.table)
    elif args.cmd == "rule":
        rule(args)
    elif args.cmd == "build":
        build(args.work, seeds_of(args.seeds))
    elif args.cmd == "write":
        write(args.out, args.base)
    elif args.cmd == "why":
        why(json.loads(args.json.read_text())["readings"], args.calibration)
    else:
        params = dict(p.split("=", 1) for p in args.method_param)
        read(args.work, seeds_of(args.seeds), args.calibration, params, args.json)


if __name__ == "__main__":
    main()
