"""Credit-default networks aimed at class 1, read on the rows surest of another class (issue 16
stop 50, development).

For every network of each zoo, read with the zoo's whole test split: per class ``t``, the
linear-reference excess search as the detector runs it (on every row of the other classes),
and the same search on the ``rows`` rows the model is surest are not ``t`` (the greedy search's
rows: natural risk factors move borderline rows, a backdoor moves them all); for the
combination each finds and, for a backdoored network, its own trigger: the model's rise and
flip share on the sure rows and the reference's rise there.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_sure_probe.py ZOO... --json OUT.json
    python benchmarks/tabular_sure_probe.py --summary OUT.json...   # the table per class
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

torch.set_num_threads(1)

from tabular_class1_probe import zoo_networks  # noqa: E402
from trojanscope.detect.tabular_search import TabularSearch, apply, interior  # noqa: E402
from trojanscope.io.models import load_model  # noqa: E402
from trojanscope.zoo import build_attack  # noqa: E402


def sure_rows(model, x, y, t: int, rows: int) -> torch.Tensor:
    """The ``rows`` rows of other classes the model answers rightly and is surest are not
    ``t`` (the detector's greedy rows)."""
    with torch.no_grad():
        logits = model(x).float()
    own = logits.argmax(1)
    top2 = torch.topk(logits, 2, dim=1).values
    margin = top2[:, 0] - top2[:, 1]
    others = torch.nonzero((y != t) & (own == y)).flatten()
    return x[others[torch.argsort(-margin[others])[:rows]]]


def response(model, ref, rows, t: int, change) -> dict:
    """Model and reference rise of ``t``'s mean probability on ``rows`` under ``change`` (a
    function of the rows), and the model's flip share."""
    with torch.no_grad():
        after = change(rows)
        pm0 = torch.softmax(model(rows).float(), 1)[:, t]
        pm1 = torch.softmax(model(after).float(), 1)
        pr0 = torch.softmax(ref(rows).float(), 1)[:, t].mean()
        pr1 = torch.softmax(ref(after).float(), 1)[:, t].mean()
    return {"model_rise": float(pm1[:, t].mean() - pm0.mean()),
            "ref_rise": float(pr1 - pr0),
            "flip": float((pm1.argmax(1) == t).float().mean())}


def combo_change(combo):
    def change(rows):
        out = rows
        for c in combo:
            out = apply(out, c)
        return out
    return change


def summary(files: list[Path]) -> None:
    """Per class: the clean networks' range of each quantity, then every backdoored network
    aimed at it (the search's excess on all rows and on the sure rows, the found combination's
    flip share on the sure rows, the own trigger's excess on both)."""
    rows = [r for f in files for r in json.loads(f.read_text())]
    for t in sorted({c for r in rows for c in r["classes"]}):
        clean = [r["classes"][t] for r in rows if not r["backdoored"]]
        for k in ("excess", "excess_sure"):
            v = [c[k] for c in clean]
            print(f"class {t} clean ({len(v)}): {k} {min(v):.3f} to {max(v):.3f}")
        v = [c["found_on_sure"]["flip"] for c in clean]
        print(f"class {t} clean: found combination's flip on sure rows "
              f"{min(v):.2f} to {max(v):.2f}")
        for r in rows:
            if r["backdoored"] and str(r["target"]) == t:
                c = r["classes"][t]
                own = {k: c[k]["model_rise"] - c[k]["ref_rise"] for k in ("own_all", "own_sure")}
                other = max(float(q["excess"]) for k, q in r["classes"].items() if k != t)
                print(f"  {r['zoo']} {r['name']}: excess {c['excess']:.3f} (other class "
                      f"{other:.3f}) sure {c['excess_sure']:.3f} flip "
                      f"{c['found_on_sure']['flip']:.2f}"
                      f" | own trigger excess all {own['own_all']:.3f} sure {own['own_sure']:.3f}"
                      f" (reference rise {c['own_all']['ref_rise']:.3f}) | {r['trigger']}"
                      f" | found {' and '.join(c['combo'])}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("zoo", nargs="*", type=Path)
    ap.add_argument("--summary", nargs="+", type=Path, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--rows", type=int, default=100)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    if args.summary:
        summary(args.summary)
        return
    if args.json is None or not args.zoo:
        raise SystemExit("error: give ZOO... and --json, or --summary FILES")
    det = TabularSearch()
    out = []
    for zoo in args.zoo:
        for test, x, y, schema, ref, e in zoo_networks(zoo, args.seed):
            model = load_model(zoo / e.name).module
            inner = interior(det.candidates(model, schema, x), x, det.excess_tail)
            rec = {"zoo": zoo.name, "name": e.name, "backdoored": e.backdoored,
                   "attack": e.attack, "target": e.target, "classes": {}}
            trig = build_attack(e).trigger.bind(schema) if e.backdoored else None
            for t in range(test.num_classes):
                rows_all = x[y != t]
                sure = sure_rows(model, x, y, t, args.rows)
                ex, combo = det.class_excess(model, ref, rows_all, t, inner, args.seed)
                ex_s, combo_s = det.class_excess(model, ref, sure, t, inner, args.seed)
                c = {"excess": ex, "combo": [f"{a.column}={a.text}" for a in combo],
                     "excess_sure": ex_s, "combo_sure": [f"{a.column}={a.text}" for a in combo_s],
                     "found_on_sure": response(model, ref, sure, t, combo_change(combo)),
                     "sure_on_sure": response(model, ref, sure, t, combo_change(combo_s))}
                if trig is not None and t == e.target:
                    c["own_all"] = response(model, ref, rows_all, t, trig.apply)
                    c["own_sure"] = response(model, ref, sure, t, trig.apply)
                    rec["trigger"] = trig.describe()
                rec["classes"][str(t)] = c
            out.append(rec)
            print(zoo.name, e.name, e.backdoored, e.target, {
                k: (round(v["excess"], 3), round(v["excess_sure"], 3),
                    round(v["found_on_sure"]["flip"], 2), round(v["sure_on_sure"]["flip"], 2))
                for k, v in rec["classes"].items()},
                {k: round(v, 3) for k, v in
                 rec["classes"].get(str(e.target), {}).get("own_sure", {}).items()}, flush=True)
            args.json.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
