"""Audit benchmark: demo and audit wall time, and the audit's confusion table.

1. Timing: ``trojanscope demo`` (train two MNIST models, audit both, write reports) and
   ``trojanscope audit MODEL --data mnist`` on the demo's backdoored model, each as a fresh
   process, wall clock (3 audit runs, median).
2. Confusion table: every model of the evaluation zoo (``zoo/eval``; backdoored models whose
   attack did not take are left out, as in the detection benchmark), every malicious file of
   the scanner's corpus and of picklescan's peer corpus, and the scanner's benign files, each
   audited with the shipped defaults; counts per risk rating. Clean models are expected low,
   backdoored models and malicious files high or critical; benign files that are not models
   (NumPy arrays, scikit-learn pickles…) have no behaviour to check, so they are expected
   below high (the audit rates them medium: "behaviour not checked").
3. ``--choose-band``: the lower edge of the medium ("inconclusive") band is chosen on the
   calibration zoos (``--cal-zoo``, repeatable), never on the evaluation zoo: the smallest
   value of a grid at which at most 5% of their clean models would be rated medium.

    .venv/bin/python benchmarks/bench_audit.py [--threads 1] [--skip-timing] [--choose-band]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scan import PEER_CORPUS, build_corpus
from trojanscope.audit import AuditOptions, run_audit
from trojanscope.zoo import effective, read_truth

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out" / "audit.json"
CLI = str(Path(sys.executable).parent / "trojanscope")
LEVELS = ("low", "medium", "high", "critical")
BAND_GRID = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def wall(cmd: list[str]) -> tuple[float, int]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{cmd} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return elapsed, proc.returncode


def timing() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        demo_s, _ = wall([CLI, "demo", "--out", f"{tmp}/demo", "--no-history"])
        log(f"demo: {demo_s:.1f} s")
        model = f"{tmp}/demo/models/backdoored"
        runs = []
        for _ in range(3):
            s, code = wall([CLI, "audit", model, "--data", "mnist", "--no-history", "--format",
                            "json", "--output", f"{tmp}/a.json"])
            runs.append(s)
        log(f"audit: {runs}")
        doc = json.loads(Path(f"{tmp}/a.json").read_text())
    return {"demo_s": demo_s, "audit_runs_s": runs, "audit_median_s": statistics.median(runs),
            "audit_rating": doc["rating"]["level"], "audit_exit_code": code}


def zoo_models(zoo: Path) -> list[tuple[Path, bool, str]]:
    _, entries = read_truth(zoo)
    return [(zoo / e.name, e.backdoored, e.attack or "clean") for e in entries if effective(e)]


def audit_items(items: list[tuple[str, Path, str]], options: AuditOptions) -> list[dict]:
    rows = []
    for group, path, expect in items:
        result = run_audit(path, options)
        det = result.detection or {}
        rows.append({"group": group, "path": str(path), "expect": expect,
                     "rating": result.rating.label, "probability": det.get("probability"),
                     "steps": {s.name: s.status.value for s in result.steps},
                     "duration_s": result.duration_s})
    return rows


def choose_band(cal_zoos: list[Path]) -> dict:
    """Lower edge of the medium band, from the calibration zoos' clean models only."""
    clean = [p for zoo in cal_zoos for p, bad, _ in zoo_models(zoo) if not bad]
    probs = [run_audit(p).detection["probability"] for p in clean]
    table = {x: sum(x <= p < 0.5 for p in probs) / len(probs) for x in BAND_GRID}
    chosen = min((x for x, share in table.items() if share <= 0.05), default=BAND_GRID[-1])
    return {"clean_models": len(probs), "share_medium": table, "chosen": chosen}


EXPECTED = {"malicious": ("high", "critical"), "clean": ("low",),
            "not a model": ("low", "medium")}


def confusion(rows: list[dict]) -> dict:
    out = {}
    for group in dict.fromkeys(r["group"] for r in rows):
        sel = [r for r in rows if r["group"] == group]
        counts = Counter(r["rating"] for r in sel)
        expected = EXPECTED[sel[0]["expect"]]
        out[group] = {"n": len(sel), "expected": " or ".join(expected),
                      **{lv: counts.get(lv, 0) for lv in LEVELS},
                      "as_expected": sum(r["rating"] in expected for r in sel)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-zoo", type=Path, default=ROOT / "zoo" / "eval")
    parser.add_argument("--cal-zoo", type=Path, action="append",
                        help="calibration zoo for --choose-band (repeatable; default zoo/cal)")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--skip-timing", action="store_true")
    parser.add_argument("--choose-band", action="store_true")
    args = parser.parse_args()
    report: dict = {}
    if not args.skip_timing:
        report["timing"] = timing()  # before pinning threads: the CLI runs with its defaults
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.choose_band:
        report["band"] = choose_band(args.cal_zoo or [ROOT / "zoo" / "cal"])
        log(f"band: {report['band']}")
    items: list[tuple[str, Path, str]] = []
    for path, bad, _attack in zoo_models(args.eval_zoo):
        group = f"evaluation zoo: {'backdoored' if bad else 'clean'} models"
        items.append((group, path, "malicious" if bad else "clean"))
    mal, ben, marker = build_corpus()
    items += [("malicious files (our corpus)", p, "malicious") for p in mal]
    if (PEER_CORPUS / "truth.json").exists():
        truth = json.loads((PEER_CORPUS / "truth.json").read_text())
        items += [("malicious files (picklescan corpus)", PEER_CORPUS / t["file"], "malicious")
                  for t in truth if t["label"] == "malicious"]
    items += [("benign files that are not models (our corpus)", p, "not a model") for p in ben]
    start = time.perf_counter()
    options = AuditOptions()
    if "band" in report and report["band"]["chosen"] != options.inconclusive_at:
        log(f"note: the shipped --inconclusive-at is {options.inconclusive_at}; the calibration "
            f"zoos choose {report['band']['chosen']}, used below (update AuditOptions)")
        options = AuditOptions(inconclusive_at=report["band"]["chosen"])
    report["inconclusive_at"] = options.inconclusive_at
    rows = audit_items(items, options)
    log(f"audited {len(rows)} items in {time.perf_counter() - start:.0f} s")
    assert not marker.exists(), "a payload ran"
    report["confusion"] = confusion(rows)
    report["rows"] = rows
    zoo_rows = [r for r in rows if r["group"].startswith("evaluation zoo")]
    report["zoo_median_audit_s"] = statistics.median(r["duration_s"] for r in zoo_rows)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2) + "\n")
    print("| items | expected | n | low | medium | high | critical | as expected |")
    print("|---|---|---|---|---|---|---|---|")
    for group, c in report["confusion"].items():
        print(f"| {group} | {c['expected']} | {c['n']} | "
              + " | ".join(str(c[lv]) for lv in LEVELS) + f" | {c['as_expected']} of {c['n']} |")
    if "timing" in report:
        t = report["timing"]
        print(f"\ndemo {t['demo_s']:.1f} s; audit median {t['audit_median_s']:.1f} s "
              f"(runs {', '.join(f'{s:.1f}' for s in t['audit_runs_s'])})")
    print(f"zoo audits: median {report['zoo_median_audit_s']:.1f} s in-process")


if __name__ == "__main__":
    main()
