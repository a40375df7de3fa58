"""The user CNNs' data-free clean leans at 2, 5 and 7 against weak backdoors there: readings
beside the mask stand (issue 9, stop 79: h9c).

Stop 78 (h9c) reverted the recipe's mask line: on the mask stand the first-contact maker's clean
leans (up to 1.12) and its weak backdoors (from 0.79) overlap, so no line parts them. This
script reads, on each in-band data-free flag (0.5 <= p < sigmoid(5) with the excess term's
class), the gate's search for the named class and its 3 references run the full 300 steps
(:func:`trojanscope.detect.mask_gate.fit_masks`, the shipped entry's constants), and beside the
stand:

- ``transfer``: the share of MM-BD's *other* maximising inputs (the starts the search did not
  use as hosts, of every other class) that the named class's mask and pattern send to it,
  less the references' median share (a trigger carries over to inputs it was not fitted on; a
  clean class's small mask fits its 9 hosts);
- ``src_min``: the least per-source-class share of those held-out inputs sent (the mask's
  reach across the classes the hosts come from);
- ``compact``: the named mask's largest 5x5 window share of its mass less the references'
  median (where it sits: a patch is one place);
- ``stand2``: the stand again with each class's second-best start as host (a second search's
  agreement; ``stand2_gap`` = stand - stand2).

- ``spread``: ``compact``'s every-class form (:func:`spread_most`): the most gathered mask of
  any class outside the references (a backdoor flagged at another class has its own target's
  mask gathered); never less than ``compact``.

``read MANIFEST --out ROWS``: one JSON line a model (its data-free flag before and after
today's gate, the readings, CPU apart). ``spread MANIFEST --out ROWS``: ``spread`` alone.
``table ROWS... [--md]``: each reading's value on each in-band flag today's gate keeps at the
recipe's classes, and how well each parts clean from backdoors (the cut clearing most clean
leans with no backdoor lowered, and its leave-one-seed-block-out replay). ``figures FREE
DATA``: today's default on a population, both paths.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from _common import read_jsonl, run_main

BAND = 0.9933  # sigmoid(5): a flag the gate's 5 logits can take under 0.5
WIDE = (2, 3, 5, 7)  # the classes the recipe entry opens
WINDOW = 5  # the window side (pixels) of ``compact``: a patch-sized place on a 28x28 digit
READINGS = ("stand", "transfer", "src_min", "compact", "stand2", "stand2_gap", "spread")


def held_out_share(model, X, M, masks, patterns, classes: list[int], hosts: int = 1
                   ) -> tuple[list[float], list[float]]:
    """Per searched class: the share of the other classes' starts not used as hosts (the
    ``hosts`` best by margin) that its mask and pattern send to it, and the least such share
    over the source classes."""
    import torch

    k = len(X)
    keep = M.argsort(dim=1, descending=True)[:, hosts:]
    held = torch.stack([X[c, keep[c]] for c in range(k)])  # k x (starts - hosts) x input
    shape = tuple(X.shape[2:])
    share, least = [], []
    with torch.no_grad():
        for i, a in enumerate(classes):
            src = [c for c in range(k) if c != a]
            x = held[src].reshape(-1, *shape)
            z = masks[i] * patterns[i] + (1 - masks[i]) * x.reshape(len(x), *patterns.shape[1:])
            got = (model(z.reshape(len(x), *shape)).argmax(1) == a).float()
            per = got.reshape(len(src), -1).mean(1)
            share.append(float(got.mean()))
            least.append(float(per.min()))
    return share, least


def window_share(masks, side: int = WINDOW) -> list[float]:
    """Per image mask (k x 1 x height x width): its largest ``side`` x ``side`` window's share
    of its mass."""
    import torch

    side = min(side, *masks.shape[-2:])
    pooled = torch.nn.functional.avg_pool2d(masks, side, stride=1) * side * side
    total = masks.reshape(len(masks), -1).sum(1).clamp_min(1e-9)
    return [float(v) for v in pooled.reshape(len(masks), -1).max(1).values / total]


def spread_most(model, X, M, top: int, fitted: dict) -> float | None:
    """The every-class form of ``compact``: every class's mask searched the full steps (the
    gate's order: the named class, its references, the rest), the largest window share of a
    class outside the references less the references' median (None for a flat input). A
    backdoor flagged at another class (spent ``c72/patch-100``, target 0, named 2) would
    have its own target's mask gathered."""
    import numpy as np

    from trojanscope.detect.mask_gate import fit_masks, kind_of, references

    if len(X.shape) != 5:  # classes x starts x channels x height x width
        return None
    refs = int(fitted["refs"])
    order = [top, *references(M, top, refs)]
    order += [c for c in range(len(X)) if c not in order]
    masks, _, _ = fit_masks(model, X, M, int(fitted["steps"][kind_of(tuple(X.shape[2:]))]),
                            float(fitted["lam"]), 1, order, float(fitted["lr"]))
    win = window_share(masks)
    base = float(np.median(win[1:1 + refs]))
    return round(max(w - base for i, w in enumerate(win) if not 1 <= i <= refs), 3)


def readings(model, X, M, top: int, fitted: dict) -> dict:
    """The module's readings for the named class ``top`` (the gate's constants ``fitted``)."""
    import statistics

    from trojanscope.detect.mask_gate import fit_masks, kind_of, references, stand_of

    kind = kind_of(tuple(X.shape[2:]))
    steps, refs = int(fitted["steps"][kind]), int(fitted["refs"])
    order = [top, *references(M, top, refs)]
    out: dict = {"order": order}
    for label, margins in (("1", M), ("2", M.scatter(1, M.argmax(1, keepdim=True),
                                                     float("-inf")))):
        masks, patterns, hit = fit_masks(model, X, margins, steps, float(fitted["lam"]), 1,
                                         order, float(fitted["lr"]))
        l1 = [float(v) for v in masks.reshape(len(masks), -1).sum(1)]
        out[f"l1_{label}"] = [round(v, 2) for v in l1]
        out[f"stand{'' if label == '1' else '2'}"] = stand_of(l1)
        if label == "1":
            out["hit"] = [round(v, 3) for v in hit]
            share, least = held_out_share(model, X, margins, masks, patterns, order)
            win = window_share(masks) if masks.dim() == 4 else [0.0] * len(order)
            out["share"] = [round(v, 3) for v in share]
            out["least"] = [round(v, 3) for v in least]
            out["win"] = [round(v, 3) for v in win]
            out["transfer"] = round(share[0] - statistics.median(share[1:]), 3)
            out["src_min"] = round(least[0], 3)
            out["compact"] = round(win[0] - statistics.median(win[1:]), 3)
    out["stand2_gap"] = round(out["stand"] - out["stand2"], 3)
    out["spread"] = spread_most(model, X, M, top, fitted)
    return out


def read(manifest_path: Path, out: Path, band: float = BAND) -> None:
    """``read`` (the module's text); models already in ``out`` are left out."""
    import copy

    from data_free_signal_s75_h9f import _cpu
    from trojanscope.detect.calibration import load_calibrators
    from trojanscope.detect.class_excess import EXCESS
    from trojanscope.detect.mask_gate import ENTRY, MASK_STAND, MASK_STEPS, gate_read
    from wide_gate_s77_h9c import free_read

    cals = load_calibrators()
    fitted = cals[ENTRY].fitted_on
    done = {r["name"] for r in read_jsonl(out)} if out.is_file() else set()
    for row in read_jsonl(manifest_path):
        if row["name"] in done:
            continue
        before = _cpu()
        model, detector, v = free_read(row["file"], cals)
        top = int(v.target_classes[0])
        row.update(pre_gate=[round(float(v.probability), 5), top],
                   excess=v.features.get(EXCESS), read_cpu_s=round(_cpu() - before, 3))
        pre = copy.deepcopy(v)
        before = _cpu()
        gate_read(v, model.module, detector, cals)
        row.update(today=[round(float(v.probability), 5), int(v.target_classes[0])],
                   gate=[v.features.get(MASK_STAND), v.features.get(MASK_STEPS)],
                   gate_cpu_s=round(_cpu() - before, 3))
        if 0.5 <= pre.probability < band and pre.features.get(EXCESS) is not None:
            x, m = detector.maximisers
            k = len(pre.per_class)
            X, M = x.reshape(k, -1, *x.shape[1:]), m.reshape(k, -1)
            for p in model.module.parameters():
                p.requires_grad_(False)
            before = _cpu()
            from trojanscope.engine.modes import eval_mode

            with eval_mode(model.module):
                row["read"] = readings(model.module, X, M, top, fitted)
            row["readings_cpu_s"] = round(_cpu() - before, 3)
        with out.open("a") as fh:
            fh.write(json.dumps(row) + "\n")
        print(json.dumps(row), flush=True)


def spread(manifest_path: Path, out: Path, band: float = BAND) -> None:
    """``spread MANIFEST --out ROWS``: each in-band flag's spread reading as the candidate's
    ``spread`` (:func:`spread_most`: every class searched the full steps, the most gathered
    mask outside the references), whatever today's gate does; the flag before the gate and
    the CPU apart."""
    from data_free_signal_s75_h9f import _cpu
    from trojanscope.detect.calibration import load_calibrators
    from trojanscope.detect.class_excess import EXCESS
    from trojanscope.detect.mask_gate import ENTRY
    from trojanscope.engine.modes import eval_mode
    from wide_gate_s77_h9c import free_read

    cals = load_calibrators()
    done = {r["name"] for r in read_jsonl(out)} if out.is_file() else set()
    for row in read_jsonl(manifest_path):
        if row["name"] in done:
            continue
        model, detector, v = free_read(row["file"], cals)
        top = int(v.target_classes[0])
        row["pre_gate"] = [round(float(v.probability), 5), top]
        if 0.5 <= v.probability < band and v.features.get(EXCESS) is not None:
            x, m = detector.maximisers
            k = len(v.per_class)
            for p in model.module.parameters():
                p.requires_grad_(False)
            before = _cpu()
            with eval_mode(model.module):
                row["spread_most"] = spread_most(model.module, x.reshape(k, -1, *x.shape[1:]),
                                                 m.reshape(k, -1), top, cals[ENTRY].fitted_on)
            row["spread_cpu_s"] = round(_cpu() - before, 3)
        with out.open("a") as fh:
            fh.write(json.dumps(row) + "\n")
        print(json.dumps(row), flush=True)


def block(name: str) -> int:
    """A model's seed block (ten seeds) for leave-one-seed-block-out."""
    seed = name.rsplit("-", 1)[-1]
    return int(seed) // 10 if seed.isdigit() else -1


def best_cut(pairs: list[tuple[float, bool]]) -> tuple[float, int, int]:
    """The threshold t calling a model clean where its value <= t that makes the fewest
    errors with no backdoor called clean, then the most clean called clean: (t, clean
    called clean, backdoors called clean)."""
    bd = [v for v, b in pairs if b]
    floor = min(bd) if bd else float("inf")
    below = sorted(v for v, b in pairs if not b and v < floor)
    if not below:
        return float("-inf"), 0, 0
    t = below[-1]
    return t, len(below), 0


def table(paths: list[Path]) -> dict:
    """``table`` (the module's text): in-band rows at the recipe's classes that today's gate
    keeps, each reading's value, and per reading: the spread of clean vs backdoors (lowest
    backdoor value, highest clean), the cut clearing most clean with none lost, and its
    leave-one-seed-block-out replay (the cut set without a block, applied to it)."""
    rows, spreads, seen = [], {}, set()
    for path in paths:  # ``read`` rows, and ``spread`` rows giving their ``spread``
        for r in read_jsonl(path):
            if "spread_most" in r:
                spreads[r["name"]] = r["spread_most"]
            elif r.get("read") and r["name"] not in seen:
                seen.add(r["name"])
                rows.append(r)
    for r in rows:
        r["read"].setdefault("spread", spreads.get(r["name"]))
    out: dict = {"rows": [], "parting": {}}
    for r in rows:
        rd = r["read"]
        out["rows"].append({"name": r["name"], "bd": r["backdoored"], "target": r["target"],
                            "named": r["pre_gate"][1], "p": r["pre_gate"][0],
                            "today": r["today"][0],
                            **{k: rd.get(k) for k in READINGS}})
    kept = [o for o in out["rows"]
            if o["today"] >= 0.5 and o["p"] < BAND and o["named"] in WIDE]
    out["kept"] = len(kept)
    for key in READINGS:
        if any(o[key] is None for o in kept):
            continue
        for sign in (1, -1):  # clean at or under the cut (1) or at or over it (-1)
            pairs = [(sign * o[key], o["bd"]) for o in kept]
            t, cleared, lost = best_cut(pairs)
            loso = {"cleared": 0, "lost": 0}
            for b in {block(o["name"]) for o in kept}:
                train = [(sign * o[key], o["bd"]) for o in kept if block(o["name"]) != b]
                tb, _, _ = best_cut(train)
                for o in kept:
                    if block(o["name"]) == b and sign * o[key] <= tb:
                        loso["lost" if o["bd"] else "cleared"] += 1
            out["parting"][f"{key}{'' if sign == 1 else ' (reversed)'}"] = {
                "cut": sign * t, "cleared": cleared, "lost": lost,
                "clean": sum(not o["bd"] for o in kept), "bd": sum(o["bd"] for o in kept),
                "loso": loso}
    return out


def fresh_figures(free: Path, data: Path) -> dict:
    """``figures FREE DATA``: today's default read once on a population, data-free (``read``
    rows' ``today``) and with data (``user_cnn_s72_h9u.py read`` rows, re-scored with the
    shipped file, as a user's ``detect --data`` reads them): each path's figures
    (``mix_s76_hmix.figures``), each family's least backdoor p (a family is a kind: the name
    less its seed) and the data-free median CPU a model (read + gate)."""
    import statistics

    from mix_s76_hmix import by_family, figures
    from wide_gate_s77_h9c import SHIPPED, data_rows

    out: dict = {}
    free_rows = [{**r, "p": r["today"], "family": r["name"].split("/")[-1].rsplit("-", 1)[0]}
                 for r in read_jsonl(free)]
    data = [{**r, "p": r["today"], "family": r["name"].rsplit("-", 1)[0]}
            for r in data_rows(data, SHIPPED)]
    for way, rows in (("data-free", free_rows), ("with data", data)):
        out[way] = {"figures": figures(rows), "families": by_family(rows),
                    "flags": [[r["name"], r["p"]] for r in rows
                              if r["p"][0] >= 0.5 and not r["backdoored"]],
                    "missed": [[r["name"], r["p"]] for r in rows
                               if r["p"][0] < 0.5 and r["backdoored"]]}
    out["data-free"]["median_cpu_s"] = statistics.median(r["read_cpu_s"] + r["gate_cpu_s"]
                                                         for r in free_rows)
    return out


def markdown(out: dict) -> str:
    """``table --md``: the kept in-band rows (clean first, by named class) and the parting
    lines, as markdown."""
    head = ["model", "named", "p", *READINGS]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    kept = [o for o in out["rows"] if o["today"] >= 0.5 and o["p"] < BAND
            and o["named"] in WIDE]
    for o in sorted(kept, key=lambda o: (o["bd"], o["named"], o["stand"])):
        mark = f" (backdoor, target {o['target']})" if o["bd"] else ""
        cells = [f"{o['name']}{mark}",
                 str(o["named"]), f"{o['p']:.3f}"]
        cells += ["–" if o[k] is None else f"{o[k]:.3f}" for k in READINGS]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    for k, v in out["parting"].items():
        lines.append(f"- `{k}`: cut {v['cut']}, clean cleared {v['cleared']} of {v['clean']}, "
                     f"backdoors lost {v['lost']} of {v['bd']}; leave-one-seed-block-out: "
                     f"cleared {v['loso']['cleared']}, lost {v['loso']['lost']}")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    rd = sub.add_parser("read")
    rd.add_argument("manifest", type=Path)
    rd.add_argument("--out", type=Path, required=True)
    rd.add_argument("--band", type=float, default=BAND)
    sp = sub.add_parser("spread")
    sp.add_argument("manifest", type=Path)
    sp.add_argument("--out", type=Path, required=True)
    sp.add_argument("--band", type=float, default=BAND)
    fg = sub.add_parser("figures")
    fg.add_argument("free", type=Path, help="read's rows (data-free)")
    fg.add_argument("data", type=Path, help="user_cnn_s72_h9u.py read rows (with data)")
    tb = sub.add_parser("table")
    tb.add_argument("rows", type=Path, nargs="+")
    tb.add_argument("--md", action="store_true", help="markdown, not JSON")
    args = ap.parse_args()
    if args.cmd == "read":
        import torch

        torch.set_num_threads(1)
        read(args.manifest, args.out, args.band)
    elif args.cmd == "spread":
        import torch

        torch.set_num_threads(1)
        spread(args.manifest, args.out, args.band)
    elif args.cmd == "figures":
        print(json.dumps(fresh_figures(args.free, args.data), indent=1))
    else:
        out = table(args.rows)
        print(markdown(out) if args.md else json.dumps(out, indent=1))


if __name__ == "__main__":
    run_main(main)
