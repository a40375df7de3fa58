"""The figures of ``minilm_confirm_runs.sh`` (issue 15, stop 50) read against the plan's
goals: each attack's ASR ≥ 95% with CA within 2 points of the same seed's clean model, each
fine-tune's wall time (≤ 600 s) with its load, and ``strip-text``'s default TPR at FPR ≤ 0.05
≥ 0.90 for ``badnl`` and ``addsent`` on every seed named (a seed not scored: undecided).

    python benchmarks/minilm_confirm_read.py OUT --seeds 3179 3180 [--json OUT/summary.json]
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

ASR_GOAL, DROP_GOAL, WALL_GOAL, TPR_GOAL = 0.95, 0.02, 600.0, 0.90
INPUT_ATTACKS = ("badnl", "addsent")


def read_walls(path: Path) -> dict[str, tuple[float, float]]:
    """Run name -> (wall seconds, 1-minute load when it ended), from ``walls.txt`` lines
    ``minilm-NAME wall_s W HH:MM:SS load L``."""
    walls = {}
    pattern = re.compile(r"^minilm-(\S+) wall_s (\S+) \S+ load (\S+)")
    for line in path.read_text().splitlines() if path.exists() else []:
        if m := pattern.match(line):
            walls[m[1]] = (float(m[2]), float(m[3]))
    return walls


def attack_rows(out: Path) -> list[dict]:
    """One row per CLI JSON ``minilm-RUN-SEED.json``: CA, ASR, the CA drop against the same
    seed's clean model (``None`` without one), wall time and load, and the goals met."""
    walls = read_walls(out / "walls.txt")
    runs = {}
    for path in sorted(out.glob("minilm-*.json")):
        if not path.read_text().strip():  # a run still going, or stopped: no figures
            continue
        name = path.stem.removeprefix("minilm-")
        run, seed = name.rsplit("-", 1)
        runs[(run, int(seed))] = json.loads(path.read_text())["metrics"]
    rows = []
    order = sorted(runs.items(), key=lambda kv: (kv[0][1], kv[0][0] != "clean", kv[0][0]))
    for (run, seed), metrics in order:
        clean = runs.get(("clean", seed))
        wall, load = walls.get(f"{run}-{seed}", (None, None))
        row = {"run": run, "seed": seed, "ca": metrics["clean_accuracy"],
               "asr": metrics.get("attack_success_rate"), "wall_s": wall, "load": load,
               "wall_met": None if wall is None else wall <= WALL_GOAL}
        if run != "clean":
            row["ca_drop"] = None if clean is None else clean["clean_accuracy"] - row["ca"]
            row["met"] = (row["asr"] >= ASR_GOAL and row["ca_drop"] is not None
                          and row["ca_drop"] <= DROP_GOAL + 1e-9)
        rows.append(row)
    return rows


def input_rows(out: Path) -> list[dict]:
    """``strip-text``'s default figures, one row per ``inputs_minilm_*.json``."""
    rows = []
    for path in sorted(out.glob("inputs_minilm_*.json")):
        for row in json.loads(path.read_text())["rows"]:
            fig = row["default"]
            run, seed = row["model"].rsplit("-", 1)
            rows.append({"run": run, "seed": int(seed), **{k: fig[k] for k in (
                "roc_auc", "tpr_at_fpr", "guard_fpr", "guard_tpr", "positives", "triggered",
                "negatives", "fit_s", "score_s_per_input")}})
    return rows


def verdict(attacks: list[dict], inputs: list[dict], seeds: list[int]) -> dict:
    """The plan's reading: input level met when every (seed, ``badnl``/``addsent``) is scored
    at TPR ≥ 0.90 (``None``: some not scored, none below); attacks met per row."""
    scored = {(r["seed"], r["run"]): r["tpr_at_fpr"] for r in inputs}
    wanted = [(s, a) for s in seeds for a in INPUT_ATTACKS]
    missing = [f"{a}-{s}" for s, a in wanted if (s, a) not in scored]
    low = [f"{a}-{s}" for s, a in wanted if scored.get((s, a), 1.0) < TPR_GOAL]
    worst = min(((v, f"{a}-{s}") for (s, a), v in scored.items() if a in INPUT_ATTACKS),
                default=(None, None))
    attacked = [r for r in attacks if r["run"] != "clean"]
    worst_asr = min(attacked, key=lambda r: r["asr"], default=None)
    return {"input_met": False if low else (None if missing else True),
            "input_below_goal": low, "input_not_scored": missing,
            "worst_tpr": worst[0], "worst_tpr_model": worst[1],
            "attacks_met": all(r["met"] for r in attacked) if attacked else None,
            "attacks_missed": [f"{r['run']}-{r['seed']}" for r in attacked if not r["met"]],
            "worst_asr_model": worst_asr and f"{worst_asr['run']}-{worst_asr['seed']}",
            "largest_wall_s": max((r["wall_s"] for r in attacks if r["wall_s"]), default=None)}


def pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f}%"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seeds", type=int, nargs="+", required=True)
    parser.add_argument("--json", type=Path, default=None)
    opts = parser.parse_args()
    attacks, inputs = attack_rows(opts.out), input_rows(opts.out)
    print("| run | CA | ASR | CA drop | goal | wall s (load) |\n|---|---|---|---|---|---|")
    for r in attacks:
        drop = r.get("ca_drop")
        wall = "–" if r["wall_s"] is None else f"{r['wall_s']:.0f} ({r['load']})"
        goal = "–" if r["run"] == "clean" else ("met" if r["met"] else "**missed**")
        print(f"| {r['run']}-{r['seed']} | {pct(r['ca'])} | {pct(r['asr'])} | "
              f"{'–' if drop is None else f'{100 * drop:+.1f}'} | {goal} | "
              f"{wall} |")
    print("\n| model | ROC-AUC | TPR at FPR ≤ 0.05 | guard FPR / TPR | positives, clean | "
          "ms per input | fit s |\n|---|---|---|---|---|---|---|")
    for r in inputs:
        print(f"| {r['run']}-{r['seed']} | {r['roc_auc']:.3f} | {r['tpr_at_fpr']:.3f} | "
              f"{r['guard_fpr']:.3f} / {r['guard_tpr']:.3f} | {r['positives']}, "
              f"{r['negatives']} | {1000 * r['score_s_per_input']:.0f} | {r['fit_s']:.0f} |")
    result = {"attacks": attacks, "inputs": inputs,
              "verdict": verdict(attacks, inputs, opts.seeds)}
    print(json.dumps(result["verdict"], indent=2))
    if opts.json is not None:
        opts.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
