"""Stop 40's rule for ``mahalanobis`` ``pixel_cap=0`` (the isolated and rare columns uncapped) as
``detect-inputs``' default (issue 14; docs/benchmarks.md, "issue 14, stop 40" and "stop 41";
``benchmarks/data/inputs_s40/plan.md``, ``inputs_s41/plan.md``): reads the per-model outputs of
``fresh_s40.sh`` or ``fresh_s41.sh`` (today's default ``mahalanobis``, the candidate
``mahalanobis:pixel_cap=0``, STRIP and ART's STRIP in the same process), keeps each
population's prefix, in the committed order, whose file was written by ``--cutoff``, and prints
every model, the trigger families, and the conditions. Stop 41 re-applies the same conditions
to a fresh population (``--population s41``); only the population differs.

    PYTHONPATH=src python benchmarks/inputs_rule_stop40.py OUT --cutoff 2026-12-02T13:12:00Z
    PYTHONPATH=src python benchmarks/inputs_rule_stop40.py OUT --population s41 --cutoff ...

Stop 42 (``--population s42``) reads the same conditions with the earlier default
(``pixel_cap=null``) as "today" and the shipped default (``pixel_cap=0``) as the "candidate":
the check of the shipped change on a fresh population.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from pathlib import Path

# Each population in its committed build order: (foreign rows, own runs, foreign file stem,
# own file stem, the zoo's label).
POPULATIONS = {
    "s40": ([f"{a}-{j}" for a in ("relu_cnn", "bn_cnn", "ln_gelu_cnn", "leaky_strided_cnn",
                                  "sigmoid_cnn", "lenet_tanh_avg", "mlp", "elu_dropout_cnn",
                                  "silu_mlp") for j in ("01", "03")],
            ["sparse-s67", "badnets-s67", "wanet-s67", "blended-s67", "sig-s67", "wanet-s68",
             "wanet-s69"], "inputs_s40_s37_", "inputs_s40_", "zoo-s37"),
    "s41": ([f"{a}-{j}" for a in ("relu_cnn", "mlp", "lenet_tanh_avg", "leaky_strided_cnn",
                                  "bn_cnn", "ln_gelu_cnn", "sigmoid_cnn", "elu_dropout_cnn",
                                  "silu_mlp") for j in ("01", "03")],
            ["sparse-s70", "badnets-s71", "wanet-s72", "blended-s73", "sig-s70"],
            "inputs_s41_s38_", "inputs_s41_", "zoo-s38"),
    # stop 42: two foreign zoos (seeds 42, 43; rows named "s42_relu_cnn-01") and own 74-77
    "s42": ([f"s{s}_{a}-{j}" for s in (42, 43)
             for a in ("relu_cnn", "mlp", "lenet_tanh_avg", "leaky_strided_cnn", "bn_cnn",
                       "ln_gelu_cnn", "sigmoid_cnn", "elu_dropout_cnn", "silu_mlp")
             for j in ("01", "03")],
            ["sig-s74", "sparse-s75", "wanet-s76", "blended-s77"],
            "inputs_s42_", "inputs_s42_", "zoo"),
}
METHODS = {"today": ("mahalanobis",), "candidate": ("mahalanobis:pixel_cap=0",
                                                    "mahalanobis(pixel_cap=0)"),
           "STRIP": ("strip",), "ART STRIP": ("art-strip", "ART strip")}
# Stop 42 checks the shipped default: "today" is the earlier default (pixel_cap=null) and the
# "candidate" the shipped one (plain `mahalanobis`, pixel_cap=0 since stop 41).
METHODS_S42 = {"today": ("mahalanobis:pixel_cap=null", "mahalanobis(pixel_cap=None)"),
               "candidate": ("mahalanobis",), "STRIP": ("strip",),
               "ART STRIP": ("art-strip", "ART strip")}
FOR = ("cross", "sparse", "xpatch")  # the foreign families the pixel columns are for
MIN_FOREIGN, MIN_OWN = 10, 4
MAX_LOSS, FAMILY_BOUND = 0.01, 0.01
MAX_FPR_MEAN, MAX_FPR_RISE = 0.015, 0.01


ACTIVE = METHODS  # the population's method names (main() switches to METHODS_S42 for s42)


def at_goal(r: dict) -> bool:
    return r["roc_auc"] >= 0.98 and r["tpr_at_fpr"] >= 0.95


def read(path: Path, foreign: bool) -> dict[str, dict]:
    """{method key: row} of one model's output."""
    rows = json.loads(path.read_text())
    rows = rows["rows"] if isinstance(rows, dict) else rows
    out = {}
    for r in rows:
        label = r.get("requested") if foreign else r["method"]
        for key, names in ACTIVE.items():
            if label in names:
                out[key] = r
    return out


def population(out: Path, names: list[str], stem: str, cutoff: float | None,
               foreign: bool) -> list[tuple[str, dict[str, dict]]]:
    """The prefix, in the committed order, written by ``cutoff`` (a row whose backdoor did not
    take has no file and is skipped, as the benchmark leaves it out; a missing file after a
    later one is written ends nothing)."""
    got = []
    for name in names:
        p = out / f"{stem}{name}.json"
        if not p.is_file():
            continue
        if cutoff is not None and p.stat().st_mtime > cutoff:
            break
        rows = read(p, foreign)
        if "today" in rows and "candidate" in rows:
            got.append((name, rows))
    return got


def family_means(pop: list[tuple[str, dict]], key: str) -> dict[str, tuple[float, float, int]]:
    fams: dict[str, list[float]] = {}
    for _, rows in pop:
        fams.setdefault(rows["today"].get("trigger", "own"), []).append(
            rows[key]["tpr_at_fpr"])
    return {f: (sum(v) / len(v), min(v), len(v)) for f, v in fams.items()}


def describe(name: str, pop: list[tuple[str, dict]]) -> dict[str, dict]:
    out = {}
    for key in METHODS:
        rs = [rows[key] for _, rows in pop if key in rows]
        if not rs:
            continue
        auc = [r["roc_auc"] for r in rs]
        tpr = [r["tpr_at_fpr"] for r in rs]
        fpr = [r["guard_fpr"] for r in rs]
        out[key] = {"n": len(rs), "at_goal": sum(map(at_goal, rs)),
                    "fpr_mean": sum(fpr) / len(fpr), "fpr_max": max(fpr)}
        print(f"{name} {key}: {out[key]['at_goal']} / {len(rs)} at the goal; ROC-AUC mean "
              f"{sum(auc) / len(auc):.4f} worst {min(auc):.4f}; TPR mean {sum(tpr) / len(tpr):.3f}"
              f" worst {min(tpr):.3f}; guard FPR mean {out[key]['fpr_mean']:.4f} max "
              f"{out[key]['fpr_max']:.3f}")
    return out


def cost(pop: list[tuple[str, dict]]) -> None:
    """Per method: forward passes per input (fewest-most), median fit time and median scoring
    time per input over the population (one process per model, on the shared machine)."""
    print()
    for key in ACTIVE:
        rs = [rows[key] for _, rows in pop if key in rows]
        if not rs:
            continue
        passes = [r["forward_passes_per_input"] for r in rs]
        fit = sorted(r["fit_s"] for r in rs)
        per = sorted(r["score_s_per_input"] for r in rs)
        print(f"cost {key}: {min(passes)}-{max(passes)} forward passes per input; fit median "
              f"{fit[len(fit) // 2]:.1f} s (max {fit[-1]:.1f}); scoring median "
              f"{1000 * per[len(per) // 2]:.2f} ms per input (max {1000 * per[-1]:.2f}) "
              f"over {len(rs)} models")


def parse_cutoff(text: str | None) -> float | None:
    """``--cutoff``'s ISO time as a POSIX timestamp (None: every file counts)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() if text else None


def cell(r: dict | None, passes: bool) -> str:
    """One method's table cell: ROC-AUC / TPR / guard FPR (and forward passes where ``passes``),
    in bold where the model is short of the goal."""
    if not r:
        return "-"
    c = f"{r['roc_auc']:.4f} / {r['tpr_at_fpr']:.3f} / {r['guard_fpr']:.3f}"
    if passes:
        c += f" ({r['forward_passes_per_input']})"
    return c if at_goal(r) else f"**{c}**"


def print_models(pops: list[tuple[str, list[tuple[str, dict]]]], passes: bool = False) -> None:
    """One table row per model of each ``(prefix, population)``; ``passes``: today's and the
    candidate's cells also name their forward passes per input."""
    for pre, pop in pops:
        for name, rows in pop:
            cells = [cell(rows.get(k), passes and k in ("today", "candidate")) for k in METHODS]
            print(f"| {pre}{name} | {rows['today'].get('trigger', name.split('-')[0])} | "
                  f"{rows['today']['positives']} | " + " | ".join(cells) + " |")


def print_families(fpop: list[tuple[str, dict]]) -> dict[str, dict]:
    """Per method every foreign model has: its trigger families' mean / worst TPR (printed
    with the worst family), as :func:`family_means` gives them."""
    fam = {k: family_means(fpop, k) for k in METHODS if all(k in r for _, r in fpop)}
    for k, v in fam.items():
        if not v:
            continue
        worst = min(v.items(), key=lambda kv: kv[1][0])
        print(f"foreign families, {k}: " + "; ".join(
            f"{n} {m:.3f} / {w:.3f} ({c})" for n, (m, w, c) in sorted(v.items()))
              + f" — worst {worst[0]} {worst[1][0]:.4f}")
    return fam


def conditions(fpop: list[tuple[str, dict]], opop: list[tuple[str, dict]],
               described: tuple[dict, dict], fam: dict[str, dict],
               aimed_at: tuple[str, ...] = FOR,
               max_model_fpr_rise: float | None = None) -> dict[str, bool]:
    """The rule's conditions 0-5 (stop 40), printed one a line after a blank line and returned
    as text -> met; ``aimed_at``: the foreign trigger families condition 2 reads;
    ``max_model_fpr_rise``: stop 44's condition 6 (no model's guard FPR more than this above
    today's), left out where None."""
    f, o = described
    both = fpop + opop
    lost = [f"{n} {r['today']['tpr_at_fpr']:.3f} -> {r['candidate']['tpr_at_fpr']:.3f}"
            for n, r in both if r["today"]["tpr_at_fpr"] - r["candidate"]["tpr_at_fpr"]
            > max(MAX_LOSS, 1.0 / max(1, r["today"]["positives"])) + 1e-9]
    left = [n for n, r in both if at_goal(r["today"]) and not at_goal(r["candidate"])]
    gained = sum(at_goal(r["candidate"]) for _, r in both) - sum(at_goal(r["today"])
                                                                 for _, r in both)
    aimed = [r for _, r in fpop if r["today"]["trigger"] in aimed_at]
    aim_now = [r["today"]["tpr_at_fpr"] for r in aimed]
    aim_new = [r["candidate"]["tpr_at_fpr"] for r in aimed]
    aim = bool(aimed) and (sum(aim_new) > sum(aim_now) and min(aim_new) >= min(aim_now))
    worst_now = min(fam["today"].items(), key=lambda kv: kv[1][0])
    worst_new = min(v[0] for v in fam["candidate"].values())
    one_input = sum(1.0 / r["today"]["positives"] for _, r in fpop
                    if r["today"]["trigger"] == worst_now[0]) / worst_now[1][2]
    bound = max(FAMILY_BOUND, one_input)
    out = {
        f"0 population: >= {MIN_FOREIGN} foreign ({len(fpop)}) and >= {MIN_OWN} own "
        f"({len(opop)})": len(fpop) >= MIN_FOREIGN and len(opop) >= MIN_OWN,
        "1 at least as many models at the goal, foreign and own each": all(
            p["candidate"]["at_goal"] >= p["today"]["at_goal"] for p in (f, o)),
        f"2 where it is for: one more model at the goal in all ({gained:+d}), or on the foreign "
        f"{'/'.join(aimed_at)} models ({len(aimed)}) mean TPR higher and worst not lower "
        f"({aim})": gained >= 1 or aim,
        f"3 no model loses more than {MAX_LOSS} TPR or one input ({lost or 'none'}); none "
        f"leaves the goal ({left or 'none'})": not lost and not left,
        f"4 guard FPR mean <= {MAX_FPR_MEAN} each, max <= today's + {MAX_FPR_RISE}": all(
            p["candidate"]["fpr_mean"] <= MAX_FPR_MEAN
            and p["candidate"]["fpr_max"] <= p["today"]["fpr_max"] + MAX_FPR_RISE
            for p in (f, o)),
        f"5 worst foreign family lower by at most {bound:.4f} ({worst_now[0]} "
        f"{worst_now[1][0]:.4f} -> worst {worst_new:.4f})": worst_new >= worst_now[1][0]
        - bound - 1e-9,
    }
    if max_model_fpr_rise is not None:
        risen = [f"{n} {r['today']['guard_fpr']:.3f} -> {r['candidate']['guard_fpr']:.3f}"
                 for n, r in both if r["candidate"]["guard_fpr"] - r["today"]["guard_fpr"]
                 > max_model_fpr_rise + 1e-9]
        out[f"6 no model's guard FPR more than {max_model_fpr_rise} above today's "
            f"({risen or 'none'})"] = not risen
    print()
    for k, v in out.items():
        print(f"condition {k}: {'met' if v else 'NOT met'}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--cutoff", default=None, help="ISO time; files written later do not count")
    ap.add_argument("--population", choices=sorted(POPULATIONS), default="s40",
                    help="which committed population (build order and file names)")
    args = ap.parse_args()
    global ACTIVE
    foreign, own, fstem, ostem, zoo = POPULATIONS[args.population]
    if args.population == "s42":
        ACTIVE = METHODS_S42
        print("(s42: 'today' = the earlier default pixel_cap=null; 'candidate' = the shipped "
              "default, pixel_cap=0)")
    cutoff = parse_cutoff(args.cutoff)
    fpop = population(args.out, foreign, fstem, cutoff, True)
    opop = population(args.out, own, ostem, cutoff, False)
    print("| model | trigger | positives | today | candidate (pixel_cap=0) | STRIP | ART STRIP |")
    print("|---|---|---:|---|---|---|---|")
    print_models([(f"{zoo} ", fpop), ("own ", opop)])
    print()
    described = describe("foreign", fpop), describe("own", opop)
    fam = print_families(fpop)
    if not fpop or not opop:
        print("ship pixel_cap=0: False (a population is empty)")
        return
    met = conditions(fpop, opop, described, fam)
    if ACTIVE is METHODS_S42:  # stop 42 also reports the cost
        cost(fpop + opop)
    print("ship pixel_cap=0 as detect-inputs' default:" if ACTIVE is METHODS else
          "the shipped pixel_cap=0 default meets the rule:", all(met.values()))


if __name__ == "__main__":
    main()
