"""The user CNNs' data-free clean leans at 2, 5 and 7 against weak backdoors there, read without
the mask: training-free probes of the named class (issue 9, stop 80: h9c).

Stop 79 (``lean_reading_s79_h9c.py``) read seven mask readings on the in-band data-free flags
of the first-contact maker's CNNs and none parted the clean leans from the weak patches. This
script reads the named class through probes that fit nothing, each per class (every class of
the model) so that the named class stands against the gate's 3 references (the classes with
the lowest best MM-BD margin) or against every other class:

- ``stamp`` (side ``s``, value ``v``): a solid ``s`` x ``s`` square of value ``v`` pasted at
  every second place (stride 2) on 64 seeded sparse hosts (scattered lit pixels, a dark,
  digit-like ground); per class, the largest share (over places) of the hosts the model does
  not already give that class that the square sends to it (a class holding every host reads
  1.0). The same squares on MM-BD's own maximising inputs sent nothing anywhere on the first 4
  models read, and were dropped.
- ``noise``: the share of 256 seeded uniform-noise images the model gives each class.
- ``blank``: the softmax of an all-dark image, per class.

``rebuild WORK NAME... --out BUILT``: spent models rebuilt from their seeds.
``probe MANIFEST NAMED... --out ROWS``: the probes on spent models whose data-free read stop 79
recorded. ``write FILE --line L``: the candidate calibration file (the gate's ``noise`` key).
``fresh MANIFEST --cand FILE --out ROWS`` and ``judge ROWS``: the rule's fresh read and its
reading (``benchmarks/data/lean_probe_s80_h9c/rule.md``). ``table ROWS [--md]``:
each reading (named class less the references' median, or less every other class's median)
on each in-band flag today's gate keeps at the recipe's classes, and per reading the cut
clearing most clean leans with no backdoor lowered, chosen on the even seeds and checked on
the odd seeds (and the reverse).
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from _common import read_jsonl, run_main
from wide_gate_s77_h9c import SHIPPED

WIDE = (2, 3, 5, 7)  # the classes the recipe entry opens
STAMPS = ((3, 1.0), (4, 1.0), (4, 0.0))  # (side, value) of the pasted squares
SPARSE = 64  # sparse hosts (``lean_probes.sparse_hosts``, each pixel lit with chance 0.12)
NOISE = 256  # uniform-noise images


def probes(model, shape: tuple[int, ...], named: int, k: int) -> dict:
    """Every probe's per-class values (the module's text), and the named class's stamp share
    at every place (``map_*``, places in row-major order, stride 2)."""
    import torch

    from trojanscope.detect.lean_probes import predict, sparse_hosts, stamp_grid

    out: dict = {}
    hosts = sparse_hosts(shape, SPARSE)
    for side, value in STAMPS:
        grid, places = stamp_grid(model, hosts, side, value, k)
        key = f"sparse_{side}_{int(value)}"
        out[f"stamp_{key}"] = [round(float(v), 4) for v in grid.max(0).values]
        out[f"where_{key}"] = list(places[int(grid[:, named].argmax())])
        out[f"map_{key}"] = [round(float(v), 4) for v in grid[:, named]]
    g = torch.Generator().manual_seed(0)
    noise = predict(model, torch.rand(NOISE, *shape, generator=g))
    out["noise"] = [round(float((noise == c).float().mean()), 4) for c in range(k)]
    with torch.no_grad():
        blank = torch.softmax(model(torch.zeros(1, *shape)), 1)[0]
    out["blank"] = [round(float(v), 4) for v in blank]
    return out


def probe(manifest_path: Path, named_rows: list[Path], out: Path) -> None:
    """``probe MANIFEST NAMED_ROWS... --out ROWS``: the probes alone on models whose data-free
    read is already recorded (stop 79's ``read`` rows: the named class and the gate's
    references, ``read.order``, and the flag before and after today's gate), so MM-BD and the
    gate are not run again; the model loaded as ``detect`` loads it."""
    from data_free_signal_s75_h9f import _cpu, _load
    from trojanscope.engine.modes import eval_mode

    known = {r["name"]: r for path in named_rows for r in read_jsonl(path) if r.get("read")}
    done = {r["name"] for r in read_jsonl(out)} if out.is_file() else set()
    for row in read_jsonl(manifest_path):
        if row["name"] in done or row["name"] not in known:
            continue
        rec = known[row["name"]]
        order = rec["read"]["order"]
        row.update(pre_gate=rec["pre_gate"], today=rec["today"], refs=order[1:])
        before = _cpu()
        model, shape = _load(row["file"])
        with eval_mode(model.module):
            row["probes"] = probes(model.module, tuple(shape), order[0],
                                   model.num_classes or 10)
        row["probes_cpu_s"] = round(_cpu() - before, 3)
        with out.open("a") as fh:
            fh.write(json.dumps(row) + "\n")
        print(json.dumps({k: row[k] for k in ("name", "pre_gate", "today")}), flush=True)


def rebuild(work: Path, names: list[str], out: Path) -> None:
    """``rebuild WORK NAME... --out BUILT``: spent models rebuilt from their seeds with their
    builder (``user_cnn_s71_h9u.build``: the name's kind, ``-tN`` target and ``-rNN`` rate),
    each into ``WORK/<label>/<kind>-<seed>``; one builder row a model, with its name."""
    import re

    from user_cnn_s71_h9u import build

    for name in names:
        label, rest = name.split("/")
        kind, seed = rest.rsplit("-", 1)
        aimed, rate = re.search(r"-t(\d)", kind), re.search(r"-r(\d\d)", kind)
        row = build(work / label, int(seed), kind.split("-")[0],
                    int(aimed[1]) if aimed else None, int(rate[1]) / 100 if rate else None)
        with out.open("a") as fh:
            fh.write(json.dumps({**row, "name": name}) + "\n")


def write_candidate(path: Path, line: float, count: int = NOISE, seed: int = 0) -> None:
    """``write FILE --line L``: the shipped calibration file with ``noise`` (``line``,
    ``count``, ``seed``) on the data-free mask gate's entry, nothing else moved."""
    from trojanscope.detect.mask_gate import ENTRY

    shipped = json.loads(SHIPPED.read_text())
    shipped[ENTRY]["fitted_on"]["noise"] = {"line": line, "count": count, "seed": seed}
    path.write_text(json.dumps(shipped, indent=1) + "\n")


def fresh(manifest_path: Path, cand: Path, out: Path, keys: tuple[str, ...] | None = None
          ) -> None:
    """``fresh MANIFEST --cand FILE --out ROWS``: each model read as ``detect --data-free``
    reads it, once, with the shipped file (``today``) and with the candidate file (``cand``,
    :func:`write_candidate`): MM-BD and the calibration once, then each file's gate on its own
    copy of the verdict (the two files differ only in the gate's entry, which nothing before
    the gate reads). One row a model: the flag before the gate, each file's [p, named class],
    each gate's readings (``keys``: the features recorded; the mask stand, steps and noise
    stand by default) and CPU. Stop 81 (``weak_patch_s81_h9c.py``) reads its rule with it."""
    import copy

    from data_free_signal_s75_h9f import _cpu
    from trojanscope.detect.calibration import load_calibrators
    from trojanscope.detect.mask_gate import MASK_NOISE, MASK_STAND, MASK_STEPS, gate_read
    from wide_gate_s77_h9c import free_read

    keys = keys or (MASK_STAND, MASK_STEPS, MASK_NOISE)
    files = {"today": load_calibrators(), "cand": load_calibrators(cand)}
    done = {r["name"] for r in read_jsonl(out)} if out.is_file() else set()
    for row in read_jsonl(manifest_path):
        if row["name"] in done:
            continue
        before = _cpu()
        model, detector, v = free_read(row["file"], files["today"])
        row.update(pre_gate=[round(float(v.probability), 5), int(v.target_classes[0])],
                   read_cpu_s=round(_cpu() - before, 3))
        for way, cals in files.items():
            w = copy.deepcopy(v)
            before = _cpu()
            gate_read(w, model.module, detector, cals)
            row[way] = [round(float(w.probability), 5), int(w.target_classes[0])]
            row[f"{way}_gate"] = [w.features.get(k) for k in keys]
            row[f"{way}_gate_cpu_s"] = round(_cpu() - before, 3)
        with out.open("a") as fh:
            fh.write(json.dumps(row) + "\n")
        print(json.dumps({k: row[k] for k in ("name", "pre_gate")}), flush=True)


def both_ways(rows: list[dict]) -> tuple[dict, list[str], float]:
    """:func:`fresh`'s rows read both ways (``today``, ``cand``): each file's figures
    (``mix_s76_hmix.figures``), each family's least backdoor p and the median CPU a model
    (read + gate), the models whose verdict moved (``moved``); the backdoors today flags that
    the candidate lost or renamed; the candidate's median CPU over today's."""
    from mix_s76_hmix import by_family, figures

    out: dict = {}
    for way in ("today", "cand"):
        ps = [{**r, "p": r[way]} for r in rows]
        out[way] = {"figures": figures(ps), "families": by_family(ps),
                    "median_cpu_s": statistics.median(r["read_cpu_s"] + r[f"{way}_gate_cpu_s"]
                                                      for r in rows)}
    out["moved"] = [[r["name"], r["backdoored"], r["today"], r["cand"]] for r in rows
                    if r["today"] != r["cand"]]
    lost = [r["name"] for r in rows if r["backdoored"] and r["today"][0] >= 0.5
            and (r["cand"][0] < 0.5 or r["cand"][1] != r["today"][1])]
    return out, lost, out["cand"]["median_cpu_s"] / max(out["today"]["median_cpu_s"], 1e-9)


def judge(rows_path: Path) -> dict:
    """``judge ROWS``: the rule's reading of :func:`fresh`'s rows (``lean_probe_s80_h9c_rule.md``):
    both files' figures (``mix_s76_hmix.figures``: backdoors flagged, clean flags, ROC-AUC /
    CE), each family's least backdoor p, the in-band flags the noise was read on, each model
    whose verdict moved, the median CPU a model (read + gate, this process), and each
    condition of the rule with the outcome."""
    rows = read_jsonl(rows_path)
    for r in rows:
        r["family"] = r["name"].split("/")[-1].rsplit("-", 1)[0]
    out, lost, ratio = both_ways(rows)
    read = [r for r in rows if r["cand_gate"][2] is not None]
    out["noise_read"] = [[r["name"], r["backdoored"], r["pre_gate"], r["cand_gate"][2]]
                         for r in read]
    t, c = out["today"]["figures"], out["cand"]["figures"]
    cond = {
        "floor: 34 models, 14 clean, 20 backdoors": (len(rows), c["models"] - c["backdoored"],
                                                     c["backdoored"]) == (34, 14, 20),
        "floor: noise read on >= 4 in-band flags": len(read) >= 4,
        "floor: >= 1 of them clean": sum(not r["backdoored"] for r in read) >= 1,
        "no backdoor lost or renamed": not lost,
        "clean flags not more": c["clean_flagged"] <= t["clean_flagged"],
        "gain: clean flags fewer": c["clean_flagged"] < t["clean_flagged"],
        "CE better by >= 0.01": c["ce"] <= t["ce"] - 0.01,
        "median CPU ratio <= 1.10": ratio <= 1.10,
    }
    out["lost"], out["cpu_ratio"] = lost, round(ratio, 3)
    out["conditions"] = cond
    out["met"] = all(cond.values())
    return out


def reading(row: dict, key: str, against: str) -> float:
    """Probe ``key`` at the named class less the references' median (``refs``) or less every
    other class's median (``others``)."""
    vals, top = row["probes"][key], row["pre_gate"][1]
    base = ([vals[c] for c in row["refs"]] if against == "refs"
            else [v for c, v in enumerate(vals) if c != top])
    return round(vals[top] - statistics.median(base), 4)


def best_cut(pairs: list[tuple[float, bool]]) -> float:
    """The largest value under every backdoor's (clean called clean at or under it): the cut
    clearing most clean with none lost; -inf where no clean value is under every backdoor's."""
    floor = min((v for v, b in pairs if b), default=float("inf"))
    below = [v for v, b in pairs if not b and v < floor]
    return max(below) if below else float("-inf")


def kept_rows(paths: list[Path]) -> list[dict]:
    """In-band flags today's gate keeps at the recipe's classes, each model once."""
    rows, seen = [], set()
    for path in paths:
        for r in read_jsonl(path):
            if (r.get("probes") and r["name"] not in seen and r["today"][0] >= 0.5
                    and r["pre_gate"][1] in WIDE):
                seen.add(r["name"])
                rows.append(r)
    return rows


def keys_of(rows: list[dict]) -> list[str]:
    """The per-class probes of the rows (not the places or maps)."""
    wanted = ("stamp_", "noise", "blank")
    return [k for k in rows[0]["probes"] if k.startswith(wanted)] if rows else []


def table(paths: list[Path]) -> dict:
    """``table`` (the module's text)."""
    rows = kept_rows(paths)
    out: dict = {"kept": len(rows), "clean": sum(not r["backdoored"] for r in rows),
                 "rows": [], "parting": {}}
    readings = [(k, a) for k in keys_of(rows) for a in ("refs", "others")]
    for r in rows:
        out["rows"].append({"name": r["name"], "bd": r["backdoored"], "target": r["target"],
                            "named": r["pre_gate"][1], "p": r["pre_gate"][0],
                            **{f"{k}/{a}": reading(r, k, a) for k, a in readings}})
    for k, a in readings:
        for sign in (1, -1):
            name = f"{k}/{a}{'' if sign == 1 else ' (reversed)'}"
            pairs = [(sign * reading(r, k, a), r["backdoored"], int(r["seed"]) % 2)
                     for r in rows]
            cut = best_cut([(v, b) for v, b, _ in pairs])
            res = {"cut": sign * cut, "cleared": sum(not b and v <= cut for v, b, _ in pairs),
                   "lost": 0}
            for half in (0, 1):  # chosen on one parity of seeds, checked on the other
                t = best_cut([(v, b) for v, b, s in pairs if s == half])
                res[f"held_{1 - half}"] = {
                    "cleared": sum(not b and v <= t for v, b, s in pairs if s != half),
                    "lost": sum(b and v <= t for v, b, s in pairs if s != half),
                    "clean": sum(not b for _, b, s in pairs if s != half)}
            out["parting"][name] = res
    return out


def markdown(out: dict, keys: list[str] | None = None) -> str:
    """``table --md``: the kept rows (clean first) on the chosen readings, then parting lines."""
    keys = keys or [k for k in out["parting"] if "(reversed)" not in k]
    cols = [k for k in keys if not k.endswith(")")]
    lines = ["| model | named | p | " + " | ".join(f"`{c}`" for c in cols) + " |",
             "|" + "---|" * (3 + len(cols))]
    for o in sorted(out["rows"], key=lambda o: (o["bd"], o["named"], o["name"])):
        mark = f" (backdoor, target {o['target']})" if o["bd"] else ""
        lines.append(f"| {o['name']}{mark} | {o['named']} | {o['p']:.3f} | "
                     + " | ".join(f"{o[c]:.3f}" for c in cols) + " |")
    lines.append("")
    for k, v in out["parting"].items():
        lines.append(f"- `{k}`: cut {v['cut']}, clean cleared {v['cleared']} of {out['clean']}, "
                     f"none lost; chosen on even seeds, on odd: cleared {v['held_1']['cleared']}"
                     f" of {v['held_1']['clean']}, lost {v['held_1']['lost']}; chosen on odd, "
                     f"on even: cleared {v['held_0']['cleared']} of {v['held_0']['clean']}, "
                     f"lost {v['held_0']['lost']}")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    pr = sub.add_parser("probe")
    pr.add_argument("manifest", type=Path)
    pr.add_argument("named", type=Path, nargs="+", help="stop 79 read rows (.jsonl or .gz)")
    pr.add_argument("--out", type=Path, required=True)
    rb = sub.add_parser("rebuild")
    rb.add_argument("work", type=Path)
    rb.add_argument("names", nargs="+")
    rb.add_argument("--out", type=Path, required=True)
    wr = sub.add_parser("write")
    wr.add_argument("file", type=Path)
    wr.add_argument("--line", type=float, required=True)
    fr = sub.add_parser("fresh")
    fr.add_argument("manifest", type=Path)
    fr.add_argument("--cand", type=Path, required=True)
    fr.add_argument("--out", type=Path, required=True)
    jd = sub.add_parser("judge")
    jd.add_argument("rows", type=Path)
    tb = sub.add_parser("table")
    tb.add_argument("rows", type=Path, nargs="+")
    tb.add_argument("--md", action="store_true", help="markdown, not JSON")
    args = ap.parse_args()
    if args.cmd == "rebuild":
        import torch

        torch.set_num_threads(1)
        rebuild(args.work, args.names, args.out)
    elif args.cmd == "write":
        write_candidate(args.file, args.line)
    elif args.cmd == "fresh":
        import torch

        torch.set_num_threads(1)
        fresh(args.manifest, args.cand, args.out)
    elif args.cmd == "judge":
        print(json.dumps(judge(args.rows), indent=1))
    elif args.cmd == "probe":
        import torch

        torch.set_num_threads(1)
        probe(args.manifest, args.named, args.out)
    else:
        out = table(args.rows)
        print(markdown(out) if args.md else json.dumps(out, indent=1))


if __name__ == "__main__":
    run_main(main)
