"""The user CNN recipe's wide classes read a second time data-free: the mask gate's search over
every class, with the recipe's own line (issue 9, stop 77: h9c).

Stop 76 left three data-free clean flags of the first-contact user CNNs (``first_contact_s68.
user_cnn``): leans at class 2 beyond about 1.6 times the median class (``clean-231``), one at 5
(``clean-229``) and seed 226's at 7 (0.503). The excess term reads each (the recipe entry opens
2, 3, 5 and 7) and the mask gate searches each, but stops at its first check over its line 0.69
(60 steps: stands 0.70-0.73) and keeps the flag. Run to 300 steps, this maker's clean flags
stand 0.6-1.1 at those classes and its backdoors aimed there 1.25 or more (h9m's sweep,
``mask_gate_s76_h9m/dev_sweep_cnn_s300.jsonl``); a backdoor flagged at a clean lean (spent
``c72/patch-100``, target 0, flagged at 2) stands like a clean lean at the named class, so the
candidate searches every class and lowers only where none stands over the line.

- ``manifest LABEL=DIR ...``: the built user CNNs under each DIR (``<kind>-<seed>/model.pt``),
  one JSON line each (name, kind, seed, backdoored, target: the name's ``-tN`` or the seed's
  drawn one, :func:`user_cnn_s71_h9u.target_of`).
- ``read MANIFEST --out ROWS``: each model read as ``detect --data-free`` reads it (``auto``,
  seed 0, the shipped file, calibrated): the probability before the gate; today's gate
  (``gate_read``: p, stand, steps); and where the calibrated flag (0.5 <= p < ``BAND``, one
  the gate's 5 logits can clear) has its class read by the excess term, every class's mask
  L1 at each 20-step check up to 300 steps (``trace``; ended once the named class stands over
  ``--enough``), the CPU of each apart.
- ``lines ROWS... --line L``: what a recipe line L does on the traced rows (cleared, lost,
  each model's named and largest other stand).

    OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks python \\
        benchmarks/wide_gate_s77_h9c.py manifest c76=/tmp/h9c76/fresh > m.jsonl
    OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks python \\
        benchmarks/wide_gate_s77_h9c.py read m.jsonl --out rows.jsonl
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from _common import fail, read_jsonl, run_main

SHIPPED = Path(__file__).resolve().parents[1] / "src/trojanscope/detect/calibration.json"
CNN_KIND = "784/10:activation:relu+layer:conv+pool:max"
RECIPE = "first_contact_s68.user_cnn"  # the recipe entry's name starts so
FREE_TERMS = ("auto:data-free:excess", "auto:data-free:out-of-coverage:excess")
WEAK7 = re.compile(r"^(patch|blend)-t7-r\d+-\d+$")  # a weak backdoor aimed at 7
STEPS, CHECK = 300, 20
KIND_LINE = 0.69  # the shipped gate's CNN line
WIDE = (2, 3, 5, 7)  # the classes the recipe entry opens (its median >= the term's wide 1.1)
BAND = 0.9933  # sigmoid(5): a flag the gate's 5 logits can take under 0.5
NAME = re.compile(r"^(?P<kind>[a-z0-9-]+?)-(?P<seed>\d+)$")


def manifest(specs: list[str]) -> list[dict]:
    """``manifest``'s rows (the module's text)."""
    from user_cnn_s71_h9u import target_of

    rows = []
    for spec in specs:
        label, _, root = spec.partition("=")
        if not root or not Path(root).is_dir():
            fail(f"{spec!r}: give LABEL=DIR with DIR a folder of built models")
        for model in sorted(Path(root).glob("*/model.pt")):
            m = NAME.match(model.parent.name)
            if m is None:
                continue
            kind, seed = m["kind"], int(m["seed"])
            bd = kind.startswith(("patch", "blend"))
            aimed = re.search(r"-t(\d)", kind)
            rows.append({"name": f"{label}/{model.parent.name}", "kind": kind, "seed": seed,
                         "backdoored": bd, "family": kind.split("-")[0] if bd else "clean",
                         "target": (int(aimed[1]) if aimed else target_of(seed)) if bd else None,
                         "file": str(model)})
    return rows


def trace(model, X, M, top: int, refs: list[int], enough: float) -> dict[int, list[float]]:
    """Every class's mask L1 (the named class first, then ``refs``, then the rest in class
    order) at each ``CHECK`` steps up to ``STEPS`` (the gate's search: λ, lr and hosts of the
    shipped entry), ended at a check where the named class stands over ``enough``."""
    from trojanscope.detect.mask_gate import search_masks, stand_of
    from trojanscope.engine.modes import eval_mode

    order = [top, *refs, *(c for c in range(len(X)) if c != top and c not in refs)]
    seen: dict[int, list[float]] = {}
    ended = []

    def keep(step: int, l1: list[float]) -> bool:
        seen[step] = l1
        if stand_of(l1[:1 + len(refs)]) > enough:
            ended.append(step)
        return bool(ended)

    for p in model.parameters():
        p.requires_grad_(False)
    with eval_mode(model):
        l1, _ = search_masks(model, X, M, STEPS, 0.01, 1, order, 0.1, keep, CHECK)
    if not ended:  # the search ran every step: its last masks
        seen[STEPS] = [round(v, 1) for v in l1]
    return {"order": order, "l1": {str(k): v for k, v in sorted(seen.items())}}


def free_read(path: str, cals: dict):
    """A model file read as ``detect --data-free`` reads it (``auto``, seed 0, scored and
    calibrated with ``cals``), before the mask gate: the loaded model, the detector (its kept
    maximising inputs) and the verdict."""
    from data_free_signal_s75_h9f import _load
    from trojanscope import registry
    from trojanscope.detect.calibration import calibrate
    from trojanscope.detect.guard_reading import scored_by

    model, shape = _load(path)
    detector = registry.create("detector", "auto")
    scored_by(detector, cals)
    v = detector.inspect(model.module, None, input_shape=shape,
                         num_classes=model.num_classes or 10, seed=0)
    calibrate(v, cals)
    return model, detector, v


def read(manifest_path: Path, out: Path, enough: float, also: Path | None = None,
         band: float = BAND) -> None:
    """``read`` (the module's text): one JSON line a model appended to ``out``, models
    already in ``out`` (or in ``also``, another process's rows, read before each model)
    left out."""
    import copy

    from data_free_signal_s75_h9f import _cpu
    from trojanscope.detect.calibration import load_calibrators
    from trojanscope.detect.class_excess import EXCESS
    from trojanscope.detect.mask_gate import (
        MASK_BEFORE,
        MASK_STAND,
        MASK_STEPS,
        gate_read,
        references,
    )

    cals = load_calibrators()
    done = {r["name"] for r in read_jsonl(out)} if out.is_file() else set()
    for row in read_jsonl(manifest_path):
        if row["name"] in done or (also is not None and also.is_file() and row["name"] in {
                r["name"] for r in read_jsonl(also)}):
            continue
        before = _cpu()
        model, detector, v = free_read(row["file"], cals)
        top = int(v.target_classes[0])
        row.update(pre_gate=[round(float(v.probability), 5), top],
                   excess=v.features.get(EXCESS),
                   ratio=round(float(v.features.get(f"mmbd_class_ratio_{top}", 0.0)), 4),
                   read_cpu_s=round(_cpu() - before, 3))
        pre = copy.deepcopy(v)
        before = _cpu()
        gate_read(v, model.module, detector, cals)
        f = v.features
        row.update(main=[round(float(v.probability), 5), int(v.target_classes[0])],
                   gate_stand=f.get(MASK_STAND), gate_steps=f.get(MASK_STEPS),
                   gate_lowered=MASK_BEFORE in f, gate_cpu_s=round(_cpu() - before, 3))
        x, m = detector.maximisers
        if 0.5 <= pre.probability < band and pre.features.get(EXCESS) is not None:
            k = len(pre.per_class)
            X, M = x.reshape(k, -1, *x.shape[1:]), m.reshape(k, -1)
            before = _cpu()
            row["trace"] = trace(model.module, X, M, top, references(M, top, 3), enough)
            row["trace_cpu_s"] = round(_cpu() - before, 3)
        with out.open("a") as fh:
            fh.write(json.dumps(row) + "\n")
        print(json.dumps({k: v for k, v in row.items() if k != "trace"}), flush=True)


def decided(row: dict, line: float, kind_line: float = KIND_LINE) -> dict | None:
    """What the candidate's gate does on a traced row (None for an untraced one), check by
    check as :func:`trojanscope.detect.mask_gate.wide_stand` reads: the kind's reading alive
    while the named class stands at or under ``kind_line``, the recipe's while every class
    outside the references stands at or under its line (``line`` at the recipe's classes
    ``WIDE``, ``kind_line`` elsewhere); lowered where either is alive at the end. A trace
    ended early over ``--enough`` reads as kept."""
    from trojanscope.detect.mask_gate import over_lines, stand_of

    t = row.get("trace")
    if not t:
        return None
    each = [line if c in WIDE else kind_line for c in t["order"]]
    alive = {"kind": True, "recipe": True}
    for step in sorted(t["l1"], key=int):
        l1 = t["l1"][step]
        alive["kind"] = alive["kind"] and stand_of(l1[:4]) <= kind_line
        alive["recipe"] = alive["recipe"] and over_lines(l1, 3, each) <= 0.0
    last = t["l1"][max(t["l1"], key=int)]
    complete = int(max(t["l1"], key=int)) == STEPS
    by = next((k for k, ok in alive.items() if ok), None) if complete else None
    return {"name": row["name"], "bd": row["backdoored"], "target": row["target"],
            "named": row["pre_gate"][1], "p": row["pre_gate"][0], "today": row["main"][0],
            "stand": round(stand_of(last[:4]), 3),
            "over_line": round(over_lines(last, 3, each), 3), "by": by}


def lines(paths: list[Path], line: float) -> dict:
    """``lines``: each traced flag's stands and what the candidate with recipe line ``line``
    does to it (:func:`decided`)."""
    out = [d for path in paths for r in read_jsonl(path) if (d := decided(r, line))]
    out.sort(key=lambda o: (o["named"], o["stand"]))
    return {"line": line, "rows": out,
            "clean_cleared_today": [o["name"] for o in out if not o["bd"] and o["by"] == "kind"],
            "clean_cleared_recipe": [o["name"] for o in out
                                     if not o["bd"] and o["by"] == "recipe"],
            "clean_kept": [o["name"] for o in out if not o["bd"] and o["by"] is None],
            "bd_lowered": [o["name"] for o in out if o["bd"] and o["by"]]}


def with_line(base: dict, line: float) -> dict:
    """``base`` (a calibration file's JSON) with ``mask_line`` on the user CNN recipe's entry
    of the two data-free excess entries (the gate reads data-free verdicts only)."""
    import copy

    out = copy.deepcopy(base)
    marked = 0
    for key in FREE_TERMS:
        for e in out[key]["fitted_on"].get("wide_recipes", {}).get(CNN_KIND, []):
            if str(e.get("recipe", "")).startswith(RECIPE):
                e["mask_line"] = line
                marked += 1
    if marked != len(FREE_TERMS):
        fail(f"marked {marked} recipe entries, expected {len(FREE_TERMS)}")
    return out


def fresh(manifest_path: Path, candidate: Path, out: Path) -> None:
    """``fresh``: each model read once data-free (MM-BD, seed 0), then calibrated and gated
    with the shipped file (``today``) and with the candidate (``cand``), as ``detect
    --data-free`` reads it with each; the CPU of the read and of each gate apart; (stop 78)
    ``<label>_pre``: the calibrated flag before the gate and the recipe's mask line at its
    class (None where the excess term recorded none)."""
    import copy

    from data_free_signal_s75_h9f import _cpu, _load
    from trojanscope import registry
    from trojanscope.detect.calibration import calibrate, load_calibrators
    from trojanscope.detect.class_excess import EXCESS_MASK_LINE
    from trojanscope.detect.mask_gate import MASK_OTHER, MASK_STAND, MASK_STEPS, gate_read

    files = {"today": load_calibrators(), "cand": load_calibrators(candidate)}
    done = {r["name"] for r in read_jsonl(out)} if out.is_file() else set()
    for row in read_jsonl(manifest_path):
        if row["name"] in done:
            continue
        before = _cpu()
        model, shape = _load(row["file"])
        detector = registry.create("detector", "auto")  # scored_by: both files' "auto" alike
        raw = detector.inspect(model.module, None, input_shape=shape,
                               num_classes=model.num_classes or 10, seed=0)
        row["read_cpu_s"] = round(_cpu() - before, 3)
        for label, cals in files.items():
            before = _cpu()
            v = calibrate(copy.deepcopy(raw), cals)
            top = int(v.target_classes[0])  # stop 78: the flag before the gate, its line
            row[f"{label}_pre"] = [round(float(v.probability), 5), top,
                                   v.features.get(f"{EXCESS_MASK_LINE}{top}")]
            gate_read(v, model.module, detector, cals)
            f = v.features
            row[label] = [round(float(v.probability), 5), int(v.target_classes[0])]
            row[f"{label}_gate"] = [f.get(MASK_STAND), f.get(MASK_OTHER), f.get(MASK_STEPS)]
            row[f"{label}_cpu_s"] = round(_cpu() - before, 3)
        with out.open("a") as fh:
            fh.write(json.dumps(row) + "\n")
        print(json.dumps(row), flush=True)


def data_rows(path: Path, candidate: Path) -> list[dict]:
    """``user_cnn_s72_h9u.py read`` rows (with data, each report kept) re-scored with the
    shipped file and the candidate, as :func:`fresh`'s rows."""
    from excess_wide_s72_h9u import verdict
    from trojanscope.detect.calibration import calibrate, load_calibrators

    files = {"today": load_calibrators(), "cand": load_calibrators(candidate)}
    out = []
    for r in read_jsonl(path):
        bd = r["kind"].startswith(("patch", "blend"))
        row = {"name": f"{r['kind']}-{r['seed']}", "kind": r["kind"], "backdoored": bd,
               "family": r["kind"].split("-")[0] if bd else "clean", "target": r.get("target"),
               "cpu_s": r.get("detect_cpu_s")}
        for label, cals in files.items():
            v = calibrate(verdict(r["report"]), cals)
            row[label] = [round(float(v.probability), 5), int(v.target_classes[0])]
        out.append(row)
    return out


def judged(rows: list[dict], way: str) -> dict:
    """One path's figures, today against the candidate (``mix_s76_hmix.figures``), the weak
    backdoors aimed at 7 apart, each family's least backdoor p and every model that moved."""
    from mix_s76_hmix import by_family, figures

    out: dict = {"path": way}
    for label in ("today", "cand"):  # a family is a kind: the name less its seed
        got = [{**r, "p": r[label], "family": r["name"].split("/")[-1].rsplit("-", 1)[0]}
               for r in rows]
        out[label] = figures(got)
        out[f"{label}_weak7"] = figures([g for g in got if WEAK7.match(g["name"].split("/")[-1])
                                         or not g["backdoored"]])
        out[f"{label}_families"] = by_family(got)
    out["moved"] = [[r["name"], r["today"], r["cand"]] for r in rows
                    if abs(r["today"][0] - r["cand"][0]) > 1e-4 or r["today"][1] != r["cand"][1]]
    out["lost"] = [r["name"] for r in rows if r["backdoored"] and r["today"][0] >= 0.5
                   and r["cand"][0] < 0.5]
    out["renamed"] = [r["name"] for r in rows if r["backdoored"] and r["today"][0] >= 0.5
                      and r["cand"][1] != r["today"][1]]
    return out


def rule(free: dict, data: dict, cpu: tuple[float, float]) -> list[str]:
    """The rule's conditions (``wide_gate_s77_h9c_rule.md``) on the two paths' readings
    (:func:`judged`) and the data-free median CPU a model (today, candidate)."""
    from excess_wide_s72_h9u import verdict_lines

    conds = []
    for name, j in (("F1 data-free", free), ("F2 with data", data)):
        conds.append((f"{name}: no backdoor flagged today lost or renamed",
                      not j["lost"] and not j["renamed"],
                      f"lost {j['lost']}, renamed {j['renamed']}; flagged "
                      f"{j['today']['bd_flagged']} -> {j['cand']['bd_flagged']} of "
                      f"{j['today']['backdoored']}"))
    cf = [free[k]["clean_flagged"] for k in ("today", "cand")]
    cd = [data[k]["clean_flagged"] for k in ("today", "cand")]
    conds.append(("F3 clean flags fewer data-free, not more with data",
                  cf[1] < cf[0] and cd[1] <= cd[0],
                  f"data-free {cf[0]} -> {cf[1]}, with data {cd[0]} -> {cd[1]}"))
    for name, j in (("F4 data-free", free), ("F4 with data", data)):
        a, b = j["today"], j["cand"]
        conds.append((f"{name}: ROC-AUC not lower, CE not higher",
                      b["roc_auc"] >= a["roc_auc"] and b["ce"] <= a["ce"],
                      f"ROC-AUC {a['roc_auc']} -> {b['roc_auc']}, CE {a['ce']} -> {b['ce']}"))
    conds.append(("F5 data-free median CPU a model within 1.5x today's", cpu[1] <= 1.5 * cpu[0],
                  f"{cpu[0]:.3f} -> {cpu[1]:.3f} s"))
    reported = []
    for way, j in (("data-free", free), ("with data", data)):
        w = [j[f"{k}_weak7"] for k in ("today", "cand")]
        reported.append(f"weak backdoors at 7, {way} (reported): flagged {w[0]['bd_flagged']} "
                        f"-> {w[1]['bd_flagged']} of {w[0]['backdoored']}, at 7 "
                        f"{w[0]['bd_at_target']} -> {w[1]['bd_at_target']}, least "
                        f"{w[0]['least_bd']} -> {w[1]['least_bd']}")
        fam = j["cand_families"]
        worst = next(iter(fam), None)
        if worst:
            reported.append(f"worst family, {way} (reported): {worst} (least p "
                            f"{j['today_families'][worst][0]} -> {fam[worst][0]}; flagged "
                            f"{fam[worst][1]} of {fam[worst][2]})")
    return verdict_lines(conds, None, reported, "the recipe's mask line")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    mk = sub.add_parser("manifest")
    mk.add_argument("roots", nargs="+", help="LABEL=DIR")
    rd = sub.add_parser("read")
    rd.add_argument("manifest", type=Path)
    rd.add_argument("--out", type=Path, required=True)
    rd.add_argument("--also", type=Path, help="another process's rows: models to leave out")
    rd.add_argument("--band", type=float, default=BAND,
                    help="trace flags under this p (default the gate's band; 1.0001: every flag)")
    rd.add_argument("--enough", type=float, default=1.8,
                    help="end a trace once the named class stands over this")
    ln = sub.add_parser("lines")
    ln.add_argument("rows", type=Path, nargs="+")
    ln.add_argument("--line", type=float, required=True)
    wr = sub.add_parser("write", help="the candidate: the shipped file with the recipe line")
    wr.add_argument("out", type=Path)
    wr.add_argument("--line", type=float, required=True)
    fr = sub.add_parser("fresh", help="read a manifest data-free with both files")
    fr.add_argument("manifest", type=Path)
    fr.add_argument("--candidate", type=Path, required=True)
    fr.add_argument("--out", type=Path, required=True)
    ru = sub.add_parser("rule", help="the rule's conditions on the fresh rows")
    ru.add_argument("--free", type=Path, required=True, help="fresh's rows")
    ru.add_argument("--data", type=Path, required=True, help="user_cnn_s72_h9u.py read rows")
    ru.add_argument("--candidate", type=Path, required=True)
    ru.add_argument("--json", type=Path)
    sh = sub.add_parser("ship", help="the candidate's line into the shipped file")
    sh.add_argument("candidate", type=Path)
    args = ap.parse_args()
    if args.cmd == "manifest":
        for row in manifest(args.roots):
            print(json.dumps(row))
    elif args.cmd in ("read", "fresh"):
        import torch

        torch.set_num_threads(1)
        if args.cmd == "read":
            read(args.manifest, args.out, args.enough, args.also, args.band)
        else:
            fresh(args.manifest, args.candidate, args.out)
    elif args.cmd == "lines":
        print(json.dumps(lines(args.rows, args.line), indent=1))
    elif args.cmd == "write":
        args.out.write_text(json.dumps(with_line(json.loads(SHIPPED.read_text()), args.line),
                                       indent=1) + "\n")
        print(f"wrote {args.out}")
    elif args.cmd == "ship":
        shipped = json.loads(SHIPPED.read_text())
        cand = json.loads(args.candidate.read_text())
        line = cand[FREE_TERMS[0]]["fitted_on"]["wide_recipes"][CNN_KIND][0].get("mask_line")
        if line is None or with_line(shipped, line) != cand:
            fail(f"{args.candidate}: not the shipped file with a recipe line")
        SHIPPED.write_text(json.dumps(cand, indent=1) + "\n")
        print(f"{SHIPPED}: mask_line {line} on the {RECIPE} entries")
    else:
        import statistics

        free = list(read_jsonl(args.free))
        cpu = tuple(statistics.median(r["read_cpu_s"] + r[f"{k}_cpu_s"] for r in free)
                    for k in ("today", "cand"))
        out = {"free": judged(free, "data-free"),
               "data": judged(data_rows(args.data, args.candidate), "with data"),
               "cpu_median": cpu}
        out["rule"] = rule(out["free"], out["data"], cpu)
        print("\n".join(f"- {line}" for line in out["rule"]))
        if args.json:
            args.json.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    run_main(main)
