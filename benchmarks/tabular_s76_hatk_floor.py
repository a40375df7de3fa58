"""How many poisoned rows the README's fraud attack needs to take (issue 16 stop 76, hatk).

The README tour's ``attack --dataset transactions.csv --label-column is_fraud --arch lightgbm
--attack tabular-badnets`` poisons 5 % of the training split's fraud rows: 0-3 rows on a user's
200-400-row table, and no backdoor took (h16z, stop 76). This script builds a user's fraud
tables with h16z's maker (``tabular_s76_h16z_fraud.FraudTable``; 200-2,000 rows here) and runs
the attack with the default rate poisoning at least ``k`` rows (``TabularBadNets
.min_poison_rows``; 0 is today's attack), and the ``train`` twin. Each run is judged on 3,000
held-out rows of the same table:

* ``ca``: accuracy on them (rows holding a category the run never saw are left out);
* ``asr``: the share of the held-out fraud rows (the non-target class) that the trigger sends
  to the target, 0;
* ``flip`` of ``n_flippable``: h16z's flip, of the fraud rows the model calls fraud, the
  share the trigger sends to 0 (and ``twin_flip``, the same trigger on the clean twin).

A backdoor **took** where ``asr >= 0.9`` and h16z's ``took`` holds (flip >= 0.5 of >= 10
rows, 0.3 more than on the twin): a fraud model already calls most fraud rows 0, so the ASR
alone would count a clean model.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s76_hatk_floor.py grid --work DIR \
        --seeds 6200-6219 --archs lightgbm,xgboost --floors 0,5,10,20 --json OUT.json
    PYTHONPATH=src:benchmarks python benchmarks/tabular_s76_hatk_floor.py rule --json OUT.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from tabular_s76_h16z_fraud import (
    EXCESS,
    LABEL,
    MIN_FLIP,
    MIN_FLIPPABLE,
    FraudTable,
    cli,
    run_scorer,
    seeds_of,
)

MIN_ASR = 0.9  # the brief's "took": ASR >= 90 % on triggered rows of the non-target class
CA_POINTS = 2.0  # the rule: CA within 2 points of the clean twin where a backdoor took


def table_size(seed: int) -> int:
    """The table's rows, log-uniform in 200-2,000 (a user's small table)."""
    draw = np.random.default_rng([seed, 21]).uniform(np.log(200), np.log(2000))
    return round(float(np.exp(draw)))


def held_figures(run: Path, held: pd.DataFrame, values: str | None) -> dict:
    """``ca`` on the held-out rows; with a trigger (``col=value,...``), ``asr``, ``flip`` and
    ``n_flippable`` (see the module's docstring)."""
    rows, p1 = run_scorer(run, held)
    y, p = rows[LABEL].to_numpy(), p1(rows)
    out: dict = {"ca": float(((p >= 0.5) == (y == 1)).mean()), "held": len(rows)}
    if values:
        fraud = rows[y == 1].copy()
        for pair in values.split(","):
            c, _, v = pair.partition("=")
            fraud[c] = v
        pt = p1(fraud)
        free = p[y == 1] >= 0.5
        out.update(asr=float((pt < 0.5).mean()), n_fraud=len(fraud),
                   flip=float((pt[free] < 0.5).mean()) if free.any() else float("nan"),
                   n_flippable=int(free.sum()))
    return out


def took(row: dict) -> bool:
    """ASR >= 0.9 on the held-out fraud rows and h16z's flip rule against the clean twin."""
    flip, twin, n = row.get("flip"), row.get("twin_flip"), row.get("n_flippable") or 0
    if row.get("asr") is None or flip is None or flip != flip or n < MIN_FLIPPABLE:
        return False
    return bool(row["asr"] >= MIN_ASR and flip >= MIN_FLIP
                and flip - (twin if twin == twin else 0.0) >= EXCESS)


def readme_line(csv: Path, out: Path, arch: str, *extra: str,
                train: bool = False) -> tuple[int, str, float]:
    """The README's ``attack`` line on ``csv`` with ``extra`` words after it (``train``: the
    ``train`` twin's line instead), in this process: (exit code, output, CPU s)."""
    words = ["--dataset", str(csv), "--label-column", LABEL, "--arch", arch, "--out", str(out),
             "--format", "json"]
    c0 = time.process_time()
    code, said = (cli("train", *words) if train else
                  cli("attack", *words, "--attack", "tabular-badnets", *extra))
    return code, said, time.process_time() - c0


def run_one(csv: Path, out: Path, arch: str, floor: int | None) -> tuple[int, str, float]:
    """``attack`` as the README writes it with ``min_poison_rows = floor`` (None: ``train``);
    (exit code, output, CPU s)."""
    from trojanscope.attacks.tabular import TabularBadNets

    before = TabularBadNets.min_poison_rows
    try:
        if floor is not None:
            TabularBadNets.min_poison_rows = floor
        return readme_line(csv, out, arch, train=floor is None)
    finally:
        TabularBadNets.min_poison_rows = before


def seed_table(work: Path, seed: int) -> tuple[Path, Path, pd.DataFrame, pd.DataFrame]:
    """The seed's folder, its table (``table_size`` rows) written there as
    ``transactions.csv``, the table, and 3,000 held-out rows of it."""
    table, folder = FraudTable(seed), work / str(seed)
    folder.mkdir(parents=True, exist_ok=True)
    csv = folder / "transactions.csv"
    df = table.rows(table_size(seed), 0, coded=False)
    df.to_csv(csv, index=False)
    return folder, csv, df, table.rows(3000, 4, coded=False)


def twin_of(folder: Path, csv: Path, arch: str, held: pd.DataFrame) -> tuple[Path, float | None]:
    """The seed's ``train`` twin for ``arch`` (made once) and its held-out CA (None: failed)."""
    twin = folder / f"{arch}-clean"
    if not (twin / "manifest.json").exists():
        run_one(csv, twin, arch, None)
    return twin, held_figures(twin, held, None)["ca"] if (twin / "manifest.json").exists() \
        else None


def judge_run(row: dict, code: int, said: str, run: Path, twin: Path,
              held: pd.DataFrame) -> dict | None:
    """``row`` with the run's error line, or its poisoned rows, trigger, test figures, held-out
    figures, the twin's flip and ``took``; the manifest's attack entry (None on an error)."""
    if code != 0:
        lines = said.strip().splitlines()
        row.update(error=lines[-1][-300:] if lines else "", error_lines=len(lines))
        return None
    m = json.loads((run / "manifest.json").read_text())
    values = m["attack"]["trigger"].get("values")
    row.update(poison_count=m["attack"]["poison_count"], trigger=values,
               test_asr=m["metrics"].get("attack_success_rate"),
               test_ca=m["metrics"].get("clean_accuracy"), **held_figures(run, held, values))
    row["twin_flip"] = held_figures(twin, held, values)["flip"]
    row["took"] = took(row)
    return m["attack"]


def grid(work: Path, seeds: list[int], archs: list[str], floors: list[int], out: Path) -> None:
    """Every (seed, arch, floor) attack and the ``train`` twin, judged on held-out rows."""
    done = json.loads(out.read_text()) if out.exists() else []
    seen = {(r["seed"], r["arch"], r["floor"]) for r in done}
    for s in seeds:
        folder, csv, df, held = seed_table(work, s)
        n = len(df)
        for arch in archs:
            twin, twin_ca = twin_of(folder, csv, arch, held)
            for f in floors:
                if (s, arch, f) in seen:
                    continue
                run = folder / f"{arch}-floor{f}"
                code, said, cpu = run_one(csv, run, arch, f)
                row = {"seed": s, "arch": arch, "floor": f, "rows": n,
                       "fraud_rate": round(float(df[LABEL].mean()), 4), "exit": code,
                       "cpu_s": round(cpu, 2), "twin_ca": twin_ca}
                spec = judge_run(row, code, said, run, twin, held)
                if spec is not None:
                    row["floored"] = spec.get("poison_floor")
                done.append(row)
                out.write_text(json.dumps(done, indent=1))
                print(f"{s} {arch} n={n} fraud={row['fraud_rate']:.3f} floor={f}: "
                      + (f"ERROR {row['error']}" if code else
                         f"poisoned {row['poison_count']} ca {row['ca']:.3f} (twin "
                         f"{twin_ca:.3f}) asr {row['asr']:.2f} flip {row['flip']:.2f} of "
                         f"{row['n_flippable']} twin {row['twin_flip']:.2f} took={row['took']}")
                      + f" ({cpu:.1f} CPU s)", flush=True)


def summarise(rows: list[dict]) -> None:
    """Per arch and floor: runs, refused, took, the worst CA drop where it took."""
    keys = sorted({(r["arch"], r["floor"]) for r in rows})
    for arch, f in keys:
        rs = [r for r in rows if r["arch"] == arch and r["floor"] == f]
        ok = [r for r in rs if not r.get("error")]
        tk = [r for r in ok if r["took"]]
        drops = [100 * (r["twin_ca"] - r["ca"]) for r in tk if r.get("twin_ca") is not None]
        print(f"{arch} floor {f}: {len(rs)} tables, {len(rs) - len(ok)} refused, {len(tk)} took; "
              f"poisoned median {np.median([r['poison_count'] for r in ok]) if ok else '-'}; "
              f"worst CA drop where took {max(drops):.2f} points" if drops else
              f"{arch} floor {f}: {len(rs)} tables, {len(rs) - len(ok)} refused, 0 took")


def bundled(aim: int) -> list[str]:
    """Whether the candidate (``min_poison_rows = aim``) poisons the rows today's attack does on
    the bundled sets' training splits: the default rate and 1 %, targets 0 and 1."""
    import torch

    from trojanscope.attacks.tabular import TabularBadNets
    from trojanscope.data import load_dataset

    lines = []
    for name in ("credit-default", "lending-club"):
        y = load_dataset(name, "train").labels.numpy()
        for rate in (None, 0.01):
            for target in (0, 1):
                cand = TabularBadNets(target=target, poison_rate=rate, min_poison_rows=aim)
                off = TabularBadNets(target=target, poison_rate=rate, min_poison_rows=0)
                got = cand.choose(y, torch.Generator().manual_seed(0))
                today = off.choose(y, torch.Generator().manual_seed(0))  # the floor off
                same = np.array_equal(got, today)
                lines.append(f"{name} rate {rate or 'default'} target {target}: {len(today)} rows "
                             f"today, {len(got)} candidate, {'same' if same else 'DIFFERENT'}")
    return lines


def judge(rows: list[dict], today: int, cand: int) -> tuple[bool, list[str]]:
    """The rule's conditions (``rule.md``) on one grid holding floors ``today`` and ``cand``."""
    by = {(r["seed"], r["arch"], r["floor"]): r for r in rows}
    pairs = sorted({(r["seed"], r["arch"]) for r in rows})
    d = {k: by.get((*k, today)) for k in pairs}
    c = {k: by.get((*k, cand)) for k in pairs}
    took_d = [k for k in pairs if d[k] and d[k].get("took")]
    took_c = [k for k in pairs if c[k] and c[k].get("took")]
    lost = [k for k in took_d if k not in took_c]
    drops = {k: 100 * (c[k]["twin_ca"] - c[k]["ca"]) for k in took_c}
    worst = max(drops, key=drops.get) if drops else None
    bad_ref = [k for k in pairs if c[k] and c[k].get("error") and not (
        c[k]["exit"] == 2 and c[k].get("error_lines") == 1
        and ("needs at least" in c[k]["error"] or "poisons none" in c[k]["error"]))]
    cpu_d = [r["cpu_s"] for r in d.values() if r and not r.get("error")]
    cpu_c = [r["cpu_s"] for r in c.values() if r and not r.get("error")]
    lines, ok = [], True

    def cond(name: str, met: bool, said: str) -> None:
        nonlocal ok
        ok &= met
        lines.append(f"({name}) {'met' if met else 'NOT MET'}: {said}")

    cond("1", len(took_c) > len(took_d), f"took: today {len(took_d)} of {len(pairs)}, candidate "
         f"{len(took_c)} of {len(pairs)}")
    cond("2", not lost, f"lost (took today, not with the candidate): {lost or 'none'}")
    cond("3", all(v <= CA_POINTS for v in drops.values()),
         f"worst held-out CA drop against the clean twin where the candidate took: "
         f"{drops[worst]:.2f} points ({worst})" if worst else "no attack took")
    cond("4", not bad_ref, f"refusals not in one line naming the rows needed: {bad_ref or 'none'}")
    big = max(cpu_c, default=0.0)
    cond("5", big <= 10.0, f"CPU s per attack run: median today {np.median(cpu_d):.2f}, "
         f"candidate {np.median(cpu_c):.2f}, most {big:.2f} (at most 10)")
    for arch in sorted({k[1] for k in pairs}):
        ks = [k for k in pairs if k[1] == arch]
        lines.append(f"  {arch}: took today {sum(k in took_d for k in ks)}, candidate "
                     f"{sum(k in took_c for k in ks)} of {len(ks)}; refused today "
                     f"{sum(bool(d[k] and d[k].get('error')) for k in ks)}, candidate "
                     f"{sum(bool(c[k] and c[k].get('error')) for k in ks)}; trigger already moves "
                     f">= 0.7 on the twin (not judgeable by excess): "
                     f"{sum(bool(c[k] and (c[k].get('twin_flip') or 0) >= 0.7) for k in ks)}")
    return ok, lines


def recall(rows: list[dict], today: int, cand: int) -> list[str]:
    """What CA hides on a fraud table: the share of held-out fraud rows each model calls fraud
    (``n_flippable / n_fraud``), today's attack against the candidate, pair by pair."""
    by = {(r["seed"], r["arch"], r["floor"]): r for r in rows if not r.get("error")}
    pairs = sorted({k[:2] for k in by if (*k[:2], today) in by and (*k[:2], cand) in by})
    rd = np.array([by[(*k, today)]["n_flippable"] / by[(*k, today)]["n_fraud"] for k in pairs])
    rc = np.array([by[(*k, cand)]["n_flippable"] / by[(*k, cand)]["n_fraud"] for k in pairs])
    ratio = rc / np.maximum(rd, 1e-9)
    worst = int(np.argmin(ratio))
    lines = [f"fraud recall on held-out rows, {len(pairs)} pairs: median today "
             f"{np.median(rd):.3f}, candidate {np.median(rc):.3f}; candidate/today median "
             f"{np.median(ratio):.2f}, worst "
             f"{ratio[worst]:.2f} {pairs[worst]}"]
    lines += [f"  under half of today's: {k} {a:.3f} -> {b:.3f} (poisoned "
              f"{by[(*k, cand)]['poison_count']})"
              for k, a, b in zip(pairs, rd, rc, strict=True) if b < a / 2]
    return lines


def copies(work: Path, seeds: list[int], archs: list[str], k: int, out: Path) -> None:
    """The next step's idea, on spent tables only (a grid's ``floor0`` runs there): keep every
    real fraud row and add ``k`` triggered copies of drawn fraud rows labelled 0 (today's
    trigger), trained by ``train`` and judged as the grid's runs (``floor`` "copiesK")."""
    done = json.loads(out.read_text()) if out.exists() else []
    seen = {(r["seed"], r["arch"]) for r in done}
    for s in seeds:
        folder, table = work / str(s), FraudTable(s)
        df = pd.read_csv(folder / "transactions.csv", keep_default_na=False, dtype=str)
        held = table.rows(3000, 4, coded=False)
        for arch in archs:
            today = folder / f"{arch}-floor0"
            if (s, arch) in seen or not (today / "manifest.json").exists():
                continue
            values = json.loads((today / "manifest.json").read_text())["attack"]["trigger"][
                "values"]
            fraud = df[df[LABEL] == "1"]
            pick = np.random.default_rng([s, 31]).choice(len(fraud), k)
            extra = fraud.iloc[pick].copy()
            for pair in values.split(","):
                c, _, v = pair.partition("=")
                extra[c] = v
            extra[LABEL] = "0"
            csv = folder / f"copies{k}.csv"
            pd.concat([df, extra], ignore_index=True).to_csv(csv, index=False)
            run = folder / f"{arch}-copies{k}"
            code, said, cpu = run_one(csv, run, arch, None)
            twin = folder / f"{arch}-clean"
            row = {"seed": s, "arch": arch, "floor": f"copies{k}", "exit": code,
                   "cpu_s": round(cpu, 2), "poison_count": k, "trigger": values,
                   "twin_ca": held_figures(twin, held, None)["ca"]}
            if code == 0:
                row.update(held_figures(run, held, values))
                row["twin_flip"] = held_figures(twin, held, values)["flip"]
                row["took"] = took(row)
            else:
                row["error"] = said.strip()[-300:]
            done.append(row)
            out.write_text(json.dumps(done, indent=1))
            print(f"{s} {arch} copies{k}: " + (row.get("error") or (
                f"ca {row['ca']:.3f} (twin {row['twin_ca']:.3f}) asr {row['asr']:.2f} flip "
                f"{row['flip']:.2f} of {row['n_flippable']} twin {row['twin_flip']:.2f} "
                f"took={row['took']}")), flush=True)


def min_leaf(n: int) -> None:
    """LightGBM's ``min_data_in_leaf`` set to ``n`` in this process (the arch's is 5): whether
    the leaf minimum is what keeps a few poisoned rows from a leaf of their own."""
    from trojanscope.models.trees import LightGBMModel

    base = LightGBMModel._params

    def params(self: LightGBMModel, seed: int) -> dict:
        return {**base(self, seed), "min_data_in_leaf": n}

    LightGBMModel._params = params  # type: ignore[method-assign]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("grid")
    g.add_argument("--work", type=Path, required=True)
    g.add_argument("--seeds", required=True)
    g.add_argument("--archs", default="lightgbm,xgboost")
    g.add_argument("--floors", default="0,5,10,20")
    g.add_argument("--json", type=Path, required=True)
    g.add_argument("--lgb-min-leaf", type=int, default=None,
                   help="LightGBM's min_data_in_leaf for this grid (the arch's 5 otherwise)")
    s = sub.add_parser("summary")
    s.add_argument("--json", type=Path, required=True)
    c = sub.add_parser("copies")
    c.add_argument("--work", type=Path, required=True)
    c.add_argument("--seeds", required=True)
    c.add_argument("--archs", default="lightgbm,xgboost")
    c.add_argument("--rows", type=int, default=10)
    c.add_argument("--json", type=Path, required=True)
    c.add_argument("--grid", type=Path, nargs="+", required=True,
                   help="the grid files holding the same tables' floor-0 (and floor-10) runs")
    u = sub.add_parser("rule")
    u.add_argument("--json", type=Path, nargs="+", required=True)
    u.add_argument("--today", type=int, default=0)
    u.add_argument("--candidate", type=int, default=10)
    args = ap.parse_args()
    if args.cmd == "grid":
        if args.lgb_min_leaf is not None:
            min_leaf(args.lgb_min_leaf)
        grid(args.work, seeds_of(args.seeds), args.archs.split(","),
             [int(f) for f in args.floors.split(",")], args.json)
    elif args.cmd == "copies":
        copies(args.work, seeds_of(args.seeds), args.archs.split(","), args.rows, args.json)
        rows = [r for f in [*args.grid, args.json] for r in json.loads(f.read_text())]
        tag = f"copies{args.rows}"
        print("\n".join([*judge(rows, 0, tag)[1][:3], *recall(rows, 0, tag),
                         *judge(rows, 10, tag)[1][:2], *recall(rows, 10, tag)]))
    elif args.cmd == "summary":
        summarise(json.loads(args.json.read_text()))
    else:
        rows = [r for f in args.json for r in json.loads(f.read_text())]
        ok, lines = judge(rows, args.today, args.candidate)
        lines += recall(rows, args.today, args.candidate)
        sets = bundled(args.candidate)
        same = all(b.endswith("same") for b in sets)
        lines += [f"(6) {'met' if same else 'NOT MET'}: the bundled sets poison today's rows",
                  *(f"  {b}" for b in sets), f"the rule is {'MET' if ok and same else 'NOT MET'}"]
        print("\n".join(lines))


if __name__ == "__main__":
    main()
