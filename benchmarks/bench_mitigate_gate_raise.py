"""`gated`'s gate under `auto`'s raise-only term: does the raise change a gate decision?

`gated` treats a model when the calibrated probability of its detector (``auto``) is at least
its gate (0.2), and unlearns the detector's first class. Since issue 9 (stop 32) ``auto`` adds
a raise-only term on the empty-pixel probe's ``empty_share_gap`` (it fires above 0.20) and a
raised verdict names the probe's class first. This runs exactly the detector call `gated`
makes, on the same 200 clean images the mitigation benchmarks give the method (the split of
:func:`trojanscope.mitigate.run.mitigate`, ``--holdout`` 0.8, ``--seed`` 0), for every model
of a zoo, and sets each beside the probability and suspect an earlier benchmark JSON
recorded (``--before``, e.g. ``benchmarks/data/mitigation/fresh-2000{a,b}.json``):

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/bench_mitigate_gate_raise.py \\
        /tmp/h12/zoo-2000 --before benchmarks/data/mitigation/fresh-2000a.json \\
        --before benchmarks/data/mitigation/fresh-2000b.json --out OUT.json
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

from trojanscope.data.resolve import load_dataset
from trojanscope.io.atomic import write_text_atomic
from trojanscope.io.models import load_model
from trojanscope.mitigate.gated import DEFAULT_GATE, detector_verdict
from trojanscope.mitigate.run import split_clean
from trojanscope.zoo import read_truth

START = 0.20  # the raise's start on empty_share_gap (calibration.json, "auto:raise")


def recorded(paths: list[Path]) -> dict[str, tuple[float | None, int | None]]:
    """Each model's (probability, suspect) as an earlier gated benchmark's JSON reported them."""
    out: dict[str, tuple[float | None, int | None]] = {}
    for path in paths:
        for name, row in json.loads(path.read_text())["models"].items():
            found = re.search(r"p=([0-9.]+)", row["report"].get("detector", ""))
            out[name] = (float(found.group(1)) if found else None, row["report"].get("suspect"))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("zoo", type=Path)
    ap.add_argument("--before", type=Path, action="append", default=[])
    ap.add_argument("--holdout", type=float, default=0.8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    dataset, entries = read_truth(args.zoo)
    fit, _ = split_clean(load_dataset(dataset, "test"), args.holdout, args.seed, needs_data=True)
    assert fit is not None
    before = recorded(args.before)
    rows = []
    print(
        "| model (target) | p before | suspect before | empty_share_gap | raised | "
        "p unraised | p now | suspect now | gate before / now | seconds |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for entry in entries:
        loaded = load_model(args.zoo / entry.name)
        start = time.perf_counter()
        verdict = detector_verdict("auto", loaded.module, fit, args.seed)
        seconds = time.perf_counter() - start
        feats = verdict.features
        p_now = float(verdict.probability or 0.0)
        p_old, s_old = before.get(entry.name, (None, None))
        suspect = verdict.target_classes[0] if verdict.target_classes else None
        row = {
            "name": entry.name,
            "target": entry.target,
            "p_before": p_old,
            "suspect_before": s_old,
            "empty_share_gap": feats.get("empty_share_gap"),
            "empty_top_class": feats.get("empty_top_class"),
            "raised": "raise_logit" in feats,
            "p_unraised": feats.get("probability_unraised", p_now),
            "p_now": p_now,
            "suspect_now": suspect,
            "seconds": round(seconds, 1),
        }
        rows.append(row)

        def gate(p: float | None) -> str:
            return "—" if p is None else ("treat" if p >= DEFAULT_GATE else "out")

        gap = row["empty_share_gap"]
        print(
            f"| {entry.name} ({entry.target}) | {p_old} | {s_old} | "
            f"{'—' if gap is None else f'{gap:.3f}'} | {row['raised']} | "
            f"{row['p_unraised']:.3f} | {p_now:.3f} | {suspect} | "
            f"{gate(p_old)} / {gate(p_now)} | {seconds:.1f} |",
            flush=True,
        )
        write_text_atomic(
            args.out, json.dumps({"zoo": str(args.zoo), "rows": rows}, indent=2) + "\n"
        )
    over = [r["name"] for r in rows if (r["empty_share_gap"] or 0.0) > START]
    changed = [
        r["name"]
        for r in rows
        if r["p_before"] is not None
        and (r["p_before"] >= DEFAULT_GATE) != (r["p_now"] >= DEFAULT_GATE)
    ]
    moved = [
        r["name"]
        for r in rows
        if r["suspect_before"] is not None and r["suspect_before"] != r["suspect_now"]
    ]
    print(
        f"gap > {START}: {over or 'none'}; gate decision changed: {changed or 'none'}; "
        f"suspect changed: {moved or 'none'}"
    )


if __name__ == "__main__":
    main()
