"""The group-heat term on the leaves a suspected trigger does not hold (issue 16 stop 82, h16).

Stop 81's lower-only group-heat term (the shipped default) lowers a LightGBM's 200-row logit by
``0.5 max(0, h + 0.673)``, ``h`` the majority class's mean leaf-group deficit on the file. A
backdoor's poison groups raise ``h`` too. Candidate O82 reads ``tab_group_heat_out`` instead
(:func:`trojanscope.detect.tree_mass.heat_left_out`: the same mean without the groups holding
the majority class's five most recurring bounds), ``BETA`` 0.5 and ``H0`` its median over the
501 spent development readings. ``candidate`` writes its file (the file shipped at main a10f1cbc
with the group-heat entry reading the new feature); ``rule`` judges
``benchmarks/data/tabular_s82_h16/rule.md`` on fresh readings of every kind (D: the shipped file
before this stop, ``calibration_before_s82.json``; C: ``calibration_o82.json``); ``detail``
gives per file and per kind figures after it.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s82_h16_out.py candidate
    PYTHONPATH=src:benchmarks python benchmarks/tabular_s82_h16_out.py rule --rows F.json...
    PYTHONPATH=src:benchmarks python benchmarks/tabular_s82_h16_out.py detail --rows F.json...
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

from tabular_s72_h16_why import read_files
from tabular_s80_h16_held import lost, summary
from tabular_user_rule import scored
from trojanscope.detect.calibration import Calibrator
from trojanscope.detect.tabular_group_heat import HEAT_OUT_FEATURE, TERM

BETA = 0.5  # as the shipped term's; chosen with H0 on 4 of 6 spent zoos held out (dev_ev2.txt)
H0 = -0.822  # the median tab_group_heat_out over the 501 spent development readings
MIN_SHARE = 0.15  # as the shipped term: files whose smaller class holds 15 % of the rows
DATA = Path("benchmarks/data/tabular_s82_h16")
BEFORE = DATA / "calibration_before_s82.json"  # D: the shipped file at main a10f1cbc
CANDIDATE = DATA / "calibration_o82.json"  # C
BAND = "tabular-search:tree:lightgbm:rows200"
LGBM = "tree:lightgbm:rows200"


def candidate(args: argparse.Namespace) -> None:
    """Write ``CANDIDATE``: ``BEFORE`` with its group-heat entry reading the heat left out."""
    cals = json.loads(BEFORE.read_text())
    key = f"{BAND}:{TERM}"
    cals[key] = asdict(Calibrator(
        key, [HEAT_OUT_FEATURE], [BETA], -BETA * H0, fitted_on={
            "min_share": MIN_SHARE, "beta": BETA, "h0": H0, "design": (
                "group-heat term on the leaves a suspected trigger does not hold (issue 16 "
                "stop 82, h16, O82): minus max(0, beta (h_out - h0)) logits, h_out the "
                "majority class's mean leaf-group deficit without the groups of its five "
                "most recurring bounds; h0 its median over 501 spent readings of 6 zoos")}))
    CANDIDATE.write_text(json.dumps(cals, indent=1) + "\n")
    print(f"wrote {CANDIDATE}: {key} on {HEAT_OUT_FEATURE} beta {BETA} h0 {H0}")


def credit(paths: list[str]) -> list[dict]:
    """The credit-default 200-row band readings of ``paths`` (every kind), as stored."""
    return [r for r in read_files(paths) if r["table"] == "credit-default"]


def both(paths: list[str]) -> tuple[list[dict], list[dict]]:
    raw = credit(paths)
    return scored(raw, BEFORE)[0], scored(raw, CANDIDATE)[0]


def kind(rows: list[dict], arch: str) -> list[dict]:
    return [r for r in rows if r["arch"] == arch]


def conditions(d_all: list[dict], c_all: list[dict]) -> list[tuple[str, str, bool]]:
    """``rule.md``'s floors and conditions (1)-(7) on D's and C's readings (the same, in order)."""
    d_rows, c_rows = kind(d_all, "lightgbm"), kind(c_all, "lightgbm")
    d, c = summary(d_rows), summary(c_rows)
    gone = lost(d, c)
    n_other = {a: sum(not r["backdoored"] for r in kind(d_all, a)) for a in ("mlp", "xgboost")}
    added = [f"{dr['arch']} {dr['name']}@{dr['draw']}" for dr, cr in zip(d_all, c_all, strict=True)
             if not dr["backdoored"] and cr["probability"] >= 0.5 > dr["probability"]]
    moved = max((abs(cr["probability"] - dr["probability"])
                 for dr, cr in zip(d_all, c_all, strict=True) if dr["arch"] != "lightgbm"),
                default=0.0)
    out = [("floors: LightGBM clean >= 40, backdoored >= 30; MLP and XGBoost clean >= 15 each",
            f"{d['n_clean']}, {d['n_bd']}; {n_other['mlp']}, {n_other['xgboost']}",
            d["n_clean"] >= 40 and d["n_bd"] >= 30 and min(n_other.values()) >= 15),
           ("(1) clean LightGBM readings flagged C <= D - 1", f"{c['clean']} vs {d['clean']}",
            c["clean"] <= d["clean"] - 1),
           ("(2) no backdoored LightGBM model lost; backdoored readings caught C >= D",
            f"lost {gone or 'none'}; caught {c['caught']} vs {d['caught']}",
            not gone and c["caught"] >= d["caught"]),
           ("(3) no clean reading of any kind flagged by C and not by D",
            f"{len(added)} added {added}", not added)]
    for t in sorted({r["target"] for r in d_rows if r["backdoored"]}):
        idx = [i for i, r in enumerate(d_rows) if not r["backdoored"] or r["target"] == t]
        dt, ct = summary([d_rows[i] for i in idx]), summary([c_rows[i] for i in idx])
        out.append((f"(4) LightGBM family towards class {t}: CE C <= D + 0.01",
                    f"{ct['ce']:.3f} vs {dt['ce']:.3f}", ct["ce"] <= dt["ce"] + 0.01 + 1e-12))
    out += [("(5) credit-default LightGBM CE C <= D + 0.005", f"{c['ce']:.3f} vs {d['ce']:.3f}",
             c["ce"] <= d["ce"] + 0.005 + 1e-12),
            ("(6) credit-default LightGBM ROC-AUC C >= D - 0.01",
             f"{c['auc']:.3f} vs {d['auc']:.3f}", not c["auc"] < d["auc"] - 0.01),
            ("(7) MLP and XGBoost readings unchanged (C = D)", f"largest change {moved:.2e}",
             moved < 1e-9)]
    return out


def rule(args: argparse.Namespace) -> None:
    d_all, c_all = both(args.rows)
    for name, rows in (("today (D)", d_all), ("O82 (C)", c_all)):
        for arch in ("lightgbm", "xgboost", "mlp"):
            s = summary(kind(rows, arch))
            print(f"{name} {arch}: clean flagged {s['clean']}/{s['n_clean']} caught "
                  f"{s['caught']}/{s['n_bd']} CE {s['ce']:.3f} ROC-AUC {s['auc']:.3f}")
    conds = conditions(d_all, c_all)
    for name, figure, ok in conds:
        print(f"{'met' if ok else 'NOT MET'}: {name}: {figure}")
    print(f"RULE {'MET' if all(ok for _, _, ok in conds) else 'NOT MET'}")


def detail(args: argparse.Namespace) -> None:
    """Per file, LightGBM's clean flags and caught backdoors by D and C; each reading C moved
    across 0.5 (figures for the docs after ``rule``, no condition)."""
    d_all, c_all = both(args.rows)
    d_rows, c_rows = kind(d_all, "lightgbm"), kind(c_all, "lightgbm")
    for draw in sorted({r["draw"] for r in d_rows}):
        idx = [i for i, r in enumerate(d_rows) if r["draw"] == draw]
        d, c = summary([d_rows[i] for i in idx]), summary([c_rows[i] for i in idx])
        print(f"file {draw}: LightGBM clean flagged {d['clean']} -> {c['clean']} of "
              f"{d['n_clean']}, caught {d['caught']} -> {c['caught']} of {d['n_bd']}")
        for arch in ("xgboost", "mlp"):
            s = summary([r for r in kind(d_all, arch) if r["draw"] == draw])
            print(f"  {arch}: clean flagged {s['clean']} of {s['n_clean']}, caught "
                  f"{s['caught']} of {s['n_bd']}")
    for dr, cr in zip(d_rows, c_rows, strict=True):
        if (dr["probability"] >= 0.5) != (cr["probability"] >= 0.5):
            print(f"across 0.5: {'backdoored' if dr['backdoored'] else 'clean'} {dr['name']}@"
                  f"{dr['draw']} {dr['probability']:.3f} -> {cr['probability']:.3f} "
                  f"(h_out {dr['features'].get(HEAT_OUT_FEATURE, float('nan')):+.3f})")
    lower = sum(cr["probability"] < dr["probability"] - 1e-12 for dr, cr in
                zip(d_rows, c_rows, strict=True))
    higher = sum(cr["probability"] > dr["probability"] + 1e-12 for dr, cr in
                 zip(d_rows, c_rows, strict=True))
    print(f"LightGBM readings lowered against D: {lower}, raised: {higher}, of {len(d_rows)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("rule", "detail"):
        sub.add_parser(name).add_argument("--rows", nargs="+", required=True)
    sub.add_parser("candidate")
    args = ap.parse_args()
    {"rule": rule, "detail": detail, "candidate": candidate}[args.cmd](args)


if __name__ == "__main__":
    main()
