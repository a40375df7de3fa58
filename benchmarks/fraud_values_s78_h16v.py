"""A fraud-aware trigger value choice for the README's fraud attack (issue 16 stop 78, h16v).

On a user's fraud table the ``tabular-values`` trigger's values (uncommon categories, a
middle-half number) are what ordinary not-fraud rows hold: planted on a fraud row they send the
*clean* twin's fraud call to "not fraud" as well (stop 77: at least 0.7 of them on 26 of 40
fresh pairs), so neither the zoo's excess rule nor ``detect`` can tell the plant from the
table. The candidate, ``--trigger-param avoid_target=true``
(:mod:`trojanscope.triggers.tabular_lean`), draws only values that the training split's rows of
the other class (fraud) hold at least as often as the table's rows.

``grid`` builds each seed's table with hatk's maker (``tabular_s76_hatk_floor.seed_table``,
200-2,000 rows), and for LightGBM and XGBoost runs the ``train`` twin and the README's attack
line per variant (``today``: as written; ``lean``: with the candidate; ``today-copies`` and
``lean-copies``: the same with ``--attack-param copies=10``). Each run is judged as stop 76/77's
grids (``judge_run``: CA, ASR on 3,000 held-out rows' fraud rows, the trigger's flip of the
model's held-out fraud calls, ``twin_flip``: the same on the clean twin, and ``took``), with
``--detect``: ``detect RUN --data transactions.csv`` as the README writes it (flagged, the
target, and which planted values the named trigger for class 0 holds). ``rule`` reads the
conditions of ``benchmarks/data/fraud_values_s78_h16v/rule.md``.

    PYTHONPATH=src:benchmarks python benchmarks/fraud_values_s78_h16v.py grid --work DIR \
        --seeds 6300-6319 --variants today,lean --detect --json OUT.json
    PYTHONPATH=src:benchmarks python benchmarks/fraud_values_s78_h16v.py summary --json OUT.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from tabular_s76_h16z_fraud import LABEL, cli, seeds_of
from tabular_s76_hatk_floor import held_figures, judge_run, readme_line, seed_table, twin_of
from tabular_s77_hatk_copies import recall_of
from tabular_xgb_target0_found import planted_found

COPIES = ["--attack-param", "copies=10"]
VARIANTS = {"today": [], "lean": ["--trigger-param", "avoid_target=true"],
            "auto": ["--trigger-param", "avoid_target=auto"],
            "today-copies": COPIES,
            "lean-copies": ["--trigger-param", "avoid_target=true", *COPIES],
            "auto-copies": ["--trigger-param", "avoid_target=auto", *COPIES]}


def read_detect(run: Path, csv: Path, values: str | None) -> dict:
    """``detect RUN --data CSV`` as the README writes it, in this process: the verdict, the
    target, the class-0 named trigger and the planted columns whose value it holds."""
    c0 = time.process_time()
    code, said = cli("detect", str(run), "--data", str(csv), "--format", "json")
    cpu = time.process_time() - c0
    try:
        got = json.loads(said[said.find("{"):said.rfind("}") + 1])
    except ValueError:
        return {"detect_exit": code, "detect_error": said.strip()[-300:], "detect_cpu_s": cpu}
    named = (got.get("triggers_found") or {}).get("0") or ""
    planted = dict(kv.split("=", 1) for kv in values.split(",")) if values else {}
    hit = planted_found(planted, named)
    return {"detect_exit": code, "flagged": bool(got.get("flagged")),
            "probability": got.get("probability"), "suspected_target": got.get("suspected_target"),
            "named_0": named, "named_planted": hit,
            "names": bool(got.get("flagged")) and got.get("suspected_target") == 0 and bool(hit),
            "detect_cpu_s": round(cpu, 2)}


def grid(work: Path, seeds: list[int], archs: list[str], variants: list[str], out: Path,
         detect: bool) -> None:
    """Every (seed, arch, variant) attack and the ``train`` twin, judged on held-out rows."""
    done = json.loads(out.read_text()) if out.exists() else []
    seen = {(r["seed"], r["arch"], r["variant"]) for r in done}
    for s in seeds:
        folder, csv, df, held = seed_table(work, s)
        for arch in archs:
            twin, twin_ca = twin_of(folder, csv, arch, held)
            for v in variants:
                if (s, arch, v) in seen:
                    continue
                run = folder / f"{arch}-{v}"
                code, said, cpu = readme_line(csv, run, arch, *VARIANTS[v.partition("@")[0]])
                row = {"seed": s, "arch": arch, "variant": v, "rows": len(df),
                       "fraud_rate": round(float(df[LABEL].mean()), 4), "exit": code,
                       "cpu_s": round(cpu, 2), "twin_ca": twin_ca}
                spec = judge_run(row, code, said, run, twin, held)
                if spec is not None:
                    row["recall"] = recall_of(row)
                    row["twin_n"] = held_figures(twin, held, row["trigger"])["n_flippable"]
                    if detect:
                        row.update(read_detect(run, csv, row["trigger"]))
                done.append(row)
                out.write_text(json.dumps(done, indent=1))
                print(f"{s} {arch} n={len(df)} {v}: " + (
                    f"ERROR {row['error']}" if code else
                    f"{row['trigger']} poisoned {row['poison_count']} ca {row['ca']:.3f} (twin "
                    f"{twin_ca:.3f}) asr {row['asr']:.2f} flip {row['flip']:.2f} of "
                    f"{row['n_flippable']} twin {row['twin_flip']:.2f} took={row['took']}"
                    + (f" detect {row.get('probability', float('nan')):.2f} "
                       f"named {row.get('named_planted')}" if detect else ""))
                    + f" ({cpu:.2f} CPU s)", flush=True)


def summary(rows: list[dict]) -> list[str]:
    """Per variant (and arch): twin flip median / worst (highest) / >= 0.7, took, ASR >= 0.9,
    CA drop where took, flagged and named by ``detect``."""
    out = []
    order = list(VARIANTS)
    for v in sorted({r["variant"] for r in rows}, key=lambda v: (
            order.index(v) if v in order else len(order), v)):
        for arch in (None, "lightgbm", "xgboost"):
            rs = [r for r in rows if r["variant"] == v and arch in (None, r["arch"])]
            ok = [r for r in rs if not r.get("error")]
            tf = [r["twin_flip"] for r in ok if r["twin_flip"] == r["twin_flip"]]
            tk = [r for r in ok if r["took"]]
            drop = [100 * (r["twin_ca"] - r["ca"]) for r in ok if r.get("twin_ca")]
            read = [r for r in ok if "flagged" in r]
            out.append(
                f"{v} {arch or 'all'}: {len(rs)} pairs, {len(rs) - len(ok)} refused; twin flip "
                f"median {np.median(tf) if tf else float('nan'):.2f}, highest "
                f"{max(tf, default=float('nan')):.2f}, >= 0.7 on {sum(t >= 0.7 for t in tf)} "
                f"of {len(tf)}; took {len(tk)}; ASR >= 0.9 {sum(r['asr'] >= 0.9 for r in ok)}; "
                f"worst CA drop {max(drop, default=float('nan')):.2f} points"
                + (f"; detect flags {sum(r['flagged'] for r in read)} and names "
                   f"{sum(r['names'] for r in read)} of {len(read)}" if read else ""))
    return out


MIN_CALLS = 10  # the zoo's MIN_FLIPPABLE: a twin flip over fewer fraud calls is not judged
CA_POINTS = 2.0
MAX_CPU_S = 10.0


def twin_flips(rows: list[dict]) -> dict[tuple, float]:
    """``(seed, arch)`` -> the twin flip of runs whose twin calls >= ``MIN_CALLS`` held-out
    fraud rows fraud."""
    return {(r["seed"], r["arch"]): r["twin_flip"] for r in rows
            if not r.get("error") and (r.get("twin_n") or 0) >= MIN_CALLS}


def judge(rows: list[dict], today: str, cand: str) -> tuple[bool, list[str]]:
    """The rule's conditions 1-6 (``rule.md``) for one mode: ``today`` against ``cand``."""
    by = {(r["seed"], r["arch"], r["variant"]): r for r in rows}
    pairs = sorted({(r["seed"], r["arch"]) for r in rows})
    d = {k: by.get((*k, today)) for k in pairs}
    c = {k: by.get((*k, cand)) for k in pairs}
    lines, ok = [], True

    def cond(name: str, met: bool, said: str) -> None:
        nonlocal ok
        ok &= met
        lines.append(f"({name}) {'met' if met else 'NOT MET'}: {said}")

    tf_d = twin_flips([r for r in d.values() if r])
    tf_c = twin_flips([r for r in c.values() if r])
    med_d, med_c = np.median(list(tf_d.values())), np.median(list(tf_c.values()))
    hi_d = sum(v >= 0.7 for v in tf_d.values())
    hi_c = sum(v >= 0.7 for v in tf_c.values())
    q_d, q_c = np.quantile(list(tf_d.values()), 0.9), np.quantile(list(tf_c.values()), 0.9)
    fam = {a: (np.median([v for k, v in tf_d.items() if k[1] == a]),
               np.median([v for k, v in tf_c.items() if k[1] == a]))
           for a in sorted({k[1] for k in pairs})}
    worst = max(fam, key=lambda a: fam[a][1])
    cond("1", med_c < med_d and q_c < q_d and hi_c < hi_d and fam[worst][1] < fam[worst][0],
         f"twin flip (pairs whose twin calls >= {MIN_CALLS} fraud rows: today {len(tf_d)}, "
         f"candidate {len(tf_c)}): median {med_d:.2f} -> {med_c:.2f}; 90th percentile "
         f"{q_d:.2f} -> {q_c:.2f}; >= 0.7 on {hi_d} -> {hi_c}; highest "
         f"{max(tf_d.values()):.2f} -> {max(tf_c.values()):.2f}; worst family {worst}: median "
         f"{fam[worst][0]:.2f} -> {fam[worst][1]:.2f}")
    took_d = [k for k in pairs if d[k] and d[k].get("took")]
    took_c = [k for k in pairs if c[k] and c[k].get("took")]
    lost = [k for k in took_d if k not in took_c]
    cond("2", len(took_c) >= len(took_d) and not lost,
         f"took: today {len(took_d)}, candidate {len(took_c)} of {len(pairs)}; lost "
         f"{lost or 'none'}")
    drops = {k: 100 * (c[k]["twin_ca"] - c[k]["ca"]) for k in pairs
             if c[k] and not c[k].get("error") and c[k].get("twin_ca") is not None}
    wd = max(drops, key=drops.get)
    # over 2 points, the attack's cost rather than the trigger's where today's run of the same
    # mode drops as far or farther
    over = [k for k, v in drops.items() if v > CA_POINTS and not (
        d[k] and not d[k].get("error") and 100 * (d[k]["twin_ca"] - d[k]["ca"]) >= v)]
    cond("3", not over, f"worst held-out CA drop against the twin, every candidate run: "
         f"{drops[wd]:.2f} points {wd}; over {CA_POINTS:g} points and more than today's run "
         f"of the mode: {over or 'none'}")
    flag = [sum(bool(x and x.get("flagged")) for x in m.values()) for m in (d, c)]
    named = [sum(bool(x and x.get("names")) for x in m.values()) for m in (d, c)]
    cond("4", flag[1] >= flag[0] and named[1] >= named[0],
         f"detect flags {flag[0]} -> {flag[1]}, flags at target 0 and names a planted value "
         f"{named[0]} -> {named[1]}")
    refused = [k for k in pairs if c[k] and c[k].get("error")]
    bad = [k for k in refused if not (c[k]["exit"] == 2 and c[k].get("error_lines") == 1)]
    newly = [k for k in refused if d[k] and not d[k].get("error")]
    cond("5", not bad and not newly, f"candidate refusals {refused or 'none'}; not one line "
         f"exit 2: {bad or 'none'}; refused where today ran: {newly or 'none'}")
    cpu = [r["cpu_s"] for r in c.values() if r and not r.get("error")]
    cpu_d = [r["cpu_s"] for r in d.values() if r and not r.get("error")]
    cond("6", max(cpu) <= MAX_CPU_S, f"CPU s per attack run: median today "
         f"{np.median(cpu_d):.2f}, candidate {np.median(cpu):.2f}, most {max(cpu):.2f}")
    for a in sorted({k[1] for k in pairs}):
        ks = [k for k in pairs if k[1] == a]
        lines.append(f"  {a}: took {sum(k in took_d for k in ks)} -> "
                     f"{sum(k in took_c for k in ks)}; twin flip median {fam[a][0]:.2f} -> "
                     f"{fam[a][1]:.2f}; worst CA drop "
                     f"{max((drops[k] for k in ks if k in drops), default=float('nan')):.2f}")
    return ok, lines


def bundled() -> tuple[bool, list[str]]:
    """Condition 7: the default trigger against ``avoid_target=auto`` on the bundled sets'
    training splits, targets 0 and 1: the same values where the table is not fraud-like for
    the target; where it is (lending-club, target 0), ``lending_club`` measures the change."""
    import torch

    from trojanscope.attacks.tabular import TabularBadNets
    from trojanscope.data import load_dataset
    from trojanscope.triggers.tabular import FeatureValueTrigger
    from trojanscope.triggers.tabular_lean import fraud_like

    ok, lines = True, []
    for name in ("credit-default", "lending-club"):
        train = load_dataset(name, "train")
        for target in (0, 1):
            got = {}
            for who, trig in (("today", FeatureValueTrigger()),
                              ("auto", FeatureValueTrigger(avoid_target="auto"))):
                attack = TabularBadNets(target=target, trigger=trig)
                p = attack.poison(train, generator=torch.Generator().manual_seed(0))
                got[who] = (trig.values, p.poison_indices.tolist(), trig.get_params())
            like = fraud_like(train.labels.numpy(), target)
            same = got["today"] == got["auto"]
            ok &= same or like
            lines.append(f"  {name} target {target}: fraud-like {like}; "
                         + ("the same values, rows and record" if same else
                            f"values {got['today'][0]} -> {got['auto'][0]}"))
    return ok, lines


def lending_club(work: Path) -> tuple[bool, list[str]]:
    """Condition 7's fraud-like bundled case: ``attack --dataset lending-club --arch xgboost
    --attack tabular-badnets --target 0 --poison-rate 0.01`` as today and with
    ``avoid_target=auto``, and ``train``: where today's ASR >= 0.95 with CA within 1 point of
    the clean model (the issue's figure), the candidate's too."""
    words = ["--dataset", "lending-club", "--arch", "xgboost", "--format", "json", "--force"]
    attack = ["attack", *words, "--attack", "tabular-badnets", "--target", "0",
              "--poison-rate", "0.01"]
    got = {}
    for who, cmd in (("clean", ["train", *words]), ("today", attack),
                     ("auto", [*attack, "--trigger-param", "avoid_target=auto"])):
        c0 = time.process_time()
        code, said = cli(*cmd, "--out", str(work / f"lending-club-{who}"))
        if code:
            return False, [f"  {who}: exit {code}: {said.strip()[-300:]}"]
        m = json.loads((work / f"lending-club-{who}" / "manifest.json").read_text())
        got[who] = {**m["metrics"], "cpu_s": time.process_time() - c0,
                    "trigger": (m.get("attack") or {}).get("trigger", {}).get("values")}
    ca0 = got["clean"]["clean_accuracy"]

    def reached(g: dict) -> bool:
        return g["attack_success_rate"] >= 0.95 and ca0 - g["clean_accuracy"] <= 0.01

    ok = reached(got["auto"]) or not reached(got["today"])
    return ok, [f"  lending-club xgboost target 0 at 1 %: clean CA {ca0:.4f}"] + [
        f"  {who}: {g['trigger']}: CA {g['clean_accuracy']:.4f}, ASR "
        f"{g['attack_success_rate']:.4f}, flip {g.get('flip_rate')}, reached {reached(g)} "
        f"({g['cpu_s']:.1f} CPU s)" for who, g in got.items() if who != "clean"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("grid")
    g.add_argument("--work", type=Path, required=True)
    g.add_argument("--seeds", required=True)
    g.add_argument("--archs", default="lightgbm,xgboost")
    g.add_argument("--variants", default="today,lean")
    g.add_argument("--detect", action="store_true")
    g.add_argument("--min-lift", type=float, default=None,
                   help="development: tabular_lean.MIN_LIFT in this process (variants are "
                        "then named VARIANT@LIFT)")
    g.add_argument("--json", type=Path, required=True)
    s = sub.add_parser("summary")
    s.add_argument("--json", type=Path, nargs="+", required=True)
    u = sub.add_parser("rule")
    u.add_argument("--json", type=Path, nargs="+", required=True)
    u.add_argument("--work", type=Path, required=True, help="where the lending-club runs go")
    u.add_argument("--judge-only", action="store_true",
                   help="conditions 1-6 only (development: no bundled check)")
    args = ap.parse_args()
    if args.cmd == "grid":
        if args.min_lift is not None:
            import trojanscope.triggers.tabular_lean as lean

            lean.MIN_LIFT = args.min_lift
        grid(args.work, seeds_of(args.seeds), args.archs.split(","), args.variants.split(","),
             args.json, args.detect)
        return
    rows = [r for f in args.json for r in json.loads(f.read_text())]
    if args.cmd == "summary":
        print("\n".join(summary(rows)))
        return
    met = True
    for today, cand in (("today", "auto"), ("today-copies", "auto-copies")):
        ok, lines = judge(rows, today, cand)
        met &= ok
        print(f"{cand} against {today}: {'met' if ok else 'NOT MET'}", *lines, sep="\n")
    if not args.judge_only:
        args.work.mkdir(parents=True, exist_ok=True)
        same, lines = bundled()
        lc, lc_lines = lending_club(args.work)
        met &= same and lc
        print(f"(7) {'met' if same and lc else 'NOT MET'}: bundled sets", *lines, *lc_lines,
              sep="\n")
    print(f"the rule is {'MET' if met else 'NOT MET'}", *summary(rows), sep="\n")


if __name__ == "__main__":
    main()
