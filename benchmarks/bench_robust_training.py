"""Robust training on poisoned MNIST: CA and ASR of each training-time defence.

For BadNets and Blended at 10% poisoning (target 0), runs ``trojanscope attack ... --defence D``
for every defence (and without one), plus ``trojanscope train`` on clean data as the CA
reference, each as its own process (wall time includes start-up, loading and saving). Reports
CA, ASR, the CA loss against clean training, how much of the poison the defence flagged, and the
time. Prints a Markdown table and writes JSON.

    python benchmarks/bench_robust_training.py [--seed 0] [--target 0] [--defences abl,knn-filter]
        [--defence-param abl:majority_label=true] [--json benchmarks/out/robust.json]

A defence entry ``NAME@param=value[@param=value]`` runs NAME with those parameters besides the
``--defence-param`` ones (so one call can compare a defence's default with a variant).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from cli_json import run_cli

ATTACKS = ("badnets", "blended")
DEFENCES = (None, "abl", "spectral", "knn-filter")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--target", type=int, default=0, help="the attacks' target class")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--attacks", default=",".join(ATTACKS))
    parser.add_argument("--defences", default=",".join(d or "none" for d in DEFENCES))
    parser.add_argument("--defence-param", action="append", default=[],
                        help="NAME:param=value, passed as --defence-param to that defence")
    opts = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        base = ["--dataset", "mnist", "--seed", str(opts.seed), "--no-export"]
        clean, secs = run_cli(["train", *base, "--out", f"{tmp}/clean"])
        ref = clean["metrics"]["clean_accuracy"]
        rows.append({"attack": "none", "defence": "none", "ca": ref, "asr": None,
                     "flagged": None, "seconds": secs})
        print(f"clean training: CA {ref:.2%} ({secs:.0f} s)", file=sys.stderr, flush=True)
        defences = [None if d == "none" else d for d in opts.defences.split(",")]
        for attack in opts.attacks.split(","):
            for number, entry in enumerate(defences):
                defence, *own = entry.split("@") if entry else (None,)
                args = ["attack", "--attack", attack, "--poison-rate", "0.1",
                        "--target", str(opts.target), *base,
                        "--out", f"{tmp}/{attack}-{number}"]
                params = [i.partition(":")[2] for i in opts.defence_param
                          if i.partition(":")[0] == defence] + own
                if defence:
                    args += ["--defence", defence]
                    for param in params:
                        args += ["--defence-param", param]
                out, secs = run_cli(args)
                m = out["metrics"]
                flagged = (out.get("defence") or {}).get("flagged")
                label = defence or "none"
                if params:
                    label += f" ({', '.join(params)})"
                rows.append({"attack": attack, "defence": label, "target": opts.target,
                             "ca": m["clean_accuracy"], "asr": m["attack_success_rate"],
                             "flagged": flagged, "seconds": secs})
                print(f"{attack} {label}: CA {m['clean_accuracy']:.2%} "
                      f"ASR {m['attack_success_rate']:.2%} ({secs:.0f} s)",
                      file=sys.stderr, flush=True)
    print("| attack (10%) | defence | CA | CA loss vs clean | ASR | poison flagged (of all) "
          "| samples flagged | time |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        f = r["flagged"]
        print(f"| {r['attack']} | {r['defence']} | {r['ca']:.2%} | {ref - r['ca']:+.2%} | "
              + (f"{r['asr']:.2%}" if r["asr"] is not None else "—") + " | "
              + (f"{f['poison_found']} / {f['poison_total']}" if f else "—") + " | "
              + (f"{f['count']}" if f else "—") + f" | {r['seconds']:.0f} s |")
    if opts.json:
        opts.json.parent.mkdir(parents=True, exist_ok=True)
        opts.json.write_text(json.dumps({"seed": opts.seed, "target": opts.target,
                                          "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
