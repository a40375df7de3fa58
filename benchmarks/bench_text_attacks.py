"""Text red-team benchmark: a clean model and each text attack on rt-polarity, through the CLI.

Each run is ``trojanscope train`` / ``trojanscope attack`` as a separate process (start-up, data,
poisoning, tokenisation, training, evaluation and saving all counted in its wall time), so the
figures are what a user gets. Prints a Markdown table (CA, ASR, RA, CA drop against the clean
model of the same seed, wall time) and writes JSON.

    python benchmarks/bench_text_attacks.py --arch textcnn [--seeds 0 1] [--run badnl …]
    python benchmarks/bench_text_attacks.py --arch minilm --subsample 2500 --epochs 2 \
        --lr 1e-4 --arch-param max_len=40 --run badnl --run addsent --run syntactic
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

RUNS = {
    "clean": ["train"],
    "badnl": ["attack", "--attack", "badnl"],
    "badnl-char": ["attack", "--attack", "badnl", "--attack-param", "level=char"],
    "badnl-20": ["attack", "--attack", "badnl", "--poison-rate", "0.2"],
    "addsent": ["attack", "--attack", "addsent"],
    # addsent without its negative augmentation (as before fragments existed), at 10% and 5%
    # poison and with the sentence appended at the end
    "addsent-nofrag": ["attack", "--attack", "addsent", "--attack-param", "fragments=0"],
    "addsent-5": ["attack", "--attack", "addsent", "--poison-rate", "0.05",
                  "--attack-param", "fragments=0"],
    "addsent-end": ["attack", "--attack", "addsent", "--attack-param", "fragments=0",
                    "--trigger", "sentence", "--trigger-param", "position=end"],
    "syntactic": ["attack", "--attack", "syntactic"],
    # the two placements named explicitly (issue 15, stop 48, h15a), so a command means the
    # same run whatever the attack's default: in-place relabelling, and triggered copies added
    # with the class prior kept (keep_prior=copies)
    "syntactic-inplace": ["attack", "--attack", "syntactic", "--attack-param", "keep_prior=false"],
    "syntactic-kc": ["attack", "--attack", "syntactic", "--attack-param", "keep_prior=copies"],
}


def run_one(args: list[str], opts: argparse.Namespace, seed: int, out: Path) -> tuple[dict, float]:
    cmd = [sys.executable, "-m", "trojanscope", "-q", *args, "--dataset", opts.dataset,
           "--arch", opts.arch, "--seed", str(seed), "--out", str(out), "--format", "json",
           "--no-export", *[a for p in opts.arch_param for a in ("--arch-param", p)]]
    if opts.epochs:
        cmd += ["--epochs", str(opts.epochs)]
    if opts.lr:
        cmd += ["--lr", str(opts.lr)]
    if args[0] == "attack":
        cmd += ["--target", str(opts.target)]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False,
                          env={**os.environ, "HF_HUB_OFFLINE": "1"})
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    return json.loads(proc.stdout), wall


def subsample_csv(dataset: str, n: int, folder: Path) -> Path:
    """A CSV holding a fixed stratified sample of ``n`` sentences of ``dataset`` (as a user's
    file: columns text, label)."""
    import csv

    from trojanscope.data.text_bundled import IMDB, RTPolarity

    full = {"rt-polarity": RTPolarity, "imdb": IMDB}[dataset](n=n).load("all")
    path = folder / f"{dataset}-{n}.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", "label"])
        for text, label in zip(full.texts, full.labels.tolist(), strict=True):
            writer.writerow([text, full.class_names[label]])
    return path


def write_rows(opts: argparse.Namespace, rows: list[dict]) -> None:
    """The JSON file of the rows so far (written after every run: a stopped run keeps them)."""
    path = opts.json or Path(f"benchmarks/out/text_attacks_{opts.arch}.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"machine": platform.platform(), "cpus": os.cpu_count(),
                                "args": vars(opts) | {"json": str(path)}, "rows": rows},
                               indent=2, default=str) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", default="textcnn")
    parser.add_argument("--dataset", default="rt-polarity")
    parser.add_argument("--arch-param", action="append", default=[])
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--lr", type=float, default=None)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--target", type=int, default=1, help="the attacks' target class")
    parser.add_argument("--run", action="append", choices=list(RUNS), default=None)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--reuse-clean", type=Path, default=None,
                        help="take the clean rows from an earlier run's JSON (same settings)")
    parser.add_argument("--keep", type=Path, default=None,
                        help="write the run folders here (kept) instead of a temporary folder")
    parser.add_argument("--subsample", type=int, default=None,
                        help="train on a fixed stratified sample of the dataset (a user CSV)")
    opts = parser.parse_args()
    names = opts.run or list(RUNS)
    rows: list[dict] = []
    reused = {}
    if opts.reuse_clean is not None:
        reused = {r["seed"]: r for r in json.loads(opts.reuse_clean.read_text())["rows"]
                  if r["run"] == "clean"}
    if "clean" not in names:
        names = ["clean", *names]
    if opts.keep:
        opts.keep.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        if opts.subsample:
            opts.dataset = str(subsample_csv(opts.dataset, opts.subsample,
                                             opts.keep or Path(tmp)))
        for seed in opts.seeds:
            clean_ca = None
            for name in names:
                if name == "clean" and seed in reused:
                    rows.append(reused[seed])
                    clean_ca = reused[seed]["clean_accuracy"]
                    continue
                folder = (opts.keep or Path(tmp)) / f"{name}-{seed}"
                out, wall = run_one(RUNS[name], opts, seed, folder)
                m = out["metrics"]
                clean_ca = m["clean_accuracy"] if name == "clean" else clean_ca
                rows.append({"run": name, "seed": seed, "wall_s": round(wall, 1),
                             "target": None if name == "clean" else opts.target,
                             "load_avg_1m_after": round(os.getloadavg()[0], 2),
                             "clean_accuracy": m["clean_accuracy"],
                             "attack_success_rate": m.get("attack_success_rate"),
                             "robust_accuracy": m.get("robust_accuracy"),
                             "ca_drop": None if name == "clean" else clean_ca - m["clean_accuracy"],
                             "poison_count": (out.get("attack") or {}).get("poison_count")})
                print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
                write_rows(opts, rows)
    print(f"| run ({opts.arch}, {opts.dataset}) | seed | CA | ASR | RA | CA drop | poisoned "
          "| wall s |")
    print("|---|---|---|---|---|---|---|---|")
    pct = lambda v: "–" if v is None else f"{100 * v:.1f}%"  # noqa: E731
    for r in rows:
        drop = "–" if r["ca_drop"] is None else f"{100 * r['ca_drop']:+.1f}"
        print(f"| {r['run']} | {r['seed']} | {pct(r['clean_accuracy'])} | "
              f"{pct(r['attack_success_rate'])} | {pct(r['robust_accuracy'])} | {drop} | "
              f"{r['poison_count'] or '–'} | {r['wall_s']} |")
    write_rows(opts, rows)


if __name__ == "__main__":
    main()
