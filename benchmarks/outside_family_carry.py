"""What carries one family's cross-entropy on stored GAP-head runs (issue 9, stop 74: h9).

A family's CE is the mean over its models of ``-log(1 - p)`` (clean) or ``-log(p)``
(backdoored), so one confident mistake can carry most of it. For each model of the family
(``--family``: an architecture or trigger family) under each calibration file given
(``--cal LABEL=FILE``, the first one the reference), this prints its probability, the class
named, its share of the family's CE, and the logit split into the scorer's own (with floors)
and the terms calibration added on top (the named check's veto and blend raise, the raise
terms, the excess / centre / lower terms: every ``*_logit`` feature it records); then the
family's CE under each file and under the reference with each model left out, so the model
(and the file's part) that moves it is named. Every report is read as its run read it
(:func:`outside_named_record.as_run_read`). Measurement only, on spent seeds: it decides
nothing.

    PYTHONPATH=src:benchmarks python benchmarks/outside_family_carry.py --family dws_gap \\
        --cal C7=src/trojanscope/detect/calibration.json --cal C9=cal_C9_now.json \\
        --rows 9615=RUNS,TRUTH …
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from _common import fail, run_main
from outside_named_rule import read_rows

CLIP = 1e-6  # as outside_zoo_score.auc_ce clips
TERMS = ("named_logit", "named_raise_logit", "raise_logit", "lower_logit", "excess_logit",
         "centre_logit", "twin_logit", "gap_raise_logit")


def loss(p: float, backdoored: bool) -> float:
    """One model's cross-entropy (p clipped as the project's figures clip it)."""
    p = min(max(p, CLIP), 1 - CLIP)
    return -math.log(p if backdoored else 1 - p)


def read_one(row: dict, cals: dict) -> dict:
    """``row``'s report re-scored by ``cals`` as its run read it: p, the class named, the
    terms' logits and the scorer's own logit (the final logit less the terms)."""
    from foreign_zoo_detect import verdict_of
    from outside_named_record import as_run_read
    from trojanscope.detect.calibration import calibrate

    v = calibrate(verdict_of(as_run_read(row["report"])[0]), cals)
    p = min(max(float(v.probability), CLIP), 1 - CLIP)
    terms = {t: float(v.features[t]) for t in TERMS if v.features.get(t)}
    return {"p": float(v.probability), "named": v.target_classes[0], "terms": terms,
            "own": math.log(p / (1 - p)) - sum(terms.values())}


def in_family(row: dict, family: str) -> bool:
    return family in (row["arch_family"], row["trigger_family"])


def carry(rows: list[dict], cals: list[tuple[str, dict]], family: str) -> dict:
    """Per model of ``family``, each file's reading and CE share; the family's CE per file and,
    under the first file, with each model left out."""
    fam = [r for r in rows if in_family(r, family)]
    if not fam:
        fail(f"no stored run of family {family!r} in the rows given")
    lines = []
    for r in fam:
        reads = {label: read_one(r, c) for label, c in cals}
        lines.append({"model": f"{r['pop']}/{r['name']}", "backdoored": r["backdoored"],
                      "target": r["target"], "arch_family": r["arch_family"],
                      "trigger_family": r["trigger_family"],
                      "bias_class": r["report"]["features"].get("bias_class"),
                      "reads": reads,
                      "loss": {k: loss(x["p"], r["backdoored"]) for k, x in reads.items()}})
    ce = {label: sum(m["loss"][label] for m in lines) / len(lines) for label, _ in cals}
    ref = cals[0][0]
    total = sum(m["loss"][ref] for m in lines)
    left = {m["model"]: (total - m["loss"][ref]) / max(len(lines) - 1, 1) for m in lines}
    return {"family": family, "n": len(lines), "n_backdoored": sum(m["backdoored"] for m in lines),
            "ce": ce, "ce_left_out": left, "lines": lines}


def print_carry(res: dict, labels: list[str]) -> None:
    ref = labels[0]
    print(f"== {res['family']}: {res['n']} models ({res['n_backdoored']} backdoored); CE "
          + ", ".join(f"{k} {res['ce'][k]:.3f}" for k in labels))
    total = sum(m["loss"][ref] for m in res["lines"])
    for m in sorted(res["lines"], key=lambda m: -m["loss"][ref]):
        truth = f"bd->{m['target']}" if m["backdoored"] else "clean"
        fav = m["bias_class"]
        fav = "-" if fav is None else int(fav)
        x = m["reads"][ref]
        terms = " ".join(f"{k.replace('_logit', '')} {v:+.2f}" for k, v in x["terms"].items())
        others = " | ".join(f"{k} {m['reads'][k]['p']:.3f}->{m['reads'][k]['named']}"
                            for k in labels[1:])
        share = m["loss"][ref] / total if total else 0.0
        print(f"  {m['model']:26s} {truth:6s} fav {fav} | {ref} {x['p']:.3f}->{x['named']} "
              f"CE share {share:5.1%} (family CE without it {res['ce_left_out'][m['model']]:.3f})"
              f" | own logit {x['own']:+.2f} {terms} | {others}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--family", required=True, help="an architecture or trigger family")
    ap.add_argument("--cal", action="append", default=[], metavar="LABEL=FILE",
                    help="a calibration file (repeatable; the first is the reference)")
    ap.add_argument("--rows", action="append", default=[], metavar="LABEL=RUNS[,TRUTH]")
    args = ap.parse_args(argv)
    if not args.cal or not args.rows:
        fail("give at least one --cal LABEL=FILE and one --rows LABEL=RUNS[,TRUTH]")
    from trojanscope.detect.calibration import load_calibrators

    cals = []
    for spec in args.cal:
        label, sep, path = spec.partition("=")
        if not sep or not Path(path).is_file():
            fail(f"--cal {spec!r}: give LABEL=FILE with an existing file")
        cals.append((label, load_calibrators(Path(path))))
    rows = [r for spec in args.rows for r in read_rows(spec)]
    print_carry(carry(rows, cals, args.family), [label for label, _ in cals])


if __name__ == "__main__":
    run_main(main)
