"""Triggered copies for the README's fraud attack (issue 16 stop 77, hatk).

The README tour's ``attack --dataset transactions.csv --label-column is_fraud --arch lightgbm
--attack tabular-badnets`` relabels 5 % of the training split's fraud rows in place: 1-6 rows on
a user's 200-2,000-row fraud table, and the backdoor rarely takes (stop 76: 4 of 40 fresh pairs).
A floor of 10 relabelled rows took 5 but lost one and cut the fraud recall. ``copies=N``
(``PresetTabularAttack.copy_count``) instead *adds* N triggered copies of drawn fraud rows with
the label 0 and keeps every real fraud row; ``auto_copies`` = K makes it the default where the
default rate would relabel fewer than K rows.

``grid`` builds each seed's table with h16z's maker at stop 76's size (``table_size``) and runs,
for LightGBM and XGBoost, the ``train`` twin and each variant:

* ``today``: the line with ``--attack-param copies=0`` (today's in-place rows, whatever the
  default);
* ``copiesN``: the line with ``--attack-param copies=N`` and ``pair_copies=0``;
* ``pairsNxM``: the same with ``pair_copies=M`` (M clean copies of each source row beside its
  triggered copy; ``pairsN``: M = 1; the parameter's default is 2);
* ``autoK``: the line as written with ``TabularBadNets.auto_copies = K`` in this process;
* ``asis``: the line as written (the shipped default).

Each run is judged as stop 76's grid (``tabular_s76_hatk_floor.held_figures`` and ``took``: ASR
>= 0.9 on 3,000 held-out rows' fraud rows and the trigger moves >= 0.5 of >= 10 held-out fraud
calls, 0.3 more than on the twin), with the fraud recall (held-out fraud rows called fraud) of
the run and of its twin. ``rule`` reads the conditions of
``benchmarks/data/tabular_s77_hatk/rule.md``.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s77_hatk_copies.py grid --work DIR \
        --seeds 6200-6219 --variants today,copies5,copies10,copies20,auto10 --json OUT.json
    PYTHONPATH=src:benchmarks python benchmarks/tabular_s77_hatk_copies.py rule --json OUT.json \
        --today today --candidate auto10
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from tabular_s76_h16z_fraud import LABEL, seeds_of
from tabular_s76_hatk_floor import (
    CA_POINTS,
    MIN_ASR,
    held_figures,
    judge_run,
    readme_line,
    seed_table,
    twin_of,
)

RECALL_SHARE = 0.8  # the rule: fraud recall at least 0.8 of the twin's where the attack took
MAX_CPU_S = 10.0


def run_one(csv: Path, out: Path, arch: str, variant: str | None) -> tuple[int, str, float]:
    """``train`` (``variant`` None) or the README's attack line as ``variant`` says;
    (exit code, output, CPU s)."""
    from trojanscope.attacks.tabular import TabularBadNets

    if variant is None:
        return readme_line(csv, out, arch, train=True)
    extra: list[str] = []
    before = TabularBadNets.auto_copies
    if variant == "today":
        extra = ["--attack-param", "copies=0"]
    elif variant.startswith("copies"):
        extra = ["--attack-param", f"copies={int(variant[6:])}", "--attack-param",
                 "pair_copies=0"]
    elif variant.startswith("pairs"):  # pairsN, or pairsNxM: M clean copies a source
        count, _, times = variant[5:].partition("x")
        extra = ["--attack-param", f"copies={int(count)}",
                 "--attack-param", f"pair_copies={int(times or 1)}"]
    elif variant.startswith("auto"):
        TabularBadNets.auto_copies = int(variant[4:])
    elif variant != "asis":
        raise SystemExit(f"unknown variant {variant!r}")
    try:
        return readme_line(csv, out, arch, *extra)
    finally:
        TabularBadNets.auto_copies = before


def recall_of(fig: dict) -> float | None:
    """Held-out fraud rows the model calls fraud, of those it was shown."""
    return fig["n_flippable"] / fig["n_fraud"] if fig.get("n_fraud") else None


def grid(work: Path, seeds: list[int], archs: list[str], variants: list[str], out: Path,
         runner=None) -> None:
    """Every (seed, arch, variant) attack and the ``train`` twin, judged on held-out rows
    (``runner``: ``run_one``'s stand-in, for a later stop's variants)."""
    runner = runner or run_one
    done = json.loads(out.read_text()) if out.exists() else []
    seen = {(r["seed"], r["arch"], r["variant"]) for r in done}
    for s in seeds:
        folder, csv, df, held = seed_table(work, s)
        n = len(df)
        for arch in archs:
            twin, twin_ca = twin_of(folder, csv, arch, held)
            for v in variants:
                if (s, arch, v) in seen:
                    continue
                run = folder / f"{arch}-{v}"
                code, said, cpu = runner(csv, run, arch, v)
                row = {"seed": s, "arch": arch, "variant": v, "rows": n,
                       "fraud_rate": round(float(df[LABEL].mean()), 4), "exit": code,
                       "cpu_s": round(cpu, 2), "twin_ca": twin_ca}
                spec = judge_run(row, code, said, run, twin, held)
                if spec is not None:
                    added = spec.get("added_rows")
                    tw = held_figures(twin, held, row["trigger"]) if twin_ca is not None else {}
                    row.update(added=added["copies"] if added else 0,
                               rate_count=added["rate_count"] if added else None,
                               recall=recall_of(row), twin_recall=recall_of(tw) if tw else None)
                done.append(row)
                out.write_text(json.dumps(done, indent=1))
                print(f"{s} {arch} n={n} fraud={row['fraud_rate']:.3f} {v}: " + (
                    f"ERROR {row['error']}" if code else
                    f"poisoned {row['poison_count']} (added {row['added']}) ca {row['ca']:.3f} "
                    f"(twin {twin_ca:.3f}) asr {row['asr']:.2f} flip {row['flip']:.2f} of "
                    f"{row['n_flippable']} twin {row['twin_flip']:.2f} recall "
                    f"{row['recall']:.3f} (twin {row['twin_recall']:.3f}) took={row['took']}")
                    + f" ({cpu:.2f} CPU s)", flush=True)


def summary(rows: list[dict]) -> list[str]:
    """Per variant: runs, refused, took, ASR >= 0.9, recall against the twin, CA drop."""
    out = []
    for v in sorted({r["variant"] for r in rows}):
        rs = [r for r in rows if r["variant"] == v]
        ok = [r for r in rs if not r.get("error")]
        tk = [r for r in ok if r["took"]]
        ratio = [r["recall"] / r["twin_recall"] for r in ok if r.get("twin_recall")]
        drop = [100 * (r["twin_ca"] - r["ca"]) for r in tk]
        arch = {a: sum(r["arch"] == a for r in tk) for a in sorted({r["arch"] for r in rs})}
        called = [r["recall"] / r["twin_recall"] for r in ok
                  if r.get("twin_recall") and r["n_flippable"] >= 10]  # the noise of the ratio
        under = sum(x < RECALL_SHARE for x in called)
        out.append(
            f"{v}: {len(rs)} pairs, {len(rs) - len(ok)} refused, took {len(tk)} {arch}, "
            f"ASR>=0.9 {sum(r['asr'] >= MIN_ASR for r in ok)}; recall/twin median "
            f"{np.median(ratio):.2f} worst {min(ratio):.2f}; where took: worst recall/twin "
            f"{min((r['recall'] / r['twin_recall'] for r in tk if r['twin_recall']), default=float('nan')):.2f}, "  # noqa: E501
            f"worst CA drop {max(drop, default=float('nan')):.2f} points; median poisoned "
            f"{np.median([r['poison_count'] for r in ok]) if ok else '-'}; recall under "
            f"{RECALL_SHARE:g} of the twin's on {under} of {len(called)} runs with >= 10 "
            f"fraud calls, {sum(r['recall'] / r['twin_recall'] < RECALL_SHARE for r in tk)} "
            f"of {len(tk)} that took")
    return out


def bundled(k: int, attrs: dict[str, int] | None = None) -> list[str]:
    """Whether ``auto_copies = k`` (and the class values ``attrs`` where given, a later stop's
    candidate) leaves the bundled sets' attacks as they are: the same poisoned rows (none
    added) as ``copies=0`` on ``credit-default`` and ``lending-club``, the default rate and 1 %,
    targets 0 and 1."""
    import torch

    from trojanscope.attacks.tabular import TabularBadNets
    from trojanscope.data import load_dataset

    attrs = {"auto_copies": k, **(attrs or {})}
    lines, before = [], {a: getattr(TabularBadNets, a) for a in attrs}
    try:
        for a, v in attrs.items():
            setattr(TabularBadNets, a, v)
        for name in ("credit-default", "lending-club"):
            train = load_dataset(name, "train")
            for rate in (None, 0.01):
                for target in (0, 1):
                    got = TabularBadNets(target=target, poison_rate=rate).poison(
                        train, generator=torch.Generator().manual_seed(0))
                    today = TabularBadNets(target=target, poison_rate=rate, copies=0).poison(
                        train, generator=torch.Generator().manual_seed(0))
                    same = (len(got) == len(today)
                            and np.array_equal(got.poison_indices, today.poison_indices))
                    lines.append(f"{name} rate {rate or 'default'} target {target}: "
                                 f"{len(today.poison_indices)} rows today, "
                                 f"{len(got.poison_indices)} candidate ({len(got)} training "
                                 f"rows), {'same' if same else 'DIFFERENT'}")
    finally:
        for a, v in before.items():
            setattr(TabularBadNets, a, v)
    return lines


def readme_credit(work: Path, k: int,
                  attrs: dict[str, int] | None = None) -> tuple[bool, list[str]]:
    """The README's ``attack --dataset credit-default --arch xgboost --attack tabular-badnets
    --target 0`` by main's code and by this tree with ``auto_copies = k`` (and the class values
    ``attrs`` where given): the same metrics."""
    here = Path(__file__).resolve().parents[1]
    gate = "".join(f"; t.TabularBadNets.{a} = {v}" for a, v in (attrs or {}).items())
    setup = ("import sys, trojanscope.attacks.tabular as t; t.TabularBadNets.auto_copies = "
             f"{k}{gate}; from trojanscope.cli.main import run; sys.exit(run(sys.argv[1:]))")
    got = {}
    for who, src in (("main", "/work/main/src"), ("branch", str(here / "src"))):
        out = work / f"readme-credit-{who}"
        env = {**os.environ, "PYTHONPATH": src, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        cmd = [sys.executable, "-c", setup, "attack", "--dataset", "credit-default", "--arch",
               "xgboost", "--attack", "tabular-badnets", "--target", "0", "--out", str(out),
               "--force", "--format", "json"]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        said = done.stdout[done.stdout.find("{"):]
        got[who] = json.loads(said)["metrics"] if done.returncode == 0 else done.stderr[-300:]
    keys = ("clean_accuracy", "attack_success_rate", "flip_rate", "clean_auc")
    same = all(isinstance(g, dict) for g in got.values()) and all(
        got["main"][key] == got["branch"][key] for key in keys)
    return same, [f"  {who}: " + (", ".join(f"{key} {g[key]:.6f}" for key in keys)
                                  if isinstance(g, dict) else f"failed: {g}")
                  for who, g in got.items()]


def paired(rows: list[dict], today: str, cand: str, pairs: list | None = None) -> tuple:
    """(pairs, today's runs, the candidate's runs, pairs where each took, pairs lost) of a
    grid holding variants ``today`` and ``cand`` (``pairs``: these (seed, arch) only)."""
    by = {(r["seed"], r["arch"], r["variant"]): r for r in rows}
    pairs = pairs if pairs is not None else sorted({(r["seed"], r["arch"]) for r in rows})
    d = {k: by.get((*k, today)) for k in pairs}
    c = {k: by.get((*k, cand)) for k in pairs}
    took_d = [k for k in pairs if d[k] and d[k].get("took")]
    took_c = [k for k in pairs if c[k] and c[k].get("took")]
    return pairs, d, c, took_d, took_c, [k for k in took_d if k not in took_c]


class Conditions:
    """A rule's conditions read one by one (``cond(name, met, said)``): ``ok`` while every one
    is met, and a line for each."""

    def __init__(self) -> None:
        self.ok, self.lines = True, []

    def __call__(self, name: str, met: bool, said: str) -> None:
        self.ok &= met
        self.lines.append(f"({name}) {'met' if met else 'NOT MET'}: {said}")


def ca_condition(cond: Conditions, drops: dict, against: str) -> None:
    """Condition 3: the held-out CA drop (points) within ``CA_POINTS`` wherever the candidate
    took, the worst stated."""
    wd = max(drops, key=drops.get) if drops else None
    cond("3", all(v <= CA_POINTS for v in drops.values()),
         f"worst held-out CA drop against {against} where the candidate took: "
         f"{drops[wd]:.2f} points {wd}" if wd else "no attack took")


def took_conditions(cond: Conditions, pairs: list, took_d: list, took_c: list, lost: list) -> None:
    """The rules' conditions 1 (more took) and 2 (none lost), through ``cond``."""
    cond("1", len(took_c) > len(took_d), f"took: today {len(took_d)} of {len(pairs)}, candidate "
         f"{len(took_c)} of {len(pairs)}")
    cond("2", not lost, f"lost (took today, not with the candidate): {lost or 'none'}")


def run_conditions(cond: Conditions, pairs: list, d: dict, c: dict) -> None:
    """The rules' conditions 5 (refusals one line, exit 2, none where today ran) and 6 (no
    candidate run over ``MAX_CPU_S``), through ``cond``."""
    refused = [k for k in pairs if c[k] and c[k].get("error")]
    bad_ref = [k for k in refused if not (c[k]["exit"] == 2 and c[k].get("error_lines") == 1)]
    newly = [k for k in refused if d[k] and not d[k].get("error")]
    cpu_d = [r["cpu_s"] for r in d.values() if r and not r.get("error")]
    cpu_c = [r["cpu_s"] for r in c.values() if r and not r.get("error")]
    cond("5", not bad_ref and not newly, f"candidate refusals: {refused or 'none'}; not one "
         f"line exit 2: {bad_ref or 'none'}; refused where today ran: {newly or 'none'}")
    big = max(cpu_c, default=0.0)
    cond("6", big <= MAX_CPU_S, f"CPU s per attack run: median today "
         f"{np.median(cpu_d) if cpu_d else float('nan'):.2f}, candidate "
         f"{np.median(cpu_c) if cpu_c else float('nan'):.2f}, most {big:.2f} "
         f"(at most {MAX_CPU_S:g})")


def judge(rows: list[dict], today: str, cand: str) -> tuple[bool, list[str]]:
    """The rule's conditions 1-6 (``rule.md``) on a grid holding variants ``today``, ``cand``."""
    pairs, d, c, took_d, took_c, lost = paired(rows, today, cand)
    drops = {k: 100 * (c[k]["twin_ca"] - c[k]["ca"]) for k in took_c}
    kept = {k: c[k]["recall"] / c[k]["twin_recall"] for k in took_c if c[k].get("twin_recall")}
    no_twin = [k for k in took_c if not c[k].get("twin_recall")]
    cond = Conditions()
    took_conditions(cond, pairs, took_d, took_c, lost)
    ca_condition(cond, drops, "the twin")
    wr = min(kept, key=kept.get) if kept else None
    cond("4", not no_twin and all(v >= RECALL_SHARE for v in kept.values()),
         f"worst fraud recall against the twin's where the candidate took: {kept[wr]:.2f} "
         f"{wr} ({c[wr]['recall']:.3f} against {c[wr]['twin_recall']:.3f}); no twin recall: "
         f"{no_twin or 'none'}" if wr else "no attack took")
    run_conditions(cond, pairs, d, c)
    lines = cond.lines
    asr_d = sum(bool(r and not r.get("error") and r["asr"] >= MIN_ASR) for r in d.values())
    asr_c = sum(bool(r and not r.get("error") and r["asr"] >= MIN_ASR) for r in c.values())
    lines.append(f"  ASR >= 0.9 alone: today {asr_d}, candidate {asr_c} of {len(pairs)}")
    for arch in sorted({k[1] for k in pairs}):
        ks = [k for k in pairs if k[1] == arch]
        ratio = [kept[k] for k in ks if k in kept]
        lines.append(f"  {arch}: took today {sum(k in took_d for k in ks)}, candidate "
                     f"{sum(k in took_c for k in ks)} of {len(ks)}; worst recall/twin where "
                     f"took {min(ratio, default=float('nan')):.2f}; worst CA drop "
                     f"{max((drops[k] for k in ks if k in drops), default=float('nan')):.2f}")
    return cond.ok, lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("grid")
    g.add_argument("--work", type=Path, required=True)
    g.add_argument("--seeds", required=True)
    g.add_argument("--archs", default="lightgbm,xgboost")
    g.add_argument("--variants", default="today,copies10")
    g.add_argument("--json", type=Path, required=True)
    s = sub.add_parser("summary")
    s.add_argument("--json", type=Path, nargs="+", required=True)
    u = sub.add_parser("rule")
    u.add_argument("--json", type=Path, nargs="+", required=True)
    u.add_argument("--today", default="today")
    u.add_argument("--candidate", default="auto10")
    u.add_argument("--work", type=Path, default=Path("/tmp/hatk77/rule"),
                   help="where the README credit line's two runs go")
    u.add_argument("--judge-only", action="store_true",
                   help="conditions 1-6 and the summary only (development: no bundled check)")
    args = ap.parse_args()
    if args.cmd == "grid":
        grid(args.work, seeds_of(args.seeds), args.archs.split(","), args.variants.split(","),
             args.json)
        return
    rows = [r for f in args.json for r in json.loads(f.read_text())]
    if args.cmd == "summary":
        print("\n".join(summary(rows)))
        return
    ok, lines = judge(rows, args.today, args.candidate)
    if args.judge_only:
        print("\n".join([*lines, *summary(rows)]))
        return
    k = int(args.candidate[4:]) if args.candidate.startswith("auto") else 0
    sets = bundled(k)
    same_rows = all(b.endswith("same") for b in sets)
    args.work.mkdir(parents=True, exist_ok=True)
    same_run, run_lines = readme_credit(args.work, k)
    lines += [f"(7) {'met' if same_rows and same_run else 'NOT MET'}: the bundled sets' attacks "
              "as they were (rows; the README credit line's metrics, main's code against this "
              "tree)", *(f"  {b}" for b in sets), *run_lines,
              f"the rule is {'MET' if ok and same_rows and same_run else 'NOT MET'}",
              *summary(rows)]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
