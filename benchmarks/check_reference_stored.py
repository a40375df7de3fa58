"""Would `gated`'s after-stage check decide otherwise against the original model? Read from
stored runs.

The check (:func:`trojanscope.mitigate.accept.compare`) judges the second stage's model against
the first stage's: held-back accuracy more than ``CA_MARGIN`` lower, a suspect's reversed
trigger ``RISE`` more successful, or (where judged) another class ``RISE`` easier to reach.
Every stored run's report keeps the second stage's side of those figures; this recomputes the
*original* model's side (the zoo model itself: held-back accuracy, and per-class reach where the
row judged reach) on the same split (``--holdout``/``--seed`` as the benchmarks, then the
stage's quarter), takes the suspect's reversed trigger on the original from the residual
probe's ``trigger_before`` (same trigger, same images), and judges again with
:func:`~trojanscope.mitigate.accept.worse`. Shares are turned back into image counts before
judging (the stored figures are rounded to 3 places). Rows run with ``dense_project`` (whose
"original" is the projected model) are left out; a row whose extra suspects (``candidates``)
have no stored trigger on the original says so. Prints every row whose decision differs and
the counts per file.

    PYTHONPATH=src python benchmarks/check_reference_stored.py RUN.json=ZOO ...
"""

from __future__ import annotations

import argparse
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import torch

from trojanscope.data.resolve import load_dataset
from trojanscope.engine.metrics import accuracy, predict
from trojanscope.io.models import load_model
from trojanscope.mitigate import accept
from trojanscope.mitigate.gated import UNLEARN
from trojanscope.mitigate.guard import hold_back
from trojanscope.mitigate.run import split_clean
from trojanscope.zoo import read_truth

NAME = re.compile(r"^(clean|badnets|blended|sig|wanet|sparse)-\d{3}$")


def reports(tree: Any, path: tuple[str, ...] = ()):
    """Every (path, report) in a stored run whose report holds a check."""
    if isinstance(tree, dict):
        if isinstance(tree.get("check"), dict) and "worse" in tree["check"]:
            yield path, tree
        for key, value in tree.items():
            yield from reports(value, (*path, str(key)))
    elif isinstance(tree, list):
        for i, value in enumerate(tree):
            yield from reports(value, (*path, str(i)))


def exact(share: float, n: int) -> float:
    """A share rounded to 3 places, back to the count it was."""
    return round(share * n) / n


@cache
def split(zoo: Path, name: str, holdout: float, seed: int):
    """The zoo model, and its stage's held-back quarter as the run saw it."""
    dataset, _ = read_truth(zoo)
    model = load_model(zoo / name).module.eval()
    fit_clean, _ = split_clean(load_dataset(dataset, "test"), holdout, seed, needs_data=True)
    return model, hold_back(model, fit_clean, UNLEARN["val_fraction"], seed)


@cache
def original_reach(zoo: Path, name: str, holdout: float, seed: int) -> list[float]:
    """The zoo model's per-class reach as the check measures it (``accept.EPS``)."""
    model, (fit, val, _, _) = split(zoo, name, holdout, seed)
    classes = int(predict(model, val.x[:1]).shape[1])
    return accept.reach(model, fit, val, classes, accept.EPS)


def judge_row(zoo: Path, name: str, report: dict, holdout: float, seed: int) -> dict:
    """Today's decision (stored), the same judgement from the stored figures, and against the
    original model."""
    model, (_, val, gx, gy) = split(zoo, name, holdout, seed)
    check = report["check"]
    suspects = [int(c) for c in report.get("unlearn", {}).get("suspects") or []]
    rates = {int(c): pair for c, pair in check["triggers"].items()}
    outside = {c: int((val.y != c).sum()) for c in range(int(predict(model, val.x[:1]).shape[1]))}
    rates = {c: [exact(b, outside[c]), exact(a, outside[c])] for c, (b, a) in rates.items()}
    ca = [exact(v, len(gy)) for v in check["ca"]]
    judged = check.get("reach_judged", True)
    reaches = (
        [[exact(v, outside[c]) for c, v in enumerate(side)] for side in check["reach"]]
        if judged
        else None
    )
    row: dict[str, Any] = {
        "stored": check["worse"],
        "recomputed": accept.worse(ca, reaches, rates, suspects),
    }
    original_ca = accuracy(model, gx, gy)
    before = (report.get("residual") or {}).get("trigger_before")
    missing = [c for c in suspects if c in rates and (c != suspects[0] or before is None)]
    orig_rates = {
        c: [exact(before, outside[c]), rates[c][1]]
        for c in suspects[:1]
        if c in rates and before is not None
    }
    orig_reach = None
    if judged:
        mine = original_reach(zoo, name, holdout, seed)
        orig_reach = [[exact(v, outside[c]) for c, v in enumerate(mine)], reaches[1]]
    row.update(
        {
            "ca": [round(original_ca, 3), *ca],
            "trigger": {
                c: [None if c not in orig_rates else orig_rates[c][0], *rates[c]]
                for c in suspects
                if c in rates
            },
            "original": accept.worse([original_ca, ca[1]], orig_reach, orig_rates, suspects),
            "not_stored": missing,
        }
    )
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", nargs="+", help="RUN.json=ZOO: a stored run and the zoo it ran on")
    ap.add_argument("--holdout", type=float, default=0.8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, help="every row, as JSON")
    args = ap.parse_args()
    torch.set_num_threads(1)
    rows = []
    print(
        "| run | model | params | held-back CA original / first / second | suspect's "
        "trigger original / first / second | decision against the first stage | against "
        "the original |"
    )
    print("|---|---|---|---|---|---|---|")
    for pair in args.runs:
        if "=" not in pair:
            raise ValueError(f"{pair!r}: expected RUN.json=ZOO")
        run, zoo = pair.rsplit("=", 1)
        data = json.loads(Path(run).read_text())
        count = differ = 0
        for path, report in reports(data):
            name = next((p for p in reversed(path) if NAME.match(p)), None)
            params = str(data.get("params", "")) + " " + " ".join(p for p in path if ":" in p)
            if name is None or "dense_project" in params:
                continue
            if not (Path(zoo) / name).is_dir():  # a model removed from the zoo since the run
                print(f"<!-- {Path(run).name}: {name} is no longer in {zoo} -->")
                continue
            row = judge_row(Path(zoo), name, report, args.holdout, args.seed)
            parent = data
            for key in path[:-1]:
                parent = parent[int(key)] if isinstance(parent, list) else parent[key]
            stored_ca = (parent.get("stages") or {}).get("val_original")
            if stored_ca is not None and abs(stored_ca - row["ca"][0]) > 1e-3:
                raise SystemExit(
                    f"{run}: {name}'s original reads {row['ca'][0]} on the held-back "
                    f"quarter, the run stored {stored_ca}: not the same model"
                )
            row["verified"] = stored_ca is not None
            row.update({"run": Path(run).name, "model": name, "params": params.strip()})
            rows.append(row)
            count += 1
            if bool(row["stored"]) != bool(row["original"]) or row["not_stored"]:
                differ += bool(row["stored"]) != bool(row["original"])
                trig = "; ".join(
                    f"{c}: " + " / ".join("—" if v is None else f"{v:.3f}" for v in t)
                    for c, t in row["trigger"].items()
                )
                print(
                    f"| {row['run']} | {name} | {row['params'] or 'the defaults'} | "
                    f"{' / '.join(f'{v:.3f}' for v in row['ca'])} | {trig} | "
                    f"{row['stored'] or 'kept'} | "
                    f"{row['original'] or 'kept'}"
                    + (
                        f" (no stored trigger on the original for {row['not_stored']})"
                        if row["not_stored"]
                        else ""
                    )
                    + " |"
                )
        print(f"<!-- {Path(run).name}: {count} checks, {differ} decide otherwise -->")
    agree = sum(bool(r["stored"]) == bool(r["recomputed"]) for r in rows)
    otherwise = sum(bool(r["stored"]) != bool(r["original"]) for r in rows)
    print(
        f"\n{sum(r['verified'] for r in rows)} rows' original matched the run's own "
        "held-back accuracy of it"
    )
    print(
        f"{len(rows)} checks; the stored figures re-judged agree with the stored decision on "
        f"{agree}; against the original {otherwise} "
        "decide otherwise"
    )
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1, default=str) + "\n")


if __name__ == "__main__":
    from _common import run_main

    run_main(main)
