"""Does a documented option make the docs' TextCNN line learn on a user's small review file, and
its backdoor flagged? (issue 15, stop 66: hcmd).

Stop 65's ``attack --dataset reviews.csv … --arch textcnn --attack badnl`` on 2,500 sentences
(2,000 to train) reached CA 55.0% and its audit passed the backdoored run (p 0.39). Each
configuration below is the docs' line plus documented options only (``--epochs``, ``--lr``,
``--arch-param``); each run is ``attack`` (or ``train`` for the clean twin) and then ``detect``
on the same file, one process at a time, one torch thread. One JSON line per run to ``OUT``
(resumable: a run already there is skipped).

    python benchmarks/textcnn_small_file.py OUT --file 71=/path/reviews.csv ... [--configs a,b]
    python benchmarks/textcnn_small_file.py OUT --table      # one Markdown row per run
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

LINE = ["--text-column", "review", "--label-column", "stars", "--arch", "textcnn"]
ATTACK = ["--attack", "badnl", "--target", "1"]
CONFIGS: dict[str, list[str]] = {
    "docs": [],  # the docs' line as written (8 epochs, lr 0.002, a word vocabulary)
    "epochs20": ["--epochs", "20"],
    "wordpiece": ["--arch-param", "tokenizer=wordpiece"],
    "lr5e-4x20": ["--lr", "0.0005", "--epochs", "20"],
    "small": ["--arch-param", "embed_dim=32", "--arch-param", "filters=32",
              "--arch-param", "dropout=0.5"],
    "wordpiece20": ["--arch-param", "tokenizer=wordpiece", "--epochs", "20"],
}


def _run(cmd: list[str], cwd: Path) -> tuple[int, float, float, str, str]:
    """Exit code, wall and child CPU seconds, stdout, stderr's tail."""
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", HF_HUB_OFFLINE="1")
    before = os.times()
    start = time.monotonic()
    proc = subprocess.run(["nice", "-n", "5", sys.executable, "-m", "trojanscope", *cmd],
                          cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.monotonic() - start
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system
                                                           - before.children_system)
    return proc.returncode, wall, cpu, proc.stdout, "\n".join(proc.stderr.splitlines()[-3:])


def one(work: Path, seed: str, data: Path, config: str, clean: bool) -> dict:
    """Train (attack or train) one model on ``data`` with ``config``, then detect it."""
    name = f"{'clean' if clean else 'bd'}-{config}-{seed}"
    out = work / "runs" / name
    shutil.rmtree(out, ignore_errors=True)
    verb = ["train"] if clean else ["attack"]
    make = [*verb, "--dataset", str(data), *LINE, *([] if clean else ATTACK), *CONFIGS[config],
            "--out", str(out), "--force", "--format", "json"]
    rc, wall, cpu, stdout, err = _run(make, work)
    row: dict = {"seed_file": seed, "config": config, "model": "clean" if clean else "badnl",
                 "make_cmd": "trojanscope " + " ".join(make), "make_rc": rc,
                 "make_wall_s": round(wall, 1), "make_cpu_s": round(cpu, 1)}
    if rc != 0:
        row["make_err"] = err
        return row
    metrics = json.loads(stdout).get("metrics", {})
    row["ca"] = metrics.get("clean_accuracy")
    row["asr"] = metrics.get("attack_success_rate")
    detect = ["detect", str(out), "--data", str(data), "--text-column", "review",
              "--label-column", "stars", "--format", "json"]
    rc, wall, cpu, stdout, err = _run(detect, work)
    row.update({"detect_cmd": "trojanscope " + " ".join(detect), "detect_rc": rc,
                "detect_wall_s": round(wall, 1), "detect_cpu_s": round(cpu, 1)})
    try:
        verdict = json.loads(stdout)
    except json.JSONDecodeError:
        row["detect_err"] = err
        return row
    verdict = verdict[0] if isinstance(verdict, list) else verdict
    row.update({k: verdict.get(k) for k in ("verdict", "probability", "method",
                                             "suspected_target")})
    return row


def table(out: Path) -> None:
    """The runs of ``out`` as Markdown rows: CA, ASR, the verdict and its probability."""
    print("| configuration | model | seed file | CA | ASR | verdict (p) | make / detect wall s |")
    print("|---|---|---|---|---|---|---|")
    for line in out.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        pct = {k: f"{100 * r[k]:.1f}%" if isinstance(r.get(k), float) else "–"
               for k in ("ca", "asr")}
        verdict = (f"{r['verdict']} ({r['probability']:.2f})" if r.get("verdict")
                   else r.get("detect_err") or r.get("make_err") or "–")
        print(f"| {r['config']} | {r['model']} | {r['seed_file']} | {pct['ca']} | "
              f"{pct['asr'] if r['model'] != 'clean' else '–'} | {verdict} | "
              f"{r.get('make_wall_s', '–')} / {r.get('detect_wall_s', '–')} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="JSON lines, one a run (appended)")
    parser.add_argument("--table", action="store_true", help="print OUT's runs as a table")
    parser.add_argument("--file", action="append", help="SEED=reviews.csv")
    parser.add_argument("--configs", default="docs", help="comma-separated CONFIGS names")
    parser.add_argument("--clean", action="store_true", help="train clean twins instead")
    parser.add_argument("--work", type=Path, default=Path("/tmp/hcmd/s66/textcnn"))
    args = parser.parse_args()
    if args.table:
        table(args.out)
        return
    if not args.file:
        parser.error("--file SEED=reviews.csv is needed to run")
    done = set()
    if args.out.is_file():
        for line in args.out.read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            done.add((r["seed_file"], r["config"], r["model"]))
    args.work.mkdir(parents=True, exist_ok=True)
    model = "clean" if args.clean else "badnl"
    for config in args.configs.split(","):
        for spec in args.file:
            seed, path = spec.split("=", 1)
            if (seed, config, model) in done:
                continue
            row = one(args.work, seed, Path(path).resolve(), config, args.clean)
            with args.out.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(row) + "\n")
            print(json.dumps({k: row.get(k) for k in ("seed_file", "config", "model", "ca",
                                                      "asr", "probability", "verdict")}),
                  flush=True)


if __name__ == "__main__":
    main()
