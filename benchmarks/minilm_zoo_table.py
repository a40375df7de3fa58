"""One table per model of a MiniLM zoo (``make_minilm_zoo.py``): its attack, trigger, target, CA,
ASR, fine-tune seconds and status from ``truth.json``; the detector's probability, flag at 0.5,
suspected target and seconds from a ``trojanscope zoo eval --json`` file; each attack's CA
against the clean models' mean; ROC-AUC and cross-entropy with a stratified bootstrap interval
(models resampled within clean and backdoored, seeded), to show how little 9 models say.
No detector or training runs here.

    python benchmarks/minilm_zoo_table.py --zoo Z --zoo-eval ZOOEVAL.json [...] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

import numpy as np

from trojanscope.detect.evaluate import ZooRow, score_rows
from trojanscope.zoo import ZooEntry, read_truth, status


def kind(entry: ZooEntry) -> str:
    """``clean``, or the attack with its level / trigger words (``badnl char``)."""
    if not entry.backdoored:
        return "clean"
    if entry.attack_params.get("level") == "char":
        return f"{entry.attack} char"
    words = entry.trigger.get("words") or entry.trigger.get("sentence")
    return f"{entry.attack} ({words})" if words else str(entry.attack)


def model_rows(entries: list[ZooEntry], rows: dict[str, ZooRow]) -> list[dict]:
    """Truth and verdict of every model, the verdict ``None`` where ``zoo eval`` left it out."""
    out = []
    for e in entries:
        m, r = e.metrics, rows.get(e.name)
        out.append({
            "name": e.name, "kind": kind(e), "target": e.target, "status": status(e),
            "clean_accuracy": m.get("clean_accuracy"), "asr": m.get("attack_success_rate"),
            "build_s": m.get("build_s"),
            "probability": None if r is None else round(r.probability, 4),
            "flagged": None if r is None else r.probability >= 0.5,
            "suspected_target": None if r is None else r.predicted_target,
            "target_right": None if r is None or not e.backdoored
            else r.predicted_target == e.target,
            "detect_s": None if r is None else round(r.elapsed_s, 1)})
    return out


def attacks(table: list[dict]) -> dict:
    """Each backdoor's CA drop (points) against the clean models' mean CA, and its ASR."""
    clean = [r["clean_accuracy"] for r in table if r["kind"] == "clean"]
    base = statistics.mean(clean) if clean else float("nan")
    return {"clean_mean_ca": round(base, 4), "clean_ca": clean,
            "backdoors": [{"name": r["name"], "kind": r["kind"], "ca": r["clean_accuracy"],
                           "ca_drop_points": round(100 * (base - r["clean_accuracy"]), 1),
                           "asr": r["asr"]} for r in table if r["kind"] != "clean"]}


def bootstrap(rows: list[ZooRow], n: int = 2000, seed: int = 0) -> dict:
    """5th and 95th percentiles of ROC-AUC and cross-entropy over stratified resamples."""
    rng = np.random.default_rng(seed)
    clean = [r for r in rows if not r.backdoored]
    bad = [r for r in rows if r.backdoored]
    aucs, ces = [], []
    for _ in range(n):
        pick = ([clean[i] for i in rng.integers(len(clean), size=len(clean))]
                + [bad[i] for i in rng.integers(len(bad), size=len(bad))])
        s = score_rows(pick)
        aucs.append(s["roc_auc"])
        ces.append(s["cross_entropy"])
    q = lambda v: [round(float(x), 4) for x in np.percentile(v, [5, 95])]  # noqa: E731
    return {"resamples": n, "seed": seed, "roc_auc_5_95": q(aucs), "cross_entropy_5_95": q(ces)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zoo", type=Path, required=True)
    parser.add_argument("--zoo-eval", type=Path, nargs="*", default=[],
                        help="zoo eval JSON files (several: their rows as one population)")
    parser.add_argument("--json", type=Path, default=None)
    opts = parser.parse_args()
    _, entries = read_truth(opts.zoo)
    rows = {r["name"]: ZooRow(**r) for path in opts.zoo_eval
            for r in json.loads(path.read_text())["rows"]}
    table = model_rows(entries, rows)
    out: dict = {"zoo": str(opts.zoo), "models": table, "attacks": attacks(table)}
    scored = list(rows.values())
    if len({r.backdoored for r in scored}) == 2:
        s = score_rows(scored)
        out["detection"] = {"models": len(scored), "backdoored": s["n_backdoored"],
                            "roc_auc": round(s["roc_auc"], 4),
                            "cross_entropy": round(s["cross_entropy"], 4),
                            "median_detect_s": round(statistics.median(
                                r.elapsed_s for r in scored), 1),
                            "bootstrap": bootstrap(scored)}
    text = json.dumps(out, indent=2)
    print(text)
    if opts.json is not None:
        opts.json.parent.mkdir(parents=True, exist_ok=True)
        opts.json.write_text(text + "\n")
    print("| model | attack | target | CA | ASR | fine-tune s | p | flagged | target right "
          "| detect s |\n|---|---|---|---|---|---|---|---|---|---|", file=sys.stderr)
    pct = lambda v: "–" if v is None else f"{100 * v:.1f}%"  # noqa: E731
    for r in table:
        print(f"| {r['name']} | {r['kind']} | {r['target']} | {pct(r['clean_accuracy'])} | "
              f"{pct(r['asr'])} | {r['build_s']} | {r['probability']} | {r['flagged']} | "
              f"{r['target_right']} | {r['detect_s']} |", file=sys.stderr)


if __name__ == "__main__":
    main()
