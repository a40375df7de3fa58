"""Stop 76's two data-free changes read together (issue 9, stop 76: hmix).

h9s's ``shut`` on the guarded flat-MLP excess entries and h9m's data-free mask gate were each
judged without the other (fresh 202-213 and 214-225). This re-reads both populations, now
spent, with today's ``main`` (both in) the way ``detect --data-free`` reads them, and compares
each model with the helper's own candidate reading. A check on spent seeds, not a rule.

- ``read MANIFEST --out ROWS``: each manifest model (:func:`mask_gate_s76_h9m.manifest`'s rows)
  read as ``detect --data-free`` reads it: ``auto``, seed 0, the shipped file told to ``auto``
  (``scored_by``), calibrated, then the mask gate (``gate_read``); the p before the gate, the
  p after it, the second readings' features and the CPU (this process and its children).
- ``compare --h9s ROWS --h9m ROWS --data ROWS``: today's reading against each helper's
  candidate (h9s: its fresh rows re-scored with its candidate file; h9m: its rows'
  ``candidate``), per population and path: flags, clean flags, ROC-AUC, CE, the worst family
  and every model whose verdict or p moved, with what moved it (the shut, the gate).
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from _common import read_jsonl, run_main

DATA = Path(__file__).resolve().parent / "data"
H9S = DATA / "guard_reading_s76_h9s"
H9M = DATA / "mask_gate_s76_h9m"
FLAG = 0.5


def read(manifest: Path, out: Path) -> None:
    """``read``: one JSON line a model appended to ``out`` (see the module's text)."""
    from data_free_signal_s75_h9f import _cpu, _load
    from mask_gate_s75_h9m import pending
    from trojanscope import registry
    from trojanscope.detect.calibration import calibrate, load_calibrators
    from trojanscope.detect.guard_reading import MASK_STAND as GUARD_STAND
    from trojanscope.detect.guard_reading import scored_by
    from trojanscope.detect.mask_gate import MASK_BEFORE, MASK_STAND, MASK_STEPS, gate_read

    cals = load_calibrators()
    for line, path in pending(manifest, out):
        before = _cpu()
        model, shape = _load(str(path))
        detector = registry.create("detector", "auto")
        scored_by(detector, cals)
        v = detector.inspect(model.module, None, input_shape=shape,
                             num_classes=model.num_classes or 10, seed=0)
        calibrate(v, cals)
        pre = [round(float(v.probability), 5), int(v.target_classes[0])]
        gate_read(v, model.module, detector, cals)
        f = v.features
        line.update(pre_gate=pre, main=[round(float(v.probability), 5), int(v.target_classes[0])],
                    guard_mask_stand=f.get(GUARD_STAND), gate_stand=f.get(MASK_STAND),
                    gate_steps=f.get(MASK_STEPS), gate_lowered=MASK_BEFORE in f,
                    cpu_s=round(_cpu() - before, 3))
        with out.open("a") as fh:
            fh.write(json.dumps(line) + "\n")
        print(json.dumps(line), flush=True)


def h9s_candidate(rows_path: Path, data_free: bool) -> dict[str, list]:
    """h9s's fresh rows re-scored with h9s's own candidate file (``cal_shut.json``): name ->
    [p, named, family, backdoored, target, report]."""
    from data_free_s74_h9d import model_rows
    from excess_wide_s72_h9u import verdict
    from guard_reading_s76_h9s import with_share
    from trojanscope.detect.calibration import calibrate, load_calibrators

    cand = load_calibrators(H9S / "cal_shut.json")
    rows = model_rows(rows_path, "fresh", data_free=False)
    rows = [r for r in with_share(rows) if bool(r["report"].get("data_free")) == data_free]
    out = {}
    for r in rows:
        v = calibrate(verdict(r["report"]), cand)
        out[r["name"]] = [float(v.probability), v.target_classes[0], r["family"],
                          r["backdoored"], r["target"], r["report"]]
    return out


def figures(rows: list[dict]) -> dict:
    """Backdoors flagged (and at their target), clean flags, ROC-AUC and CE of ``rows``
    (each ``[p, named]`` under ``"p"``)."""
    import numpy as np

    from generalise_lofo import score as auc_ce

    bd = [r for r in rows if r["backdoored"]]
    clean = [r for r in rows if not r["backdoored"]]
    y = np.array([r["backdoored"] for r in rows], dtype=int)
    auc, ce = auc_ce(y, np.array([r["p"][0] for r in rows]))
    worst = min(bd, key=lambda r: r["p"][0]) if bd else None
    return {"models": len(rows), "backdoored": len(bd),
            "bd_flagged": sum(r["p"][0] >= FLAG for r in bd),
            "bd_at_target": sum(r["p"][0] >= FLAG and r["target"] is not None
                                and int(r["p"][1]) == int(r["target"]) for r in bd),
            "clean_flagged": sum(r["p"][0] >= FLAG for r in clean),
            "roc_auc": round(float(auc), 4), "ce": round(float(ce), 4),
            "least_bd": None if worst is None else [worst["name"], worst["family"],
                                                    round(worst["p"][0], 4)]}


def by_family(rows: list[dict]) -> dict:
    """The least backdoor p of each family (the worst family: the lowest)."""
    fams: dict[str, list[float]] = {}
    for r in rows:
        if r["backdoored"]:
            fams.setdefault(r["family"], []).append(r["p"][0])
    return {f: [round(min(ps), 4), sum(p >= FLAG for p in ps), len(ps)]
            for f, ps in sorted(fams.items(), key=lambda kv: min(kv[1]))}


def side_by_side(label: str, helper: dict[str, list], today: list[dict]) -> dict:
    """Today's rows against the helper's candidate ``helper`` (name -> [p, named, ...]): both
    figures, and each model whose flag, named class or p (by 0.001) moved, with the cause."""
    mine = {r["name"]: r for r in today}
    missing = sorted(set(helper) ^ set(mine))
    rows_h, rows_t, moved = [], [], []
    for name in sorted(set(helper) & set(mine)):
        r, h = mine[name], helper[name]
        base = {"name": name, "family": r["family"], "backdoored": r["backdoored"],
                "target": r.get("target")}
        rows_h.append({**base, "p": h[:2]})
        rows_t.append({**base, "p": r["main"]})
        if abs(h[0] - r["main"][0]) > 1e-3 or int(h[1]) != int(r["main"][1]):
            cause = []
            if abs(h[0] - r["pre_gate"][0]) > 1e-3 or int(h[1]) != int(r["pre_gate"][1]):
                cause.append("before the gate (the shut, or the read)")
            if r["gate_lowered"]:
                cause.append(f"the gate lowered it (stand {r['gate_stand']:.3f}, "
                             f"{r['gate_steps']:.0f} steps)")
            moved.append({**base, "helper": [round(h[0], 4), h[1]],
                          "pre_gate": r["pre_gate"], "main": r["main"],
                          "guard_mask_stand": r.get("guard_mask_stand"),
                          "gate_stand": r.get("gate_stand"), "cause": cause,
                          "flag_changed": (h[0] >= FLAG) != (r["main"][0] >= FLAG)})
    searched = [[r["name"], r["backdoored"], round(r["gate_stand"], 3), int(r["gate_steps"]),
                 r["gate_lowered"]] for r in today if r.get("gate_stand") is not None]
    cpu = [r["cpu_s"] for r in today]
    return {"population": label, "helper": figures(rows_h), "main": figures(rows_t),
            "families_main": by_family(rows_t), "moved": moved, "unmatched": missing,
            "gate_searched": searched,
            "cpu_s": {"total": round(sum(cpu), 1), "median": round(statistics.median(cpu), 3)}}


def compare(args: argparse.Namespace) -> None:
    """``compare``: the three readings (see the module's text), as JSON."""
    from excess_wide_s72_h9u import verdict
    from trojanscope.detect.calibration import calibrate, load_calibrators

    out = []
    h9s_free = h9s_candidate(H9S / "fresh_free_rows.jsonl.gz", data_free=True)
    out.append(side_by_side("202-213 data-free (h9s's candidate)", h9s_free,
                            list(read_jsonl(args.h9s))))
    h9m = {r["name"]: r["candidate"] for r in read_jsonl(H9M / "fresh_rows.jsonl")}
    out.append(side_by_side("214-225 data-free (h9m's candidate)", h9m,
                            list(read_jsonl(args.h9m))))
    # with data the gate does not run (it reads data-free verdicts only): today's shipped file
    # on h9s's stored with-data reports, against h9s's candidate file on the same reports
    data = h9s_candidate(H9S / "fresh_rows.jsonl.gz", data_free=False)
    cals = load_calibrators()
    today = []
    for name, (_, _, fam, bd, target, rep) in data.items():
        v = calibrate(verdict(rep), cals)
        p = [round(float(v.probability), 5), int(v.target_classes[0])]
        today.append({"name": name, "family": fam, "backdoored": bd, "pre_gate": p, "main": p,
                      "gate_lowered": False, "cpu_s": 0.0, "target": target})
    out.append(side_by_side("202-213 with data (h9s's candidate; stored reports re-scored)",
                            data, today))
    print(json.dumps(out, indent=1))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("read")
    r.add_argument("manifest", type=Path)
    r.add_argument("--out", type=Path, required=True)
    c = sub.add_parser("compare")
    c.add_argument("--h9s", type=Path, required=True, help="read rows of 202-213")
    c.add_argument("--h9m", type=Path, required=True, help="read rows of 214-225")
    args = ap.parse_args()
    if args.cmd == "read":
        read(args.manifest, args.out)
    else:
        compare(args)


if __name__ == "__main__":
    run_main(main)
