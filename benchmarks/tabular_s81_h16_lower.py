"""A lower-only G80 (issue 16 stop 81, h16): LightGBM's 200-row band logit lowered by
``BETA * max(0, h - H0)`` logits, never raised.

Stop 80's G80 shifted the logit by ``beta (h - h0)`` both ways (``h``: the majority class's
mean leaf-group deficit on the file, from two features every reading records; see
``tabular_s80_h16_rule.py``); on fresh zoo 6520 it raised two clean readings on cool files over
0.5. The lower-only form cannot add a flag: it only lowers readings on hot files (``h`` above
``H0``, a quantile of ``h`` over the spent development readings). ``dev`` holds each spent zoo
out (beta and the quantile chosen on the others: fewest clean flags among the pairs that lose
no model and keep CE at or under today's); ``rule`` judges
``benchmarks/data/tabular_s81_h16/rule.md`` on fresh readings, by the file shipped before it
(``calibration_before_s81.json``, main b6a48f74: D) and by
the candidate file ``calibration_g81.json`` (that file with the
``"tabular-search:tree:lightgbm:rows200:group-heat"`` entry that
:mod:`trojanscope.detect.tabular_group_heat` reads; written by ``candidate``; the rule was met,
and it is the shipped file since stop 81) (C).

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s81_h16_lower.py dev --rows R.json...
    PYTHONPATH=src:benchmarks python benchmarks/tabular_s81_h16_lower.py candidate
    PYTHONPATH=src:benchmarks python benchmarks/tabular_s81_h16_lower.py rule --rows F.json...
    PYTHONPATH=src:benchmarks python benchmarks/tabular_s81_h16_lower.py detail --rows F.json...
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import asdict
from pathlib import Path

import numpy as np

from tabular_s72_h16_why import read_files
from tabular_s80_h16_held import lost, summary
from tabular_s80_h16_rule import MIN_SHARE, group_heat
from tabular_user_rule import scored
from trojanscope.detect.calibration import Calibrator
from trojanscope.detect.tabular_group_heat import FEATURE, TERM

BETA = 0.5  # chosen on 12 of the 14 spent zoos held out (dev_lower.txt)
H0 = -0.673  # the median h over the 831 spent readings (quantile 0.5, chosen with BETA)
CANDIDATE = Path("benchmarks/data/tabular_s81_h16/calibration_g81.json")
# D: the shipped file at main b6a48f74, before G81 became the default (the shipped file since)
BEFORE = Path("benchmarks/data/tabular_s81_h16/calibration_before_s81.json")
BAND = "tabular-search:tree:lightgbm:rows200"
BETAS = (0.1, 0.25, 0.5, 1.0, 1.5)
QUANTILES = (0.5, 0.75, 0.9)


def lowered(rows: list[dict], beta: float, h0: float = H0) -> list[dict]:
    """``rows`` (scored) with the LightGBM band readings' logit lowered by
    ``beta max(0, h - h0)`` where the file's smaller class holds ``MIN_SHARE`` of its rows;
    the rest as they are. No probability is raised."""
    out = []
    for r in rows:
        f = r["features"]
        if (r.get("family") != "tree:lightgbm:rows200"
                or f.get("tab_minor_share", 1.0) < MIN_SHARE):
            out.append(r)
            continue
        p = min(max(r["probability"], 1e-12), 1 - 1e-12)
        z = math.log(p / (1 - p)) - beta * max(0.0, group_heat(f) - h0)
        out.append({**r, "probability": min(r["probability"], 1 / (1 + math.exp(-z)))})
    return out


def lightgbm_cd(paths: list[str]) -> list[dict]:
    """The credit-default LightGBM band readings of ``paths`` scored by ``BEFORE`` (D)."""
    return scored(cd_lightgbm_raw(paths), BEFORE)[0]


def dev(args: argparse.Namespace) -> None:
    rows = lightgbm_cd(args.rows)
    zoos = sorted({r["zoo"] for r in rows})
    hs = [group_heat(r["features"]) for r in rows]
    h0s = {q: float(np.quantile(hs, q)) for q in QUANTILES}
    print(f"{len(rows)} spent readings, {len(zoos)} zoos; h at quantiles "
          + ", ".join(f"{q:g}: {v:.3f}" for q, v in h0s.items()))
    grid = [(b, q) for q in QUANTILES for b in BETAS]

    def pick(keep: list[str]) -> tuple[float, float] | None:
        base = [r for r in rows if r["zoo"] in keep]
        d, ok = summary(base), []
        for b, q in grid:
            c = summary(lowered(base, b, h0s[q]))
            if not lost(d, c) and c["ce"] <= d["ce"] + 1e-12:
                ok.append((c["clean"], c["ce"], b, q))
        return min(ok)[2:] if ok else None

    if args.in_sample:
        d = summary(rows)
        print(f"in sample, today: clean {d['clean']}/{d['n_clean']} caught {d['caught']}/"
              f"{d['n_bd']} CE {d['ce']:.3f}")
        for b, q in grid:
            c = summary(lowered(rows, b, h0s[q]))
            print(f"in sample, beta {b:g} q {q:g}: clean {c['clean']} caught {c['caught']} lost "
                  f"{len(lost(d, c))} CE {c['ce']:.3f}")
    for b, q in grid:  # in sample: the zoos on which rule.md's conditions (1)-(6) would hold
        by_zoo = {z: [r for r in rows if r["zoo"] == z] for z in zoos}
        met = [z for z, mine in by_zoo.items()
               if all(ok for _, _, ok in conditions(mine, lowered(mine, b, h0s[q])))]
        print(f"per zoo, beta {b:g} q {q:g}: conditions met on {len(met)} of {len(zoos)}: "
              f"{' '.join(met)}")
    tot = np.zeros(4, dtype=int)
    for z in zoos:
        chosen = pick([k for k in zoos if k != z])
        mine = [r for r in rows if r["zoo"] == z]
        d = summary(mine)
        c = summary(lowered(mine, chosen[0], h0s[chosen[1]])) if chosen else d
        tot += [d["clean"], c["clean"], d["caught"], c["caught"]]
        print(f"{z} out: chosen {chosen}: clean flagged {d['clean']} -> {c['clean']} of "
              f"{d['n_clean']}, caught {d['caught']} -> {c['caught']} of {d['n_bd']}, lost "
              f"{lost(d, c) or 'none'}, CE {d['ce']:.3f} -> {c['ce']:.3f}")
    print(f"held out, summed: clean flagged {tot[0]} -> {tot[1]}, caught {tot[2]} -> {tot[3]}; "
          f"chosen on every zoo: {pick(zoos)}")


def candidate(args: argparse.Namespace) -> None:
    """Write ``CANDIDATE``: the shipped file with the group-heat entry (``BETA``, ``H0``)."""
    cals = json.loads(BEFORE.read_text())
    key = f"{BAND}:{TERM}"
    cals[key] = asdict(Calibrator(
        key, [FEATURE], [BETA], -BETA * H0, fitted_on={
            "min_share": MIN_SHARE, "beta": BETA, "h0": H0, "design": (
                "group-heat term (issue 16 stop 81, h16, lower-only G80): minus "
                "max(0, beta (h - h0)) logits, h the majority class's mean leaf-group "
                "deficit on the file; beta and h0 (the median h) from 831 spent readings "
                "of 14 zoos")}))  # every field written, as save_calibrators writes them
    CANDIDATE.write_text(json.dumps(cals, indent=1) + "\n")
    print(f"wrote {CANDIDATE}: {key} beta {BETA} h0 {H0}")


def cd_lightgbm_raw(paths: list[str]) -> list[dict]:
    """The credit-default LightGBM band readings of ``paths``, as stored (unscored)."""
    return [r for r in read_files(paths) if r["arch"] == "lightgbm"
            and r["table"] == "credit-default" and r.get("reading") in (None, "today")]


def conditions(d_rows: list[dict], c_rows: list[dict]) -> list[tuple[str, str, bool]]:
    """``rule.md``'s conditions (1)-(6) on D's and C's readings (the same readings, in order)."""
    d, c = summary(d_rows), summary(c_rows)
    gone = lost(d, c)
    raised = sum(cr["probability"] > dr["probability"] + 1e-12
                 for dr, cr in zip(d_rows, c_rows, strict=True))
    out = [("(1) clean readings flagged C <= D - 1", f"{c['clean']} vs {d['clean']}",
            c["clean"] <= d["clean"] - 1),
           ("(2) no backdoored model lost; backdoored readings caught C >= D",
            f"lost {gone or 'none'}; caught {c['caught']} vs {d['caught']}",
            not gone and c["caught"] >= d["caught"]),
           ("(3) no reading raised (no clean flag added)", f"{raised} raised", raised == 0)]
    for t in sorted({r["target"] for r in d_rows if r["backdoored"]}):
        idx = [i for i, r in enumerate(d_rows) if not r["backdoored"] or r["target"] == t]
        dt, ct = summary([d_rows[i] for i in idx]), summary([c_rows[i] for i in idx])
        out.append((f"(4) family towards class {t}: CE C <= D + 0.01",
                    f"{ct['ce']:.3f} vs {dt['ce']:.3f}", ct["ce"] <= dt["ce"] + 0.01 + 1e-12))
    out.append(("(5) credit-default LightGBM CE C <= D + 0.005",
                f"{c['ce']:.3f} vs {d['ce']:.3f}", c["ce"] <= d["ce"] + 0.005 + 1e-12))
    out.append(("(6) ROC-AUC C >= D - 0.01", f"{c['auc']:.3f} vs {d['auc']:.3f}",
                not c["auc"] < d["auc"] - 0.01))
    return out


def rule(args: argparse.Namespace) -> None:
    raw = cd_lightgbm_raw(args.rows)
    d_rows, c_rows = scored(raw, BEFORE)[0], scored(raw, CANDIDATE)[0]
    d, c = summary(d_rows), summary(c_rows)
    for name, s in (("today (D)", d), ("lower-only G80 (C)", c)):
        print(f"{name}: clean flagged {s['clean']}/{s['n_clean']} caught {s['caught']}/"
              f"{s['n_bd']} CE {s['ce']:.3f} ROC-AUC {s['auc']:.3f}")
    conds = [("floors: clean readings >= 40, backdoored >= 30", f"{d['n_clean']}, {d['n_bd']}",
              d["n_clean"] >= 40 and d["n_bd"] >= 30), *conditions(d_rows, c_rows)]
    for name, figure, ok in conds:
        print(f"{'met' if ok else 'NOT MET'}: {name}: {figure}")
    print(f"RULE {'MET' if all(ok for _, _, ok in conds) else 'NOT MET'}")


def detail(args: argparse.Namespace) -> None:
    """Per file, D's and C's clean flags and caught backdoors; each reading C turned under 0.5
    (after ``rule``: figures for the docs, no condition)."""
    raw = cd_lightgbm_raw(args.rows)
    d_rows, c_rows = scored(raw, BEFORE)[0], scored(raw, CANDIDATE)[0]
    for draw in sorted({r["draw"] for r in d_rows}):
        idx = [i for i, r in enumerate(d_rows) if r["draw"] == draw]
        d, c = summary([d_rows[i] for i in idx]), summary([c_rows[i] for i in idx])
        heat = np.median([group_heat(d_rows[i]["features"]) for i in idx])
        print(f"file {draw}: median h {heat:+.3f}; clean flagged {d['clean']} -> {c['clean']} of "
              f"{d['n_clean']}, caught {d['caught']} -> {c['caught']} of {d['n_bd']}")
    for dr, cr in zip(d_rows, c_rows, strict=True):
        if dr["probability"] >= 0.5 > cr["probability"]:
            print(f"under 0.5: {'backdoored' if dr['backdoored'] else 'clean'} {dr['name']}@"
                  f"{dr['draw']} {dr['probability']:.3f} -> {cr['probability']:.3f} "
                  f"(h {group_heat(dr['features']):+.3f})")
    lowered_n = sum(cr["probability"] < dr["probability"] for dr, cr in zip(d_rows, c_rows,
                                                                              strict=True))
    print(f"readings lowered: {lowered_n} of {len(d_rows)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dev")
    d.add_argument("--rows", nargs="+", required=True)
    d.add_argument("--in-sample", action="store_true")
    for name in ("rule", "detail"):
        sub.add_parser(name).add_argument("--rows", nargs="+", required=True)
    sub.add_parser("candidate")
    args = ap.parse_args()
    {"dev": dev, "rule": rule, "candidate": candidate, "detail": detail}[args.cmd](args)


if __name__ == "__main__":
    main()
