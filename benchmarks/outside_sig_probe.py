"""The SIG-form probe (``detect/sig_probe.py``) on spent GAP zoos: does a SIG backdoor's target
lead beyond every clean head of its kind (issue 9, stop 77: h9sig; development only)?

``rows``: for every GAP-head model of the given zoos (their ``truth.json``) that is clean or
carries one of ``--families``, the probe's ``sig_share_<c>``, its top class, lead and CPU
seconds, one JSON line each (appended; a model already in the file is skipped).
``summary``: per arch family, the largest lead a clean head reached, and every backdoor's lead,
top class against its target, and whether it clears its kind's clean maximum (in-sample) and
the maximum of its kind's clean heads of the *other* zoos (leave-one-zoo-out).
``amps``: for every clean and SIG row of a ``rows`` file (zoos found under ``--root``), the
shares at each amplitude of ``--amps`` alone (``amp_rows.jsonl``); ``amp-summary``: the same
leave-one-zoo-out reading per amplitude.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
from pathlib import Path

import torch

from twin_wide_class import zoo_model


def cpu() -> float:
    """User + system CPU seconds of this process."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def rows(zoos: list[Path], families: set[str], out: Path, seed: int) -> None:
    """Append a row per selected model (module docstring)."""
    from trojanscope.detect.base import InspectionTarget
    from trojanscope.detect.sig_probe import sig_features, sig_lead

    done = set()
    if out.exists():
        done = {(r["zoo"], r["name"]) for r in map(json.loads, out.read_text().splitlines())}
    with out.open("a") as fh:
        for zoo in zoos:
            for m in json.loads((zoo / "truth.json").read_text())["models"]:
                fam = m["trigger_family"] if m["backdoored"] else "clean"
                if ("gap" not in m["arch_family"] or fam not in families | {"clean"}
                        or (zoo.name, m["name"]) in done):
                    continue
                if not (zoo / f"{m['name']}.pt").exists():
                    continue  # a zoo that kept only part of its models
                start = cpu()
                loaded, data = zoo_model(zoo, m["name"])
                module = loaded.module.eval()
                target = InspectionTarget(module, tuple(data.x.shape[1:]), 10, data)
                feats = sig_features(target, seed)
                top, share, lead = sig_lead(feats)
                row = {"zoo": zoo.name, "name": m["name"], "arch": m["arch_family"],
                       "family": fam, "target": m["target"], "top": top, "share": share,
                       "lead": round(lead, 6), "features": feats,
                       "cpu_s": round(cpu() - start, 2)}
                fh.write(json.dumps(row) + "\n")
                fh.flush()
                print(zoo.name, m["name"], fam, m["target"], top, round(lead, 3),
                      row["cpu_s"], flush=True)


def summary(path: Path) -> str:
    """The per-kind clean maxima and every backdoor's reading, as text."""
    data = [json.loads(line) for line in path.read_text().splitlines()]
    lines = []
    for arch in sorted({r["arch"] for r in data}):
        clean = [r for r in data if r["arch"] == arch and r["family"] == "clean"]
        bars = sorted((r["lead"], r["zoo"], r["name"], r["top"]) for r in clean)
        top_clean = bars[-1] if bars else (0.0, "-", "-", -1)
        lines.append(f"{arch}: {len(clean)} clean heads, largest lead {top_clean[0]:.3f} "
                     f"({top_clean[1]}:{top_clean[2]} at class {top_clean[3]})")
        for r in data:
            if r["arch"] != arch or r["family"] == "clean":
                continue
            others = [c["lead"] for c in clean if c["zoo"] != r["zoo"]]
            loo = max(others, default=0.0)
            right = r["top"] == r["target"]
            lines.append(
                f"  {r['family']:<13} {r['zoo']}:{r['name']:<18} target {r['target']} top "
                f"{r['top']} share {r['share']:.2f} lead {r['lead']:.3f} "
                f"{'right' if right else 'WRONG'} clears-in-sample "
                f"{right and r['lead'] > top_clean[0]} clears-loo({loo:.3f}) "
                f"{right and r['lead'] > loo}")
    cpus = [r["cpu_s"] for r in data]
    lines.append(f"{len(data)} models, CPU per model mean {sum(cpus) / len(cpus):.2f} s, "
                 f"max {max(cpus):.2f} s")
    return "\n".join(lines)


def amps(rows_file: Path, root: Path, levels: list[float], out: Path, seed: int) -> None:
    """Append, per clean or SIG row of ``rows_file``, the shares at each amplitude alone."""
    from trojanscope.detect.base import InspectionTarget
    from trojanscope.detect.sig_probe import sig_shares

    with out.open("a") as fh:
        for r in map(json.loads, rows_file.read_text().splitlines()):
            if r["family"] not in ("clean", "sig"):
                continue
            zoo = next(root.glob(f"*/run/{r['zoo']}"))
            loaded, data = zoo_model(zoo, r["name"])
            target = InspectionTarget(loaded.module.eval(), tuple(data.x.shape[1:]), 10, data)
            got = {str(a): [round(s, 3) for s in sig_shares(
                target, torch.Generator().manual_seed(seed), amps=(a,))] for a in levels}
            keep = {k: r[k] for k in ("zoo", "name", "arch", "family", "target")}
            fh.write(json.dumps({**keep, "amp": got}) + "\n")
            fh.flush()


def amp_summary(path: Path) -> str:
    """Per amplitude and arch family: the clean heads' largest lead, and each SIG backdoor's
    top class, lead and leave-one-zoo-out bar."""
    data = [json.loads(line) for line in path.read_text().splitlines()]

    def lead(shares: list[float]) -> tuple[int, float]:
        order = sorted(range(len(shares)), key=lambda c: (-shares[c], c))
        return order[0], shares[order[0]] - shares[order[1]]

    lines = []
    for amp in data[0]["amp"]:
        parted = total = 0
        for arch in sorted({r["arch"] for r in data}):
            clean = [(r["zoo"], lead(r["amp"][amp])[1]) for r in data
                     if r["arch"] == arch and r["family"] == "clean"]
            lines.append(f"amp {amp} {arch}: {len(clean)} clean heads, largest lead "
                         f"{max(c[1] for c in clean):.2f}")
            for r in data:
                if r["arch"] != arch or r["family"] != "sig":
                    continue
                top, gap = lead(r["amp"][amp])
                bar = max((c[1] for c in clean if c[0] != r["zoo"]), default=0.0)
                ok = top == r["target"] and gap > bar
                parted, total = parted + ok, total + 1
                lines.append(f"  sig {r['zoo']}:{r['name']} target {r['target']} top {top} "
                             f"lead {gap:.2f} loo bar {bar:.2f} parted {ok}")
        lines.append(f"amp {amp}: {parted} of {total} SIG backdoors parted (right target, lead "
                     "above every clean head of its kind from the other zoos)")
    return "\n".join(lines)


def main() -> None:
    torch.set_num_threads(1)
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=("rows", "summary", "amps", "amp-summary"))
    ap.add_argument("--rows", type=Path, help="amps: the rows file to read")
    ap.add_argument("--root", type=Path, default=Path("/tmp"))
    ap.add_argument("--amps", default="0.025,0.05,0.075,0.1,0.15")
    ap.add_argument("--zoos", nargs="*", type=Path, default=[])
    ap.add_argument("--families", default="sig")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if args.mode == "rows":
        rows(args.zoos, set(args.families.split(",")), args.out, args.seed)
    elif args.mode == "amps":
        amps(args.rows, args.root, [float(a) for a in args.amps.split(",")], args.out, args.seed)
    elif args.mode == "amp-summary":
        sys.stdout.write(amp_summary(args.out) + "\n")
    else:
        sys.stdout.write(summary(args.out) + "\n")


if __name__ == "__main__":
    main()
