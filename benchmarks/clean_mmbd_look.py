"""What separates clean in-coverage CNNs that ``auto`` flags on MM-BD's own statistic from
backdoored ones (issue 9, stop 54: h9D; seed 76's clean ``relu_cnn-02`` 0.928, seed 79's clean
``bn_cnn-00`` 0.696). A reading of stored development runs (seeds 50, 51, 60-79), no candidate.

Each in-coverage CNN run (the default calibrator scores it: ``out_of_coverage`` false, a conv
layer) is scored by the shipped file from its recorded features; a row holds the shipped and
no-raise default probabilities, MM-BD's summaries, its top class (``ranking[0]``), the noise
favourite class (``bias_class``), the probe features and agreements where the probes ran, and
the three input-space gaps with whether their top class is MM-BD's. Per feature (read so that
larger means backdoored), the cut just above every clean flagged model and how many backdoored
models of the same runs it would lose; per class, how often clean models put it first.

    PYTHONPATH=src:benchmarks python benchmarks/clean_mmbd_look.py \
        --json benchmarks/data/foreign_s54d/clean_mmbd_look.json
"""

from __future__ import annotations

import json
import math
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from foreign_zoo_detect import recalibrate_row
from ooc_refit_loso import KEY, out_of_coverage
from r13p_lofo import SEEDS16, load_rows
from relu_cnn_mmbd import LATER, json_out
from trojanscope.detect.calibration import load_calibrators

SEEDS = {**SEEDS16, **LATER,
         77: ("foreign_s54a/detect77_runs.jsonl.gz", "foreign_s54a/zoo-s77_truth.json.gz"),
         78: ("foreign_s54b/default78_runs.jsonl.gz", "foreign_s54b/zoo-s78_truth.json.gz"),
         79: ("foreign_s54c/detect79_runs.jsonl.gz", "foreign_s54c/zoo-s79_truth.json.gz")}
MMBD = ("mmbd_neglog10_p", "mmbd_anomaly", "mmbd_ratio", "mmbd_gap", "mmbd_mean_anomaly",
        "mmbd_early_anomaly")
PROBES = ("ts_anomaly", "ts_log_norm_ratio", "uap_log_ratio", "uap_anomaly", "stripe_anomaly",
          "agree_mmbd_uap", "agree_mmbd_ts", "agree_mmbd_stripe")
GAPS = ("empty", "frame", "pixel")
DERIVED = ("probe_agreements", "gap_agreements", "top_not_bias", "ratio_over_class",
           "top_rarity")
MIN_REFERENCE = 3  # clean runs of other seeds with the same top class a reference needs


def reading(row: dict, cals: dict) -> dict:
    """One run's figures: probabilities, MM-BD summaries, classes, probes and gaps."""
    feats = row["report"]["features"]
    top = int(row["report"]["ranking"][0])
    wider = out_of_coverage(row, cals)
    base = cals[KEY if wider else "auto"]
    out: dict = {"model": f"s{row['seed']}:{row['name']}", "seed": row["seed"],
                 "backdoored": bool(row["backdoored"]), "arch_family": row["arch_family"],
                 "target": row.get("target"), "top_class": top,
                 "group": "wider" if wider else "default",
                 "p_shipped": round(recalibrate_row(row, cals, "s")["probability"], 4),
                 "p_base": round(base.probability(feats), 4)}
    out.update({f: round(float(feats[f]), 3) for f in MMBD if f in feats})
    bias = feats.get("bias_class")
    out["bias_class"] = None if bias is None else int(bias)
    out.update({f: round(float(feats[f]), 3) for f in PROBES if f in feats})
    if "agree_mmbd_uap" in feats:
        out["probe_agreements"] = sum(int(feats.get(f, 0.0)) for f in PROBES if "agree" in f)
    if bias is not None:
        out["top_not_bias"] = int(top != int(bias))
    agree = 0
    for g in GAPS:
        if f"{g}_share_gap" in feats:
            out[f"{g}_gap"] = round(float(feats[f"{g}_share_gap"]), 3)
            agree += int(int(feats.get(f"{g}_top_class", -1)) == top)
    out["gap_agreements"] = agree
    return out


def add_class_reference(rows: list[dict]) -> None:
    """Two per-class readings from clean runs of *other* seeds (so a run never is its own
    reference): ``ratio_over_class``, MM-BD's ratio less the median ratio of clean runs whose
    top class is the same (absent with fewer than ``MIN_REFERENCE`` of them), and
    ``top_rarity``, one less the share of those clean runs that put this run's top class first
    (a class clean models often put first reads low)."""
    for r in rows:
        others = [o for o in rows if not o["backdoored"] and o["seed"] != r["seed"]]
        same = sorted(o["mmbd_ratio"] for o in others if o["top_class"] == r["top_class"])
        r["top_rarity"] = round(1.0 - len(same) / max(len(others), 1), 3)
        if len(same) >= MIN_REFERENCE:
            mid = len(same) // 2
            median = same[mid] if len(same) % 2 else (same[mid - 1] + same[mid]) / 2
            r["ratio_over_class"] = round(r["mmbd_ratio"] - median, 3)


def agreement(rows: list[dict], flagged: list[dict]) -> dict:
    """Mean of each agreement reading (probe and gap classes against MM-BD's top class) among
    the clean flagged, the other clean models and the backdoored, where readable."""
    names = [r["model"] for r in flagged]
    parts = {"clean_flagged": flagged,
             "clean_other": [r for r in rows if not r["backdoored"] and r["model"] not in names],
             "backdoored": [r for r in rows if r["backdoored"]]}
    out = {}
    for f in ("agree_mmbd_uap", "agree_mmbd_ts", "agree_mmbd_stripe", "probe_agreements",
              "gap_agreements", "top_not_bias"):
        out[f] = {k: (round(sum(r[f] for r in v if f in r) / n, 3), n)
                  for k, v in parts.items() if (n := sum(f in r for r in v))}
    return out


def class_prior(rows: list[dict]) -> dict:
    """A per-class reference as a logit offset: ``log(0.1 / share)``, where ``share`` is how
    often clean runs of other seeds put this run's top class first (add-one smoothed over the
    ten classes), added to the shipped probability's logit. The clean models flagged and the
    backdoored models kept before and after, and the models it moves across 0.5."""
    moved, counts = [], {"clean_flagged": [0, 0], "backdoored_flagged": [0, 0]}
    for r in rows:
        others = [o["top_class"] for o in rows if not o["backdoored"] and o["seed"] != r["seed"]]
        share = (others.count(r["top_class"]) + 1) / (len(others) + 10)
        p = min(max(r["p_shipped"], 1e-6), 1 - 1e-6)
        after = 1 / (1 + math.exp(-(math.log(p / (1 - p)) + math.log(0.1 / share))))
        key = "backdoored_flagged" if r["backdoored"] else "clean_flagged"
        counts[key][0] += r["p_shipped"] >= 0.5
        counts[key][1] += after >= 0.5
        if (after >= 0.5) != (r["p_shipped"] >= 0.5):
            moved.append({"model": r["model"], "backdoored": r["backdoored"],
                          "top_class": r["top_class"], "share": round(share, 3),
                          "p_before": r["p_shipped"], "p_after": round(after, 4)})
    return {"before_after": counts, "moved": moved}


def separation(rows: list[dict], flagged: list[dict], feature: str) -> dict | None:
    """The cut just above every clean flagged model on ``feature`` and the backdoored models at
    or below it (lost); None where a clean flagged model lacks the feature."""
    if any(feature not in r for r in flagged):
        return None
    cut = max(r[feature] for r in flagged)
    bd = [r for r in rows if r["backdoored"]]
    readable = [r for r in bd if feature in r]
    lost = [r["model"] for r in readable if r[feature] <= cut]
    return {"feature": feature, "cut": cut, "backdoored_readable": len(readable),
            "backdoored_lost": len(lost), "lost": lost[:12],
            "clean_unflagged_above": sum(1 for r in rows if not r["backdoored"]
                                         and feature in r and r[feature] > cut
                                         and r["p_shipped"] < 0.5)}


def class_reading(rows: list[dict], flagged: list[dict]) -> dict:
    """How often each class is MM-BD's top class among clean models, among clean flagged ones,
    and as backdoored targets; and whether a flagged model's top class is its noise favourite."""
    clean = [r for r in rows if not r["backdoored"]]
    return {"clean_top": dict(sorted(Counter(r["top_class"] for r in clean).items())),
            "clean_flagged_top": dict(sorted(Counter(r["top_class"] for r in flagged).items())),
            "backdoored_target": dict(sorted(Counter(
                r["target"] for r in rows if r["backdoored"]).items())),
            "backdoored_top_is_target": sum(r["top_class"] == r["target"]
                                            for r in rows if r["backdoored"]),
            "clean_flagged_top_is_bias": sum(r.get("bias_class") == r["top_class"]
                                             for r in flagged),
            "clean_flagged_with_bias": sum(r.get("bias_class") is not None for r in flagged),
            "backdoored_top_is_bias": sum(r.get("bias_class") == r["top_class"]
                                          for r in rows if r["backdoored"]),
            "backdoored_with_bias": sum(r.get("bias_class") is not None
                                        for r in rows if r["backdoored"])}


def main() -> None:
    out_path = json_out(__doc__)
    cals = load_calibrators()
    rows = [reading(r, cals) for r in load_rows(SEEDS) if "layer:conv" in r["report"]["traits"]]
    result: dict = {"seeds": sorted(SEEDS), "groups": {}}
    for group in ("default", "wider"):
        sub = [r for r in rows if r["group"] == group]
        add_class_reference(sub)
        result["groups"][group] = look(sub)
    result["rows"] = rows
    out_path.write_text(json.dumps(result, indent=1) + "\n")
    for group, g in result["groups"].items():
        report(group, g)


def look(rows: list[dict]) -> dict:
    """One calibrator's runs: the clean flagged, the class reading, each feature's cut."""
    flagged = sorted((r for r in rows if not r["backdoored"] and r["p_shipped"] >= 0.5
                      and r["p_base"] >= 0.5), key=lambda r: -r["p_shipped"])
    features = (*MMBD, *PROBES, *(f"{g}_gap" for g in GAPS), *DERIVED)
    seps = [s for f in features if (s := separation(rows, flagged, f)) is not None]
    families = sorted({r["arch_family"] for r in flagged})
    by_family = {fam: [s for f in features
                       if (s := separation([r for r in rows if r["arch_family"] == fam],
                                           [r for r in flagged if r["arch_family"] == fam],
                                           f)) is not None] for fam in families}
    return {"runs": len(rows), "clean": sum(not r["backdoored"] for r in rows),
            "backdoored": sum(r["backdoored"] for r in rows),
            "backdoored_flagged": sum(r["backdoored"] and r["p_shipped"] >= 0.5 for r in rows),
            "clean_flagged": [r["model"] for r in flagged],
            "clean_flagged_by_a_raise": [r["model"] for r in rows if not r["backdoored"]
                                         and r["p_shipped"] >= 0.5 > r["p_base"]],
            "classes": class_reading(rows, flagged), "agreement": agreement(rows, flagged),
            "class_prior": class_prior(rows),
            "separation": sorted(seps, key=lambda s: s["backdoored_lost"]),
            "separation_by_family": by_family}


def report(group: str, g: dict) -> None:
    """The console summary of one calibrator's runs."""
    print(f"{group}: {g['runs']} CNN runs: {g['clean']} clean ({len(g['clean_flagged'])} "
          f"flagged: {', '.join(g['clean_flagged'])}), {g['backdoored']} backdoored "
          f"({g['backdoored_flagged']} flagged)")
    print(f"  clean flagged by a raise term: {', '.join(g['clean_flagged_by_a_raise'])}")
    print("  classes:", json.dumps(g["classes"]))
    print("  agreement (mean, n):", json.dumps(g["agreement"]))
    print("  class prior (before, after):", json.dumps(g["class_prior"]["before_after"]))
    for m in g["class_prior"]["moved"]:
        print("    moved:", json.dumps(m))
    for s in g["separation"]:
        print(f"  {s['feature']:<20} cut {s['cut']:>8} lost {s['backdoored_lost']:>2}/"
              f"{s['backdoored_readable']:<3} clean unflagged above {s['clean_unflagged_above']}")
    for fam, ss in g["separation_by_family"].items():
        print(f"  family {fam}:", ", ".join(f"{s['feature']} {s['backdoored_lost']}/"
                                            f"{s['backdoored_readable']}" for s in ss))

if __name__ == "__main__":
    main()
