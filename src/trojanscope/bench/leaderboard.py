"""The leaderboard: one row per attack x defence, mean and standard deviation over seeds of
clean accuracy (CA), attack success rate (ASR), robust accuracy (RA) and the defence
effectiveness rating (DER), and the mean time of a cell.

DER follows BackdoorBench (Wu et al., 2022): with ``dASR`` and ``dCA`` the drops from the
undefended model of the same attack and seed, ``DER = (max(0, dASR) - max(0, dCA) + 1) / 2``;
1 removes the backdoor at no cost, 0.5 changes nothing, below 0.5 costs more accuracy than it
removes backdoor.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from trojanscope.bench.cell import NONE
from trojanscope.io.atomic import write_text_atomic
from trojanscope.io.json_file import dumps as strict_dumps

METRICS = ("ca", "asr", "ra", "der")
NAMES = ("leaderboard.csv", "leaderboard.json", "leaderboard.html")


def der(ca: float, asr: float, ca_none: float, asr_none: float) -> float:
    """BackdoorBench's defence effectiveness rating of one defended model."""
    return (max(0.0, asr_none - asr) - max(0.0, ca_none - ca) + 1.0) / 2.0


def _stats(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"mean": None, "std": None}
    return {"mean": statistics.fmean(values),
            "std": statistics.stdev(values) if len(values) > 1 else 0.0}


def aggregate(cells: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Leaderboard rows (attack order as given, ``none`` first, then by mean DER)."""
    reference = {(c["attack"], c["seed"]): c for c in cells if c["defence"] == NONE}
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for c in cells:
        groups.setdefault((c["attack"], c["defence"]), []).append(c)
    rows = []
    for (attack, defence), group in groups.items():
        values: dict[str, list[float]] = {m: [c[m] for c in group] for m in ("ca", "asr", "ra")}
        values["der"] = [der(c["ca"], c["asr"], ref["ca"], ref["asr"]) for c in group
                         if defence != NONE and (ref := reference.get((attack, c["seed"])))]
        rows.append({
            "attack": attack, "defence": defence, "kind": group[0]["kind"],
            "seeds": sorted(c["seed"] for c in group),
            **{m: _stats(values[m]) for m in METRICS},
            "time_s": statistics.fmean(c["elapsed_s"] for c in group),
        })
    attack_order = list(dict.fromkeys(c["attack"] for c in cells))
    return sorted(rows, key=lambda r: (attack_order.index(r["attack"]), r["defence"] != NONE,
                                       -(r["der"]["mean"] or 0.0), r["defence"]))


def fmt(stat: dict[str, float | None], percent: bool = True) -> str:
    """``mean ± std`` (percentages for CA/ASR/RA, a fraction for DER), ``-`` when missing."""
    if stat["mean"] is None:
        return "-"
    if percent:
        return f"{100 * stat['mean']:.1f} ± {100 * (stat['std'] or 0.0):.1f}"
    return f"{stat['mean']:.3f} ± {stat['std'] or 0.0:.3f}"


def to_csv(rows: Sequence[dict[str, Any]]) -> str:
    """One line per row: means and standard deviations as fractions, time in seconds."""
    buf = io.StringIO()
    fields = ["attack", "defence", "kind", "seeds"]
    fields += [f"{m}_{s}" for m in METRICS for s in ("mean", "std")] + ["time_s"]
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for r in rows:
        line = {k: r[k] for k in ("attack", "defence", "kind")}
        line["seeds"] = len(r["seeds"])
        for m in METRICS:
            for s in ("mean", "std"):
                v = r[m][s]
                line[f"{m}_{s}"] = "" if v is None else f"{v:.4f}"
        line["time_s"] = f"{r['time_s']:.1f}"
        writer.writerow(line)
    return buf.getvalue()


def to_html(rows: Sequence[dict[str, Any]], meta: dict[str, Any]) -> str:
    """The self-contained leaderboard page."""
    from trojanscope.report.table_page import Cell, TablePage, render_table_page

    table = []
    for r in rows:
        d = r["der"]["mean"]
        css = "" if d is None else ("status-ok" if d >= 0.75 else
                                    "status-warn" if d > 0.5 else "status-error")
        table.append([Cell(r["attack"], css="mono"), Cell(r["defence"], css="mono"),
                      Cell(r["kind"]), Cell(str(len(r["seeds"]))), Cell(fmt(r["ca"])),
                      Cell(fmt(r["asr"])), Cell(fmt(r["ra"])),
                      Cell(fmt(r["der"], percent=False), css=css),
                      Cell(f"{r['time_s']:.1f} s")])
    s = meta["settings"]
    page = TablePage(
        title="trojanscope bench: attacks × defences", page_id="leaderboard",
        columns=["attack", "defence", "kind", "seeds", "CA %", "ASR %", "RA %", "DER",
                 "time / cell"],
        numeric=(3, 4, 5, 6, 7, 8), rows=table,
        lines=[f"{s['dataset']}: {s['train_size']} training samples, {s['arch']}, "
               f"{s['epochs']} epochs, target class {s['target']}; figures on the "
               f"{s['holdout']:.0%} of the test split held out from every method",
               f"{meta['cells']} cells; mean ± standard deviation over seeds; "
               f"executor: {meta.get('executor', '')}"],
        notes=["CA: clean accuracy; ASR: attack success rate (triggered inputs classified as "
               "the target); RA: robust accuracy (triggered inputs classified correctly).",
               "DER (BackdoorBench): (max(0, ΔASR) − max(0, ΔCA) + 1) / 2 against the "
               "undefended model of the same attack and seed; 1 is best, 0.5 changes nothing.",
               "kind: mitigation = post-training purification with the remaining test "
               "samples; defence = training-time defence on the poisoned data."],
        command=meta.get("command", ""))
    return render_table_page(page)


def write_leaderboard(out: Path, cells: Sequence[dict[str, Any]], meta: dict[str, Any]
                      ) -> list[Path]:
    """``leaderboard.csv``, ``.json`` and ``.html`` in ``out`` (each written atomically)."""
    rows = aggregate(cells)
    meta = {**meta, "cells": len(cells)}
    doc = {**meta, "rows": rows}
    texts = [to_csv(rows), strict_dumps(doc, indent=2) + "\n", to_html(rows, meta)]
    paths = [out / n for n in NAMES]
    for path, text in zip(paths, texts, strict=True):
        write_text_atomic(path, text, "--out")
    return paths
