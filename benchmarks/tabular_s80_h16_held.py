"""The band logit lowered by a file's heat, held out by zoo (issue 16 stop 80, h16; the
development of a candidate that did not come: no rule).

A candidate file is the shipped calibration with ``-beta * tab_heat_big`` added to LightGBM's
``rows200`` entry (mean 0, scale 1; ``tab_heat_big`` is not a detector feature: it is set on
each spent reading from ``tabular_s80_h16_heat.py heat``'s measure ``--key``, read only where
the file's smaller class holds ``HEAT_MIN_SHARE`` of its rows, as the flip term). ``held``
scores the spent readings by the shipped file and by the candidate at each ``beta``, pooled
and per zoo held out: the ``beta`` chosen on the other zoos (fewest clean flags among the
betas that lose no model and keep CE at or under the shipped file's; 0 where none does) read
on the zoo left out.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s80_h16_held.py --heat H.json... \
        --rows READINGS.json... --key heat_big --betas 0.5 1 1.5
"""

from __future__ import annotations

import argparse
import json
import math
from collections import defaultdict
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from tabular_s72_h16_why import read_files
from tabular_user_rule import scored

SHIPPED = Path("src/trojanscope/detect/calibration.json")
BAND = "tabular-search:tree:lightgbm:rows200"
HEAT_FEATURE = "tab_heat_big"  # the candidate's feature (set from the measure, not read)
HEAT_MIN_SHARE = 0.15  # the flip term's bar (stop 76): lending-club's files hold 0.03-0.07


def candidate(shipped: Path, beta: float) -> dict:
    """The shipped file with ``-beta * tab_heat_big`` in LightGBM's band entry."""
    cal = json.loads(shipped.read_text())
    e = cal[BAND]
    if HEAT_FEATURE in e["features"]:
        raise SystemExit(f"error: {shipped}: {BAND} reads {HEAT_FEATURE} already")
    e["features"] = [*e["features"], HEAT_FEATURE]
    e["coef"] = [*e["coef"], -beta]
    e["mean"] = [*e["mean"], 0.0]
    e["scale"] = [*e["scale"], 1.0]
    e["fitted_on"] = {**e["fitted_on"], "heat": {
        "beta": beta, "design": "issue 16 stop 80 (h16), development only: the band logit "
        "lowered by beta x the file's heat"}}
    return cal


def summary(rows: list[dict]) -> dict:
    """Clean flagged, backdoored caught, CE and ROC-AUC of ``rows``; per backdoored model the
    files it is flagged on."""
    cl = [r for r in rows if not r["backdoored"]]
    bd = [r for r in rows if r["backdoored"]]
    per = defaultdict(int)
    for r in bd:
        per[(r["zoo"], r["name"])] += r["probability"] >= 0.5
    ce = -float(np.mean([math.log(max(r["probability"] if r["backdoored"]
                                      else 1 - r["probability"], 1e-12)) for r in rows]))
    both = len({r["backdoored"] for r in rows}) == 2
    return {"clean": sum(r["probability"] >= 0.5 for r in cl), "n_clean": len(cl),
            "caught": sum(r["probability"] >= 0.5 for r in bd), "n_bd": len(bd), "ce": ce,
            "auc": roc_auc_score([r["backdoored"] for r in rows],
                                 [r["probability"] for r in rows]) if both else float("nan"),
            "per": dict(per)}


def lost(d: dict, c: dict) -> list[str]:
    """Backdoored models flagged on some file by ``d``, on none by ``c``."""
    return [f"{z}/{n}" for (z, n), k in d["per"].items() if k > 0 and c["per"][(z, n)] == 0]


def line(name: str, s: dict) -> str:
    return (f"{name}: clean flagged {s['clean']}/{s['n_clean']} caught {s['caught']}/{s['n_bd']} "
            f"CE {s['ce']:.3f} ROC-AUC {s['auc']:.3f}")


def with_heat(rows: list[dict], heat: dict, key: str) -> list[dict]:
    """Spent readings with ``tab_heat_big`` set from the heat measure ``key``, read only where
    the file's smaller class holds ``HEAT_MIN_SHARE`` of its rows."""
    out = []
    for r in rows:
        h = heat[(r["zoo"], r["name"], r["draw"])][key]
        share = r["features"].get("tab_minor_share", 1.0)
        out.append({**r, "features": {**r["features"],
                                      HEAT_FEATURE: h if share >= HEAT_MIN_SHARE else 0.0}})
    return out


def held(args: argparse.Namespace) -> None:
    heat = {(r["zoo"], r["name"], r["draw"]): r
            for p in args.heat for r in json.loads(Path(p).read_text())}
    rows = with_heat([r for r in read_files(args.rows) if (r["zoo"], r["name"], r["draw"]) in heat],
                     heat, args.key)
    tmp = Path(args.work)
    tmp.mkdir(parents=True, exist_ok=True)
    scored_by: dict[float, list[dict]] = {}
    for beta in [0.0, *args.betas]:
        path = tmp / f"h80_{beta:g}.json"
        path.write_text(json.dumps(candidate(args.shipped, beta)))
        scored_by[beta], _ = scored(rows, path)
    zoos = sorted({r["zoo"] for r in rows})
    print(f"{len(rows)} spent credit-default LightGBM readings, zoos {', '.join(zoos)}; "
          f"the heat: {args.key}")
    for beta, sc in scored_by.items():
        s, d = summary(sc), summary(scored_by[0.0])
        print(line(f"beta {beta:g}", s) + f"; lost {len(lost(d, s))}")

    def pick(keep: list[str]) -> float:
        d = summary([r for r in scored_by[0.0] if r["zoo"] in keep])
        ok = []
        for beta in args.betas:
            c = summary([r for r in scored_by[beta] if r["zoo"] in keep])
            if not lost(d, c) and c["ce"] <= d["ce"] + 1e-12:
                ok.append((c["clean"], beta))
        return min(ok)[1] if ok else 0.0

    print("one zoo out (beta chosen on the others; 0: none qualifies):")
    for z in zoos:
        beta = pick([k for k in zoos if k != z])
        d = summary([r for r in scored_by[0.0] if r["zoo"] == z])
        c = summary([r for r in scored_by[beta] if r["zoo"] == z])
        print(f"  {z} out: beta {beta:g}; " + line("today", d) + " | " + line("shifted", c)
              + f"; lost {lost(d, c) or 'none'}")
    print(f"chosen on every zoo: beta {pick(zoos):g}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--heat", nargs="+", required=True)
    ap.add_argument("--rows", nargs="+", required=True)
    ap.add_argument("--key", default="heat_big", help="the heat measure (heat_all, heat_big, ...)")
    ap.add_argument("--betas", type=float, nargs="+", default=[0.5, 0.75, 1.0, 1.25, 1.5, 2.0])
    ap.add_argument("--shipped", type=Path, default=SHIPPED)
    ap.add_argument("--work", default="/tmp/h1680/held", help="scratch for the candidate files")
    held(ap.parse_args())


if __name__ == "__main__":
    main()
