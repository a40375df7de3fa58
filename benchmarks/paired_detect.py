"""Score every model of a foreign zoo with two ``trojanscope`` source trees, model by model
(issue 9, stop 53: h9A): for each model in ``foreign_zoo.interleave`` order, one ``detect``
child with each tree's ``src`` on ``PYTHONPATH``, each row appended to that tree's run file in
``foreign_zoo_detect.py``'s format. A clock cut then loses the same models for both. A tree
may add environment variables for its children (``,VAR=VALUE`` after its run file; stop 54:
the candidate ``TROJANSCOPE_ACTIVATION_TRAITS=route-u``).

    python benchmarks/paired_detect.py ZOO --tree cand=/tmp/C/src,out/cand75.jsonl \\
        --tree default=/tmp/M/src,out/default75.jsonl
    python benchmarks/paired_detect.py ZOO \
        --tree cand=/tmp/C/src,out/cand78.jsonl,TROJANSCOPE_ACTIVATION_TRAITS=route-u ...
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import fail, read_jsonl
from foreign_zoo import interleave
from foreign_zoo_detect import detect_command, models, run_one


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("zoo", type=Path)
    ap.add_argument("--tree", action="append", required=True,
                    help="TAG=SRC,RUNS[,VAR=VALUE...] (repeat)")
    args = ap.parse_args()
    if not (args.zoo / "truth.json").is_file():
        fail(f"{args.zoo}: no truth.json (not a foreign zoo)")
    trees = []
    for t in args.tree:
        tag, _, rest = t.partition("=")
        src, _, more = rest.partition(",")
        runs, *extra = more.split(",")
        if (not tag or not runs or not (Path(src) / "trojanscope").is_dir()
                or not all("=" in e and not e.startswith("=") for e in extra)):
            fail(f"--tree {t!r}: want TAG=SRC,RUNS[,VAR=VALUE...] with SRC/trojanscope a "
                 "folder")
        env = dict(e.split("=", 1) for e in extra)
        trees.append((tag, Path(src).resolve(), Path(runs), env))
    tool = str(Path(sys.executable).with_name("trojanscope"))
    bench = str(Path(__file__).resolve().parent)
    base = dict(os.environ)
    for meta in interleave(models(args.zoo)):
        for tag, src, runs, env in trees:
            done = {r["name"] for r in read_jsonl(runs)} if runs.is_file() else set()
            if meta["name"] in done:
                continue
            os.environ.clear()
            os.environ.update({**base, **env, "PYTHONPATH": f"{src}:{bench}"})
            row = {"zoo": args.zoo.name, "name": meta["name"],
                   "backdoored": bool(meta["backdoored"]), "target": meta.get("target"),
                   "options": [],
                   **run_one(detect_command(tool, args.zoo, meta["name"], []))}
            with runs.open("a") as f:
                f.write(json.dumps(row) + "\n")
            print(f"{tag} {row['name']}: p {row['probability']:.3f} {row['cpu_s']:.1f} s CPU",
                  flush=True)


if __name__ == "__main__":
    main()
