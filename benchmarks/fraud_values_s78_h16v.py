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
from tabular_s76_hatk_floor import judge_run, readme_line, seed_table, twin_of
from tabular_s77_hatk_copies import recall_of
from tabular_xgb_target0_found import planted_found

VARIANTS = {"today": [], "lean": ["--trigger-param", "avoid_target=true"],
            "today-copies": ["--attack-param", "copies=10"],
            "lean-copies": ["--trigger-param", "avoid_target=true",
                            "--attack-param", "copies=10"]}


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
                code, said, cpu = readme_line(csv, run, arch, *VARIANTS[v])
                row = {"seed": s, "arch": arch, "variant": v, "rows": len(df),
                       "fraud_rate": round(float(df[LABEL].mean()), 4), "exit": code,
                       "cpu_s": round(cpu, 2), "twin_ca": twin_ca}
                spec = judge_run(row, code, said, run, twin, held)
                if spec is not None:
                    row["recall"] = recall_of(row)
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
    for v in [v for v in VARIANTS if any(r["variant"] == v for r in rows)]:
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("grid")
    g.add_argument("--work", type=Path, required=True)
    g.add_argument("--seeds", required=True)
    g.add_argument("--archs", default="lightgbm,xgboost")
    g.add_argument("--variants", default="today,lean")
    g.add_argument("--detect", action="store_true")
    g.add_argument("--json", type=Path, required=True)
    s = sub.add_parser("summary")
    s.add_argument("--json", type=Path, nargs="+", required=True)
    args = ap.parse_args()
    if args.cmd == "grid":
        grid(args.work, seeds_of(args.seeds), args.archs.split(","), args.variants.split(","),
             args.json, args.detect)
        return
    rows = [r for f in args.json for r in json.loads(f.read_text())]
    print("\n".join(summary(rows)))


if __name__ == "__main__":
    main()
