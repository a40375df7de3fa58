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

STEPS, CHECK = 300, 20
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


def read(manifest_path: Path, out: Path, enough: float) -> None:
    """``read`` (the module's text): one JSON line a model appended to ``out``."""
    import copy

    from data_free_signal_s75_h9f import _cpu, _load
    from trojanscope import registry
    from trojanscope.detect.calibration import calibrate, load_calibrators
    from trojanscope.detect.class_excess import EXCESS
    from trojanscope.detect.guard_reading import scored_by
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
        if row["name"] in done:
            continue
        before = _cpu()
        model, shape = _load(row["file"])
        detector = registry.create("detector", "auto")
        scored_by(detector, cals)
        v = detector.inspect(model.module, None, input_shape=shape,
                             num_classes=model.num_classes or 10, seed=0)
        calibrate(v, cals)
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
        if 0.5 <= pre.probability < BAND and pre.features.get(EXCESS) is not None:
            k = len(pre.per_class)
            X, M = x.reshape(k, -1, *x.shape[1:]), m.reshape(k, -1)
            before = _cpu()
            row["trace"] = trace(model.module, X, M, top, references(M, top, 3), enough)
            row["trace_cpu_s"] = round(_cpu() - before, 3)
        with out.open("a") as fh:
            fh.write(json.dumps(row) + "\n")
        print(json.dumps({k: v for k, v in row.items() if k != "trace"}), flush=True)


def stands(row: dict, step: str | None = None) -> tuple[float, float, str] | None:
    """The named class's stand and the largest other non-reference class's at ``step`` (the
    last traced check by default), and the step read; None for an untraced row."""
    from trojanscope.detect.mask_gate import stand_of

    t = row.get("trace")
    if not t:
        return None
    step = step or max(t["l1"], key=int)
    l1 = t["l1"][step]
    named = stand_of(l1[:4])
    others = [stand_of([l1[i], *l1[1:4]]) for i in range(4, len(l1))]
    return named, max(others, default=float("-inf")), step


def lines(paths: list[Path], line: float) -> dict:
    """``lines``: each traced flag's stands and what a recipe line ``line`` does to it (the
    search over every class, lowered only where none stands over the line; a search stopped
    early over ``--enough`` reads as over any line under it)."""
    out = []
    for path in paths:
        for r in read_jsonl(path):
            s = stands(r)
            if s is None:
                continue
            named, other, step = s
            lower = named <= line and other <= line and int(step) == STEPS
            right = r["backdoored"] and r["pre_gate"][1] == r["target"]
            out.append({"name": r["name"], "bd": r["backdoored"], "target": r["target"],
                         "named": r["pre_gate"][1], "p": r["pre_gate"][0],
                         "today": r["main"][0], "stand": round(named, 3),
                         "other": round(other, 3), "step": int(step), "lower": lower,
                         "at_target": right})
    out.sort(key=lambda o: (o["named"], o["stand"]))
    return {"line": line, "rows": out,
            "clean_cleared": [o["name"] for o in out if not o["bd"] and o["lower"]],
            "clean_kept": [o["name"] for o in out if not o["bd"] and not o["lower"]],
            "bd_lowered": [o["name"] for o in out if o["bd"] and o["lower"]]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    mk = sub.add_parser("manifest")
    mk.add_argument("roots", nargs="+", help="LABEL=DIR")
    rd = sub.add_parser("read")
    rd.add_argument("manifest", type=Path)
    rd.add_argument("--out", type=Path, required=True)
    rd.add_argument("--enough", type=float, default=1.8,
                    help="end a trace once the named class stands over this")
    ln = sub.add_parser("lines")
    ln.add_argument("rows", type=Path, nargs="+")
    ln.add_argument("--line", type=float, required=True)
    args = ap.parse_args()
    if args.cmd == "manifest":
        for row in manifest(args.roots):
            print(json.dumps(row))
    elif args.cmd == "read":
        import torch

        torch.set_num_threads(1)
        read(args.manifest, args.out, args.enough)
    else:
        print(json.dumps(lines(args.rows, args.line), indent=1))


if __name__ == "__main__":
    run_main(main)
