"""MM-BD's per-class maximum margins on a handful of stored zoo models (issue 9, stop 54: h9D):
is a clean flagged CNN's top class wide only against its own other classes, or also against
the same class in clean siblings (same zoo, same script family)? Stored runs keep only the
class ranking, so the margins are read again with ``trojanscope detect --method mmbd``.

    PYTHONPATH=src python benchmarks/mmbd_class_margins.py \
        --model /tmp/h9Bs53/run/zoo-s76:relu_cnn-02 ... --json OUT.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

from _common import fail


def parse_model(spec: str) -> tuple[Path, str]:
    """``ZOO:NAME`` to (zoo folder, model name), both checked."""
    zoo, sep, name = spec.rpartition(":")
    if not sep or not zoo or not name:
        fail(f"--model {spec}: expected ZOO:NAME")
    folder = Path(zoo)
    for need in (folder / f"{name}.pt", folder / "clean.npz", folder / "truth.json"):
        if not need.is_file():
            fail(f"--model {spec}: no file {need}")
    return folder, name


def margins(folder: Path, name: str) -> dict:
    """One model's MM-BD reading: probability, statistic and each class's maximum margin."""
    cmd = [sys.executable, "-m", "trojanscope", "detect", str(folder / f"{name}.pt"), "--data",
           str(folder / "clean.npz"), "--method", "mmbd", "--format", "json"]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode not in (0, 1):
        last = proc.stderr.strip().splitlines()[-1:] or [""]
        fail(f"{' '.join(cmd)} exited {proc.returncode}: {last[0]}")
    report = json.loads(proc.stdout)
    per = {int(r["class"]): float(r["margin"]) for r in report["per_class"]}
    median = statistics.median(per.values())
    return {"probability": round(report["probability"], 4),
            "mmbd_neglog10_p": round(report["features"]["mmbd_neglog10_p"], 3),
            "top_class": int(report["ranking"][0]),
            "over_median": {c: round(m / median, 3) for c, m in sorted(per.items())}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", action="append", required=True, help="ZOO:NAME, repeated")
    ap.add_argument("--json", type=Path, required=True)
    args = ap.parse_args()
    if not args.json.parent.is_dir():
        fail(f"--json {args.json}: no such folder {args.json.parent}")
    rows = []
    for spec in args.model:
        folder, name = parse_model(spec)
        truth = {m["name"]: m for m in json.loads((folder / "truth.json").read_text())["models"]}
        if name not in truth:
            fail(f"--model {spec}: {name} is not in {folder / 'truth.json'}")
        meta = truth[name]
        rows.append({"zoo": folder.name, "name": name, "family": meta["arch_family"],
                     "backdoored": meta["backdoored"], "target": meta.get("target"),
                     **margins(folder, name)})
    for r in rows:  # the top class against the same class of clean siblings
        sib = [s["over_median"][r["top_class"]] for s in rows if s is not r
               and not s["backdoored"] and (s["zoo"], s["family"]) == (r["zoo"], r["family"])]
        r["top_over_median"] = r["over_median"][r["top_class"]]
        r["clean_siblings_same_class"] = sib
        print(f"{r['zoo']}:{r['name']} backdoored={r['backdoored']} target={r['target']} "
              f"p={r['probability']} top={r['top_class']} top/median={r['top_over_median']} "
              f"clean siblings' same class {sib}; all {r['over_median']}")
    args.json.write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
