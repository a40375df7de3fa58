"""Issue 16 stop 65 (h16): the plan's rule for a refitted XGBoost whole-split entry, read from
stored features (``benchmarks/data/tabular_s65_h16/plan.md``).

Today's default is the probability each reading stored (detect's own); a candidate's is the
same features scored by its file's ``tabular-search:tree:xgboost`` entry. Conditions, per
candidate: (1) README line A flagged with target 0 ≥ today's; (2) clean twins C flagged ≤
today's; (3) the fresh zoos' whole-split XGBoost readings pooled: ROC-AUC ≥ today's − 0.01, CE
≤ today's + 0.01, caught ≥, clean flagged ≤; (4) the worst XGBoost family's CE ≤ today's worst
(families: each zoo (table, target) with its table's clean XGBoost models; the README line, A
with C); (5) A + C + D + the zoos' XGBoost pooled CE ≤ today's; (6) on stored zoo readings no
more backdoors lost / clean flagged than the plan states; (7) the suite's user-made XGBoost
backdoor (target 1) flagged.

    python benchmarks/tabular_s65_h16_rule.py --calibration X65.json [X65F.json] \
        --a A.json --c C.json --d D.json --whole WHOLE.json... --stored S.json... \
        --user USER.json --allowed X65.json:0:1 X65F.json:1:0
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.metrics import log_loss, roc_auc_score

from tabular_s64_h16z_refit import family_rows
from tabular_s65_h16_refit import library_rows
from trojanscope.detect.calibration import Calibrator, load_calibrators

KEY = "tabular-search:tree:xgboost"


def stats(rows: list[dict], probs: list[float]) -> dict:
    """ROC-AUC (both classes present, else None), CE, caught, clean flagged, counts."""
    y = np.array([int(r["backdoored"]) for r in rows])
    p = np.clip(np.array(probs, dtype=float), 1e-6, 1 - 1e-6)
    return {"auc": float(roc_auc_score(y, p)) if len(set(y)) == 2 else None,
            "ce": float(log_loss(y, p, labels=[0, 1])) if len(y) else None,
            "caught": int(((p >= 0.5) & (y == 1)).sum()), "backdoored": int(y.sum()),
            "flagged": int(((p >= 0.5) & (y == 0)).sum()), "clean": int((y == 0).sum())}


def show(s: dict) -> str:
    auc = "-" if s["auc"] is None else f"{s['auc']:.3f}"
    return (f"ROC-AUC {auc} CE {s['ce']:.3f} caught {s['caught']}/{s['backdoored']} "
            f"clean flagged {s['flagged']}/{s['clean']}")


def target_of(row: dict) -> int | None:
    """The target the search named: README-family rows store ``suspected_target``, zoo
    readings ``predicted_target``."""
    return row.get("suspected_target", row.get("predicted_target"))


def families(zoo: list[dict], a: list[dict], c: list[dict]) -> dict[str, list[dict]]:
    """Each zoo (table, target) with its table's clean XGBoost models; the README line."""
    out: dict[str, list[dict]] = {}
    for r in zoo:
        if r["backdoored"]:
            out.setdefault(f"{r['table']} target {r['target']}", [])
    for name in out:
        table, target = name.rsplit(" target ", 1)
        out[name] = [r for r in zoo if r["table"] == table
                     and (not r["backdoored"] or str(r["target"]) == target)]
    out["README line (A with C)"] = a + c
    return out


def judge(label: str, cal: Calibrator | None, pops: dict[str, list[dict]],
          stored: list[dict], user: dict | None, allowed: tuple[int, int] | None) -> bool:
    """Print every condition for ``cal`` (None: today's default, figures only); its verdict."""
    def probs(rows: list[dict]) -> list[float]:
        return [r["probability"] if cal is None else cal.probability(r["features"])
                for r in rows]

    def fig(rows: list[dict]) -> dict:
        return stats(rows, probs(rows))

    def today(rows: list[dict]) -> dict:
        return stats(rows, [r["probability"] for r in rows])

    a, c, d, zoo = pops["A"], pops["C"], pops["D"], pops["zoo"]
    met = []
    right = sum(q >= 0.5 and target_of(r) == 0 for r, q in zip(a, probs(a), strict=True))
    right_d = sum(r["probability"] >= 0.5 and target_of(r) == 0 for r in a)
    met.append(right >= right_d)
    print(f"{label}: (1) README line A flagged with target 0: {right}/{len(a)} (today "
          f"{right_d}) {'met' if met[-1] else 'NOT met'}")
    fc, fc_d = fig(c)["flagged"], today(c)["flagged"]
    met.append(fc <= fc_d)
    print(f"{label}: (2) clean twins C flagged: {fc}/{len(c)} (today {fc_d}) "
          f"{'met' if met[-1] else 'NOT met'}")
    z, z_d = fig(zoo), today(zoo)
    ok = (z["auc"] is None or z_d["auc"] is None or z["auc"] >= z_d["auc"] - 0.01) and (
        z["ce"] <= z_d["ce"] + 0.01 and z["caught"] >= z_d["caught"]
        and z["flagged"] <= z_d["flagged"])
    met.append(ok)
    print(f"{label}: (3) fresh zoos' XGBoost ({len(zoo)}): {show(z)} (today {show(z_d)}) "
          f"{'met' if ok else 'NOT met'}")
    fams = families(zoo, a, c)
    mine = {n: fig(rows)["ce"] for n, rows in fams.items()}
    base = {n: today(rows)["ce"] for n, rows in fams.items()}
    for n, rows in fams.items():
        print(f"{label}:     family {n} ({len(rows)}): {show(fig(rows))} (today "
              f"{show(today(rows))})")
    worst, worst_d = max(mine, key=mine.get), max(base, key=base.get)
    met.append(mine[worst] <= base[worst_d])
    print(f"{label}: (4) worst family {worst} CE {mine[worst]:.3f} (today's worst {worst_d} "
          f"{base[worst_d]:.3f}) {'met' if met[-1] else 'NOT met'}")
    pooled = a + c + d + zoo
    p, p_d = fig(pooled), today(pooled)
    met.append(p["ce"] <= p_d["ce"])
    print(f"{label}: (5) pooled A + C + D + zoos' XGBoost ({len(pooled)}): {show(p)} (today "
          f"{show(p_d)}) {'met' if met[-1] else 'NOT met'}")
    if cal is not None and stored and allowed is not None:
        was = [r["probability"] >= 0.5 for r in stored]  # the stored figure is the default
        now = [q >= 0.5 for q in probs(stored)]          # of each stop; today's file below
        shipped = load_calibrators()[KEY]
        base_now = [shipped.probability(r["features"]) >= 0.5 for r in stored]
        lost = sum(b and not n and r["backdoored"] for r, b, n in zip(stored, base_now, now,
                                                                      strict=True))
        more = sum(n and not b and not r["backdoored"] for r, b, n in zip(stored, base_now,
                                                                          now, strict=True))
        met.append(lost <= allowed[0] and more <= allowed[1])
        print(f"{label}: (6) stored zoos ({len(stored)}, against today's file): {lost} "
              f"backdoors lost, {more} clean newly flagged (allowed {allowed[0]}, "
              f"{allowed[1]}; {sum(was)} flagged by each stop's own default) "
              f"{'met' if met[-1] else 'NOT met'}")
    if cal is not None and user is not None:
        ok = user["probability"] >= 0.5
        met.append(ok)
        print(f"{label}: (7) the suite's user-made XGBoost backdoor, target 1: "
              f"{user['probability']:.3f} {'met' if ok else 'NOT met'}")
    if cal is None:
        return True
    print(f"{label}: rule {'MET' if all(met) else 'NOT met'} ({sum(met)} of {len(met)})")
    return all(met)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--calibration", nargs="+", required=True)
    ap.add_argument("--a", nargs="+", required=True, help="README line readings")
    ap.add_argument("--c", nargs="+", required=True, help="clean twins' readings")
    ap.add_argument("--d", nargs="*", default=[], help="README line with 0.8 shares")
    ap.add_argument("--whole", nargs="+", required=True, help="fresh zoos' whole split")
    ap.add_argument("--stored", nargs="*", default=[], help="stored zoo readings (cond. 6)")
    ap.add_argument("--user", default=None, help="tabular_s65_h16_user.py's output")
    ap.add_argument("--allowed", nargs="*", default=[], metavar="FILE:LOST:FLAGGED")
    a = ap.parse_args()
    files = [*a.calibration, *a.a, *a.c, *a.d, *a.whole, *a.stored, *([a.user] if a.user else [])]
    missing = [f for f in files if not Path(f).is_file()]
    if missing:
        print(f"error: no such file: {missing[0]}", file=sys.stderr)
        raise SystemExit(2)
    pops = {"A": family_rows(a.a, {"readme"}), "C": family_rows(a.c, {"clean_sub08"}),
            "D": family_rows(a.d, {"sub08"}) if a.d else [],
            "zoo": library_rows(a.whole, "xgboost")}
    stored = library_rows(a.stored, "xgboost")
    allowed = {k: (int(lo), int(fl)) for k, lo, fl in (s.rsplit(":", 2) for s in a.allowed)}
    users = json.loads(Path(a.user).read_text()) if a.user else []
    judge("today", None, pops, stored, None, None)
    for name in a.calibration:
        user = next((r["files"][f] for r in users if r["target"] == 1
                     for f in r["files"] if Path(f).name == Path(name).name), None)
        judge(Path(name).name, load_calibrators(name)[KEY], pops, stored, user,
              allowed.get(name))


if __name__ == "__main__":
    main()
