"""Issue 9, stop 70 (h2c): score two-class models against their clean twins and table it.

Reads ``two_class_twins.py``'s ``twins.jsonl`` of one or more zoos (with the main detect
reports of the same models for today's probability, ``two_class_read.py``'s folder) and
scores each model as ``detect`` would (:func:`trojanscope.detect.two_class.twin_statistics`,
:func:`~trojanscope.detect.two_class.two_class_score`): per probe, how far the model's signed
reading lies from its twins' median, over a bound; the largest. ``--fit`` writes the bounds
(``factor`` times the largest clean excess of the models read, per probe); ``--reference``
reads them.

    python benchmarks/two_class_twin_table.py --fit REF.json --factor 1.25 \
        TWINS_DIR MAIN_DIR [TWINS_DIR MAIN_DIR ...]
    python benchmarks/two_class_twin_table.py --reference REF.json TWINS_DIR MAIN_DIR ... \
        --json OUT.json > OUT.md
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from trojanscope.detect.two_class import (
    PAIR_PROBES,
    PAIR_TWINS,
    twin_medians,
    twin_statistics,
    two_class_score,
)
from two_class_table import auc


def rows_of(twins_dir: Path, main_dir: Path, count: int) -> list[dict]:
    """Each model's twin reading with today's probability and verdict (main's report)."""
    rows = []
    for line in (twins_dir / "twins.jsonl").open():
        row = json.loads(line)
        row["twins"] = row["twins"][:count]  # the first ``count``: seeded as train_twins
        report = main_dir / f"{row['name']}.detect.json"
        body = json.loads(report.read_text()) if report.exists() else {}
        row["today"] = {"verdict": body.get("verdict"), "probability": body.get("probability"),
                        "class": (body.get("target_classes") or [None])[0]}
        rows.append(row)
    return rows


def taken(row: dict) -> bool:
    """Clean, or a backdoor that took (effective)."""
    return not row["truth"]["backdoored"] or bool(row["truth"]["effective"])


def fit(rows: list[dict], factor: float, probes: list[str]) -> dict[str, float]:
    """Per probe, ``factor`` times the largest absolute excess over the clean models."""
    clean = [stats(r) for r in rows if not r["truth"]["backdoored"]]
    return {f"twin_{p}": round(factor * max(e[f"twin_{p}"] for e in clean), 6) for p in probes}


def stats(row: dict) -> dict:
    """The model's twin statistics (``twin_<probe>`` and its class)."""
    return twin_statistics(row["own"], twin_medians(row["twins"]))


def roc_auc(scores: list[float], truth: list[bool]) -> float:
    """ROC-AUC of ``scores`` for ``truth`` (ties count half: ``two_class_table.auc``)."""
    return auc([s for s, t in zip(scores, truth, strict=True) if t],
               [s for s, t in zip(scores, truth, strict=True) if not t])


def summary(rows: list[dict], bounds: dict[str, float]) -> dict:
    """Counts and ROC-AUCs of the twin score and today's probability."""
    rows = [r for r in rows if taken(r)]
    truth = [bool(r["truth"]["backdoored"]) for r in rows]
    scores, named = [], []
    for r in rows:
        ratio, cls, _ = two_class_score(stats(r), bounds)
        r["twin_score"], r["twin_class"] = ratio / (1 + ratio), cls
        scores.append(r["twin_score"])
        named.append(cls)
    today = [r["today"]["probability"] or 0.0 for r in rows]
    clean = [r for r in rows if not r["truth"]["backdoored"]]
    bad = [r for r in rows if r["truth"]["backdoored"]]
    return {
        "clean": len(clean), "backdoored": len(bad),
        "clean_flagged": sum(r["twin_score"] >= 0.5 for r in clean),
        "backdoors_right": sum(r["twin_score"] >= 0.5 and r["twin_class"] == r["truth"]["target"]
                               for r in bad),
        "roc_auc": roc_auc(scores, truth),
        "today_clean_backdoored": sum(r["today"]["verdict"] == "backdoored" for r in clean),
        "today_clean_flagged": sum((r["today"]["probability"] or 0) >= 0.5 for r in clean),
        "today_right": sum((r["today"]["probability"] or 0) >= 0.5
                           and r["today"]["class"] == r["truth"]["target"] for r in bad),
        "today_roc_auc": roc_auc(today, truth),
    }


def table(rows: list[dict], bounds: dict[str, float]) -> str:
    """One markdown row a model: truth, readings, twins' medians, excess, score."""
    lines = ["| model | truth | " + " | ".join(f"{p} (twins' median)" for p in PAIR_PROBES)
             + " | twin score, class | today |", "|" + "---|" * (len(PAIR_PROBES) + 4)]
    for r in rows:
        t = r["truth"]
        truth = (f"{t['attack']} → {t['target']}" + ("" if t["effective"] else " (not taken)")
                 if t["backdoored"] else "clean")
        import statistics
        cells = [f"{r['own'][p]:+.3f} ({statistics.median(tw[p] for tw in r['twins']):+.3f})"
                 for p in PAIR_PROBES]
        score = r.get("twin_score")
        mark = "" if score is None else f"{score:.2f}, {r['twin_class']}"
        today = r["today"]
        lines.append(f"| {r['name']} | {truth} | " + " | ".join(cells) + f" | {mark} | "
                     f"{today['verdict']} {today['probability'] or 0:.2f}, {today['class']} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dirs", nargs="+", type=Path, help="TWINS_DIR MAIN_DIR pairs")
    ap.add_argument("--fit", type=Path)
    ap.add_argument("--factor", type=float, default=1.25)
    ap.add_argument("--reference", type=Path)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--probes", default=",".join(PAIR_PROBES), help="with --fit")
    ap.add_argument("--twins", type=int, default=PAIR_TWINS, help="twins read (the first)")
    args = ap.parse_args()
    if len(args.dirs) % 2:
        ap.error("give TWINS_DIR MAIN_DIR pairs")
    groups = [rows_of(args.dirs[i], args.dirs[i + 1], args.twins)
              for i in range(0, len(args.dirs), 2)]
    rows = [r for g in groups for r in g]
    if args.fit:
        bounds = fit(rows, args.factor, args.probes.split(","))
        args.fit.write_text(json.dumps({"bounds": bounds, "factor": args.factor,
                                        "twins": args.twins,
                                        "n_clean": sum(not r["truth"]["backdoored"]
                                                       for r in rows)}) + "\n")
        print(json.dumps(bounds))
        return
    bounds = json.loads(args.reference.read_text())["bounds"]
    out = {"all": summary(rows, bounds)}
    for d, g in zip(args.dirs[::2], groups, strict=True):
        out[d.name] = summary(g, bounds)
    for maker in ("engine", "plain"):
        out[maker] = summary([r for r in rows if r["truth"]["maker"] == maker], bounds)
    print("```\n" + json.dumps(out, indent=1) + "\n```\n")
    print(table(rows, bounds))
    if args.json:
        args.json.write_text(json.dumps({"summary": out, "rows": rows}) + "\n")


if __name__ == "__main__":
    main()
