"""MiniLM at model level, reported separately (issue 15, stop 68): what today's ``trojanscope
detect FOLDER --data CSV --format json`` said on each MiniLM run folder, against the folder's
own truth (its ``manifest.json``: an attack and its target, or none), and the pooled figures a
zoo would get — ROC-AUC and cross-entropy of the probability (with a stratified bootstrap
interval: few models), right targets, clean folders flagged — beside what the output claims
(``calibrated``, the verdict label). No model is read here: the detect JSONs are read.

    python benchmarks/minilm_model_level.py DETECT_DIR FOLDER... [--resamples N] [--json OUT.json]

DETECT_DIR holds ``NAME.json`` (the CLI's JSON for the folder named NAME) and ``walls.txt``
(``cpu NAME wall_s W user_s U sys_s S`` lines, as ``/usr/bin/time`` wrote them).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path

from minilm_zoo_table import bootstrap
from trojanscope.detect.evaluate import ZooRow, score_rows

CPU_LINE = re.compile(r"^cpu (\S+) wall_s (\S+) user_s (\S+) sys_s (\S+)")


def truth(folder: Path) -> tuple[str | None, int | None, int]:
    """The folder's attack and target from its manifest (``None``: a clean model), and its
    number of classes."""
    manifest = json.loads((folder / "manifest.json").read_text())
    classes, attack = len(manifest.get("class_names") or [0, 1]), manifest.get("attack")
    if not attack:
        return None, None, classes
    return attack["name"], int(attack["target"]), classes


def chance_at_least(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p): how often naming a class at random gets ``k`` of
    ``n`` targets right."""
    return sum(math.comb(n, i) * p ** i * (1 - p) ** (n - i) for i in range(k, n + 1))


def cpu_seconds(walls: Path) -> dict[str, tuple[float, float]]:
    """Folder name -> (wall s, CPU s = user + sys), the last line per name."""
    out = {}
    for line in walls.read_text().splitlines() if walls.exists() else []:
        if m := CPU_LINE.match(line):
            out[m[1]] = (float(m[2]), round(float(m[3]) + float(m[4]), 2))
    return out


def model_row(folder: Path, verdict: dict, walls: dict[str, tuple[float, float]]) -> dict:
    """One folder: its truth, the verdict as printed, the target named and whether it is right."""
    attack, target, classes = truth(folder)
    named = verdict.get("suspected_target")
    wall, cpu = walls.get(folder.name, (None, None))
    return {"name": folder.name, "backdoored": attack is not None, "attack": attack,
            "target": target, "classes": classes, "verdict": verdict["verdict"],
            "probability": round(float(verdict["probability"]), 4),
            "calibrated": verdict.get("calibrated"),
            "target_classes": verdict.get("target_classes", []), "suspected_target": named,
            "target_right": None if attack is None else named == target,
            "flagged": verdict["verdict"] != "clean", "wall_s": wall, "cpu_s": cpu,
            "trigger_tokens": (verdict.get("trigger_tokens") or {}).get(str(named))}


def pooled(rows: list[dict], resamples: int = 2000) -> dict:
    """ROC-AUC / CE over the folders (with a bootstrap interval), right targets, flags, claims."""
    bad = [r for r in rows if r["backdoored"]]
    clean = [r for r in rows if not r["backdoored"]]
    out: dict = {
        "models": len(rows), "backdoored": len(bad), "clean": len(clean),
        "right_target": sum(bool(r["target_right"]) for r in bad),
        "right_target_chance": chance_at_least(sum(bool(r["target_right"]) for r in bad),
                                               len(bad), 1 / max(r["classes"] for r in rows))
        if bad else None,
        "flagged_backdoored": sum(r["flagged"] for r in bad),
        "flagged_backdoored_right_target": sum(r["flagged"] and bool(r["target_right"])
                                               for r in bad),
        "clean_flagged": sum(r["flagged"] for r in clean),
        # the class a clean folder names: how far "right target" is the detector's lean
        "clean_named": {str(c): sum(r["suspected_target"] == c for r in clean)
                        for c in sorted({r["suspected_target"] for r in clean})},
        "backdoored_targets": {str(c): sum(r["target"] == c for r in bad)
                               for c in sorted({r["target"] for r in bad})},
        "verdicts": {v: sum(r["verdict"] == v for r in rows)
                     for v in sorted({r["verdict"] for r in rows})},
        "calibrated_true": sum(r["calibrated"] is True for r in rows),
        "cpu_s_median": _median([r["cpu_s"] for r in rows if r["cpu_s"] is not None]),
        "cpu_s_max": max((r["cpu_s"] for r in rows if r["cpu_s"] is not None), default=None)}
    if bad and clean:
        zoo = [ZooRow(r["name"], r["backdoored"], r["attack"], r["target"], r["probability"],
                      0.0, r["suspected_target"], 0.0) for r in rows]
        s = score_rows(zoo)
        out |= {"roc_auc": round(s["roc_auc"], 4), "cross_entropy": round(s["cross_entropy"], 4),
                "bootstrap": bootstrap(zoo, n=resamples)}
    return out


def _median(values: list[float]) -> float | None:
    values = sorted(values)
    if not values:
        return None
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("detect_dir", type=Path)
    parser.add_argument("folders", type=Path, nargs="+")
    parser.add_argument("--resamples", type=int, default=2000,
                        help="stratified bootstrap resamples of the pooled figures")
    parser.add_argument("--json", type=Path, default=None)
    opts = parser.parse_args(argv)
    walls = cpu_seconds(opts.detect_dir / "walls.txt")
    rows, missing = [], []
    for folder in opts.folders:
        path = opts.detect_dir / f"{folder.name}.json"
        if not (folder / "manifest.json").is_file():
            parser.error(f"{folder}: no manifest.json (not a run folder)")
        if not path.is_file() or not path.read_text().strip():
            missing.append(folder.name)  # not read (still running, or cut): no row, no guess
            continue
        rows.append(model_row(folder, json.loads(path.read_text()), walls))
    out = {"rows": rows, "not_read": missing, "pooled": pooled(rows, opts.resamples)}
    text = json.dumps(out, indent=2)
    if opts.json is not None:
        opts.json.parent.mkdir(parents=True, exist_ok=True)
        opts.json.write_text(text + "\n")
    print("| folder | truth | verdict | p | calibrated | target named | right | CPU s |\n"
          "|---|---|---|---|---|---|---|---|")
    for r in rows:
        kind = f"{r['attack']} t {r['target']}" if r["backdoored"] else "clean"
        right = "–" if r["target_right"] is None else "yes" if r["target_right"] else "no"
        print(f"| {r['name']} | {kind} | {r['verdict']} | {r['probability']:.3f} | "
              f"{r['calibrated']} | {r['suspected_target']} {r['trigger_tokens']} | {right} | "
              f"{r['cpu_s']} |")
    p = out["pooled"]
    chance = "–" if p["right_target_chance"] is None else f"{p['right_target_chance']:.4f}"
    print(f"pooled: {p['models']} folders ({p['backdoored']} backdoored, {p['clean']} clean); "
          f"ROC-AUC {p.get('roc_auc')}, CE {p.get('cross_entropy')} "
          f"(bootstrap 5-95%: {p.get('bootstrap', {}).get('roc_auc_5_95')}, "
          f"{p.get('bootstrap', {}).get('cross_entropy_5_95')}); right target "
          f"{p['right_target']} of {p['backdoored']} (by chance at least as many: "
          f"{chance}); backdoored flagged "
          f"{p['flagged_backdoored']} ({p['flagged_backdoored_right_target']} with the right "
          f"target); clean flagged {p['clean_flagged']} of {p['clean']}; clean folders name "
          f"{p['clean_named']}, the backdoored's targets {p['backdoored_targets']}; verdicts "
          f"{p['verdicts']}; calibrated true {p['calibrated_true']}; CPU s median "
          f"{p['cpu_s_median']}, max {p['cpu_s_max']}")
    if missing:
        print(f"not read: {', '.join(missing)}", file=sys.stderr)


if __name__ == "__main__":
    main()
