"""Red-team benchmark: each attack on bundled MNIST, end to end through the CLI.

Runs ``trojanscope train`` (the clean reference) and ``trojanscope attack`` for BadNets, Blended,
SIG (clean-label), WaNet, sparse pixels, LF, FTrojan, BppAttack and adaptive-blend as separate
processes, so each wall time covers everything a user
waits for: start-up, data loading, poisoning, training, evaluation and saving (with the
TorchScript and ONNX exports). Prints a Markdown table and writes JSON.

    python benchmarks/bench_attacks.py [--seed 1] [--run lf --run …] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = [
    ("clean", ["train"]),
    ("badnets", ["attack", "--attack", "badnets", "--poison-rate", "0.1"]),
    ("blended", ["attack", "--attack", "blended", "--poison-rate", "0.1"]),
    ("sig", ["attack", "--attack", "sig"]),
    ("sig, test δ = train δ", ["attack", "--attack", "sig", "--attack-param", "test_delta=null"]),
    ("wanet", ["attack", "--attack", "wanet", "--poison-rate", "0.1"]),
    ("sparse", ["attack", "--attack", "sparse", "--poison-rate", "0.1"]),
    ("lf", ["attack", "--attack", "lf", "--poison-rate", "0.1"]),
    ("ftrojan", ["attack", "--attack", "ftrojan", "--poison-rate", "0.1"]),
    ("bpp", ["attack", "--attack", "bpp", "--poison-rate", "0.1"]),
    ("bpp, no dither", ["attack", "--attack", "bpp", "--poison-rate", "0.1", "-p", "dither=false"]),
    ("bpp, 4 levels", ["attack", "--attack", "bpp", "--poison-rate", "0.1", "-p", "levels=4"]),
    ("ftrojan, paper magnitude", ["attack", "--attack", "ftrojan", "--poison-rate", "0.1",
                                  "-p", "magnitude=0.118"]),
    ("ftrojan, magnitude 1.0", ["attack", "--attack", "ftrojan", "--poison-rate", "0.1",
                                "-p", "magnitude=1.0"]),
    ("adaptive-blend", ["attack", "--attack", "adaptive-blend"]),
    ("adaptive-blend, paper cover ratio", ["attack", "--attack", "adaptive-blend",
                                           "--attack-param", "cover_ratio=1.0"]),
]


def run_one(args: list[str], seed: int, out: Path) -> tuple[dict, float]:
    cmd = [
        sys.executable,
        "-m",
        "trojanscope",
        "-q",
        *args,
        "--dataset",
        "mnist",
        "--target",
        "0",
        "--seed",
        str(seed),
        "--out",
        str(out),
        "--format",
        "json",
    ]
    if args[0] == "train":
        cmd.remove("--target")
        cmd.remove("0")
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    return json.loads(proc.stdout), wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, default=Path("benchmarks/out/attacks.json"))
    parser.add_argument(
        "--run", action="append", help="a run by name (repeatable; default: all); 'clean', the "
        "reference, always runs first"
    )
    opts = parser.parse_args()
    runs = RUNS
    if opts.run:
        by_name = dict(RUNS)
        unknown = [n for n in opts.run if n not in by_name]
        if unknown:
            raise SystemExit(f"unknown runs {unknown}; valid: {' | '.join(by_name)}")
        runs = [(n, by_name[n]) for n in ["clean", *(n for n in opts.run if n != "clean")]]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, args in runs:
            report, wall = run_one(args, opts.seed, Path(tmp) / name)
            m = report["metrics"]
            rows.append(
                {
                    "run": name,
                    "clean_accuracy": m["clean_accuracy"],
                    "attack_success_rate": m.get("attack_success_rate"),
                    "robust_accuracy": m.get("robust_accuracy"),
                    "poison_count": (report["attack"] or {}).get("poison_count"),
                    "train_s": report["timings"]["train_s"],
                    "wall_s": wall,
                }
            )
            print(f"{name}: {rows[-1]}", file=sys.stderr, flush=True)
    clean_ca = rows[0]["clean_accuracy"]
    print(
        f"\nMNIST (bundled 4,000/1,000), cnn, 8 epochs, seed {opts.seed}; "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs\n"
    )
    print("| run | CA | ASR | RA | CA drop vs clean | poisoned | train s | wall s (end to end) |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        pct = lambda v: "—" if v is None else f"{100 * v:.1f}%"  # noqa: E731
        drop = "—" if r["run"] == "clean" else f"{100 * (clean_ca - r['clean_accuracy']):.1f} pt"
        print(
            f"| {r['run']} | {pct(r['clean_accuracy'])} | {pct(r['attack_success_rate'])} | "
            f"{pct(r['robust_accuracy'])} | {drop} | {r['poison_count'] or '—'} | "
            f"{r['train_s']:.1f} | {r['wall_s']:.1f} |"
        )
    opts.json.parent.mkdir(parents=True, exist_ok=True)
    opts.json.write_text(json.dumps({"seed": opts.seed, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
