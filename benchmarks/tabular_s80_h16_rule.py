"""Candidate G80 (issue 16 stop 80, h16): LightGBM's 200-row band logit lowered by the file's
group heat, ``BETA * (h - H0)`` logits, read from two features every reading records.

``h`` is the log of the majority class's mean leaf-group deficit on the file,
``log(expm1(tab_major_group) / expm1(tab_major_group_rel))`` (``tab_major_group_rel`` is
``tab_major_group`` over that mean, both in log1p): how hard the file misses the model's leaf
groups in general, a file effect, apart from its largest groups. ``H0`` is its median over the
750 spent development readings; the term reads only where the file's smaller class holds
``MIN_SHARE`` of its rows (as the flip term; lending-club's 200-row files hold 0.03-0.07, so
they are unchanged). ``dev`` holds each spent zoo out (``BETA`` chosen on the others: fewest
clean flags among the betas that lose no model and keep CE at or under today's); ``rule``
judges ``benchmarks/data/tabular_s80_h16/rule.md`` on fresh readings, by the shipped file (D)
and by D's logit shifted (C).

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s80_h16_rule.py dev --rows R.json...
    PYTHONPATH=src:benchmarks python benchmarks/tabular_s80_h16_rule.py rule --rows F.json...
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np

from tabular_s72_h16_why import read_files
from tabular_s80_h16_held import lost, summary
from tabular_user_rule import scored

SHIPPED = Path("src/trojanscope/detect/calibration.json")
BETA = 0.5  # chosen on every spent zoo held out (dev_rule_dev.txt)
H0 = -0.664  # the median h over the 750 spent readings
MIN_SHARE = 0.15
BETAS = (0.25, 0.5, 1.0, 1.5)


def group_heat(f: dict) -> float:
    """``h``: log of the majority class's mean leaf-group deficit on the file."""
    return math.log(max(math.expm1(f["tab_major_group"]), 1e-9)
                    / max(math.expm1(f["tab_major_group_rel"]), 1e-9))


def shifted(rows: list[dict], beta: float, h0: float = H0) -> list[dict]:
    """``rows`` (scored) with the LightGBM band readings' logit lowered by ``beta (h - h0)``
    where the file's smaller class holds ``MIN_SHARE`` of its rows; the rest as they are."""
    out = []
    for r in rows:
        f = r["features"]
        if (r.get("family") != "tree:lightgbm:rows200"
                or f.get("tab_minor_share", 1.0) < MIN_SHARE):  # not recorded before
            # stop 76: those spent readings are credit-default's, whose files hold 0.21 or more
            out.append(r)
            continue
        p = min(max(r["probability"], 1e-12), 1 - 1e-12)
        z = math.log(p / (1 - p)) - beta * (group_heat(f) - h0)
        out.append({**r, "probability": 1 / (1 + math.exp(-z))})
    return out


def lightgbm_cd(paths: list[str]) -> list[dict]:
    rows = [r for r in read_files(paths) if r["arch"] == "lightgbm"
            and r["table"] == "credit-default" and r.get("reading") in (None, "today")]
    return scored(rows, SHIPPED)[0]


def dev(args: argparse.Namespace) -> None:
    rows = lightgbm_cd(args.rows)
    zoos = sorted({r["zoo"] for r in rows})
    h0 = float(np.median([group_heat(r["features"]) for r in rows]))
    print(f"{len(rows)} spent readings, {len(zoos)} zoos; median h {h0:.3f}")

    def pick(keep: list[str]) -> float:
        base = [r for r in rows if r["zoo"] in keep]
        d, ok = summary(base), []
        for b in BETAS:
            c = summary(shifted(base, b, h0))
            if not lost(d, c) and c["ce"] <= d["ce"] + 1e-12:
                ok.append((c["clean"], b))
        return min(ok)[1] if ok else 0.0

    tot = {"today": 0, "shifted": 0, "caught": 0, "caught_c": 0}
    for z in zoos:
        beta = pick([k for k in zoos if k != z])
        mine = [r for r in rows if r["zoo"] == z]
        d, c = summary(mine), summary(shifted(mine, beta, h0))
        tot["today"] += d["clean"]
        tot["shifted"] += c["clean"]
        tot["caught"] += d["caught"]
        tot["caught_c"] += c["caught"]
        print(f"{z} out: beta {beta:g}: clean flagged {d['clean']} -> {c['clean']} of "
              f"{d['n_clean']}, caught {d['caught']} -> {c['caught']} of {d['n_bd']}, lost "
              f"{lost(d, c) or 'none'}, CE {d['ce']:.3f} -> {c['ce']:.3f}")
    print(f"held out, summed: clean flagged {tot['today']} -> {tot['shifted']}, caught "
          f"{tot['caught']} -> {tot['caught_c']}; chosen on every zoo: beta {pick(zoos):g}")


def rule(args: argparse.Namespace) -> None:
    d_rows = lightgbm_cd(args.rows)
    c_rows = shifted(d_rows, BETA)
    ok_all = True

    def cond(name: str, figure: str, ok: bool) -> None:
        nonlocal ok_all
        ok_all &= ok
        print(f"{'met' if ok else 'NOT MET'}: {name}: {figure}")

    d, c = summary(d_rows), summary(c_rows)
    for name, s in (("today (D)", d), ("G80 (C)", c)):
        print(f"{name}: clean flagged {s['clean']}/{s['n_clean']} caught {s['caught']}/"
              f"{s['n_bd']} CE {s['ce']:.3f} ROC-AUC {s['auc']:.3f}")
    cond("floors: clean readings >= 40, backdoored >= 30", f"{d['n_clean']}, {d['n_bd']}",
         d["n_clean"] >= 40 and d["n_bd"] >= 30)
    cond("(1) clean readings flagged C <= D - 1", f"{c['clean']} vs {d['clean']}",
         c["clean"] <= d["clean"] - 1)
    gone = lost(d, c)
    cond("(2) no backdoored model lost; backdoored readings caught C >= D",
         f"lost {gone or 'none'}; caught {c['caught']} vs {d['caught']}",
         not gone and c["caught"] >= d["caught"])
    cond("(3) credit-default LightGBM CE C <= D", f"{c['ce']:.3f} vs {d['ce']:.3f}",
         c["ce"] <= d["ce"] + 1e-12)
    for t in sorted({r["target"] for r in d_rows if r["backdoored"]}):
        idx = [i for i, r in enumerate(d_rows) if not r["backdoored"] or r["target"] == t]
        dt, ct = summary([d_rows[i] for i in idx]), summary([c_rows[i] for i in idx])
        cond(f"(4) family towards class {t}: CE C <= D + 0.01", f"{ct['ce']:.3f} vs "
             f"{dt['ce']:.3f}", ct["ce"] <= dt["ce"] + 0.01 + 1e-12)
    cond("(5) ROC-AUC C >= D - 0.01", f"{c['auc']:.3f} vs {d['auc']:.3f}",
         c["auc"] >= d["auc"] - 0.01)
    print(f"RULE {'MET' if ok_all else 'NOT MET'}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("dev", "rule"):
        sub.add_parser(name).add_argument("--rows", nargs="+", required=True)
    args = ap.parse_args()
    {"dev": dev, "rule": rule}[args.cmd](args)


if __name__ == "__main__":
    main()
