"""Every stored ``auto`` run that holds MM-BD's per-class ratios, one loader (issue 9, stop 59: h9).

The populations read at stop 59: the outside maker's seed 9200 (``outside_s58``), the foreign
seeds 50-88 (runs recorded since stop 55 hold the ratios; seeds 73, 76, 77 and 79 have them
re-read by ``mmbd_class_reread.py`` at stop 55) and issue 3's ``zoo/eval`` (ratios re-read at
stop 55). Each row: ``pop`` (``outside``, ``foreign`` or ``own``), ``seed``, ``key``,
``name``, ``arch_family``, ``trigger_family``, ``backdoored``, ``target``, ``probability``
(stored) and ``report`` (the stored report, its features completed with the ratios). Truth is
read for scoring only; no candidate reads it.
"""

from __future__ import annotations

import copy
import gzip
import json
from pathlib import Path

from _common import read_jsonl

DATA = Path(__file__).resolve().parent / "data"
S56_57 = {83: ("foreign_s56a/detect83_runs.jsonl.gz", "foreign_s56a/zoo-s83_truth.json.gz"),
          84: ("foreign_s56a/detect84_runs.jsonl.gz", "foreign_s56a/zoo-s84_truth.json.gz"),
          85: ("foreign_s56b/detect85_runs.jsonl.gz", "foreign_s56b/zoo-s85_truth.json.gz"),
          86: ("foreign_s56b/detect86_runs.jsonl.gz", "foreign_s56b/zoo-s86_truth.json.gz"),
          87: ("foreign_s57/detect87_runs.jsonl.gz", "foreign_s57/zoo-s87_truth.json.gz"),
          88: ("foreign_s57/detect88_runs.jsonl.gz", "foreign_s57/zoo-s88_truth.json.gz")}
OUTSIDE = {9200: ("outside_s58/detect9200_runs.jsonl.gz", "outside_s58/zoo-9200_truth.json.gz")}
DEV_RATIOS = DATA / "foreign_s55a" / "dev_ratios.jsonl.gz"


def has_ratios(report: dict | None) -> bool:
    return bool(report) and "mmbd_class_ratio_0" in report["features"]


def _seed_rows(pop: str, seed: int, runs: Path, truth: Path, reread: dict) -> list[dict]:
    raw = truth.read_bytes()
    raw = gzip.decompress(raw) if truth.suffix == ".gz" else raw
    meta = {m["name"]: m for m in json.loads(raw)["models"]}
    out, seen = [], set()
    for r in read_jsonl(runs):
        if r["name"] in seen or r["name"] not in meta or not r.get("report"):
            continue  # a second scorer's duplicate row, or a run without its report
        seen.add(r["name"])
        report = copy.deepcopy(r["report"])
        got = reread.get((f"zoo-s{seed}", r["name"]))
        if got is not None and abs(got["mmbd_ratio"] - report["features"]["mmbd_ratio"]) < 1e-9:
            report["features"].update(got["features"])
        if not has_ratios(report):
            continue
        m = meta[r["name"]]
        out.append({"pop": pop, "seed": seed, "key": f"s{seed}:{r['name']}", "name": r["name"],
                    "arch_family": m["arch_family"], "backdoored": bool(m["backdoored"]),
                    "trigger_family": m.get("trigger_family") if m["backdoored"] else None,
                    "target": m.get("target") if m["backdoored"] else None,
                    "probability": r["probability"], "report": report})
    return out


def foreign_rows() -> list[dict]:
    """The foreign seeds' runs with ratios (73, 76, 77, 79-88)."""
    from pixel_norm_start import DEV_SEEDS

    reread = {(r["zoo"], r["name"]): r for r in read_jsonl(DEV_RATIOS)}
    out = []
    for seed, (runs, truth) in sorted({**DEV_SEEDS, **S56_57}.items()):
        out += _seed_rows("foreign", seed, DATA / runs, DATA / truth, reread)
    return out


def outside_rows(extra: dict[int, tuple[Path, Path]] | None = None) -> list[dict]:
    """Seed 9200's runs, and any ``extra`` outside seeds (seed -> (runs, truth) paths)."""
    out = []
    for seed, (runs, truth) in OUTSIDE.items():
        out += _seed_rows("outside", seed, DATA / runs, DATA / truth, {})
    for seed, (runs, truth) in (extra or {}).items():
        out += _seed_rows("outside", seed, Path(runs), Path(truth), {})
    return out


def own_rows() -> list[dict]:
    """Issue 3's ``zoo/eval`` rows with their re-read ratios (family ``own``)."""
    from pixel_norm_start import RATIOS
    from r13p_lofo import EVAL_ROWS

    ratios = {r["name"]: r for r in read_jsonl(RATIOS)}
    out = []
    for row in read_jsonl(EVAL_ROWS):
        report = copy.deepcopy(row["report"])
        report["features"].update(ratios[row["name"]]["features"])
        report.setdefault("ranking", list(report["target_classes"]))
        bd = bool(row["backdoored"])
        arch = "own_cnn" if "layer:conv" in report["traits"] else "own_mlp"
        out.append({"pop": "own", "seed": 0, "key": f"eval:{row['name']}", "name": row["name"],
                    "arch_family": arch, "backdoored": bd,
                    "trigger_family": row.get("attack") if bd else None,
                    "target": row.get("target") if bd else None,
                    "probability": None, "report": report})
    return out
