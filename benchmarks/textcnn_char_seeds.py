"""Character-level ``badnl`` on the TextCNN, word vocabulary vs MiniLM's fixed WordPiece
(issue 15, stop 46): CA and ASR per run on the full rt-polarity split, each run one CLI
command exactly as a user types it (``train`` for a clean model, ``attack`` for the backdoor;
8 epochs, the CLI's training defaults).

A run is ``SPEC:SEED`` or ``SPEC:SEED:TARGET`` (target ``SEED % 2`` when not given). Specs:
``wp-clean``, ``wp-char`` (``--arch-param tokenizer=wordpiece``), ``word-clean``,
``word-char`` (the default word vocabulary), ``wp-char-r05`` (``wp-char`` with
``--poison-rate 0.05``; h15d). ``-char`` is ``--attack badnl --attack-param level=char`` at
the attack's defaults (rate 0.1, ``zq`` on the first word) unless the spec names a rate.
One JSON row per run in ``--out`` (resumable: a run whose row exists is skipped); run folders under
``--out/models``. ``--table DIR`` prints the table of the rows in DIR: each backdoored run
against the clean run of the same seed and tokenizer, and the worst seed per tokenizer.

    python benchmarks/textcnn_char_seeds.py --runs wp-clean:3130 wp-char:3130 --out ROWS
    python benchmarks/textcnn_char_seeds.py --table ROWS --json table.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

SPECS = {"wp-clean": ("wordpiece", False), "wp-char": ("wordpiece", True),
         "word-clean": ("word", False), "word-char": ("word", True),
         "wp-char-r05": ("wordpiece", True)}
RATES = {"wp-char-r05": 0.05}  # a poison rate other than the attack's default (None: not given)
ASR_GOAL, CA_DROP_GOAL = 0.95, 0.02


def parse_run(text: str) -> tuple[str, int, int]:
    """``SPEC:SEED[:TARGET]`` → (spec, seed, target)."""
    parts = text.split(":")
    if len(parts) not in (2, 3) or parts[0] not in SPECS:
        raise SystemExit(f"error: bad run {text!r}; want SPEC:SEED[:TARGET], SPEC one of "
                         f"{', '.join(SPECS)}")
    try:
        seed = int(parts[1])
        target = int(parts[2]) if len(parts) == 3 else seed % 2
    except ValueError:
        raise SystemExit(f"error: bad run {text!r}: seed and target are integers") from None
    return parts[0], seed, target


def command(spec: str, seed: int, target: int, out: Path) -> list[str]:
    """The CLI line of one run (clean: ``train``; backdoored: ``attack``)."""
    tokenizer, attacked = SPECS[spec]
    cmd = [sys.executable, "-m", "trojanscope", "-q"]
    cmd += ["attack", "--attack", "badnl", "--attack-param", "level=char",
            "--target", str(target)] if attacked else ["train"]
    if spec in RATES:
        cmd += ["--poison-rate", str(RATES[spec])]
    cmd += ["--dataset", "rt-polarity", "--arch", "textcnn", "--seed", str(seed),
            "--out", str(out), "--format", "json", "--no-export", "--force"]
    if tokenizer != "word":
        cmd += ["--arch-param", f"tokenizer={tokenizer}"]
    return cmd


def run_one(spec: str, seed: int, target: int, out: Path) -> dict:
    folder = out / "models" / f"{spec}-{seed}"
    cmd = command(spec, seed, target, folder)
    t0 = time.time()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=os.environ)
    if proc.returncode != 0:
        raise SystemExit(f"error: {spec}:{seed} exit {proc.returncode}: {proc.stderr[-400:]}")
    result = json.loads(proc.stdout)
    tokenizer, attacked = SPECS[spec]
    metrics = result["metrics"]
    row = {"run": spec, "seed": seed, "target": target if attacked else None,
           "tokenizer": tokenizer, "attacked": attacked}
    if spec in RATES:
        row["poison_rate"] = RATES[spec]
    return {**row,
            "clean_accuracy": metrics["clean_accuracy"],
            "attack_success_rate": metrics.get("attack_success_rate"),
            "n_clean": metrics.get("n_clean"), "n_triggered": metrics.get("n_triggered"),
            "train_s": result.get("timings", {}).get("train_s"),
            "wall_s": round(time.time() - t0, 1),
            "command": " ".join(["trojanscope", *cmd[4:]])}


def group(row: dict) -> str:
    """The summary a backdoored row belongs to: its tokenizer, with ``@RATE`` when the run
    named a poison rate (rows without one summarise as before)."""
    rate = row.get("poison_rate")
    return row["tokenizer"] if rate is None else f"{row['tokenizer']}@{rate}"


def table(rows: list[dict]) -> dict:
    """Each backdoored run against its same-seed, same-tokenizer clean run; worst seed per
    tokenizer (and poison rate, where a run named one); the rule (every seed ASR >= 95% and CA
    drop <= 2 points)."""
    clean = {(r["tokenizer"], r["seed"]): r["clean_accuracy"] for r in rows if not r["attacked"]}
    lines, per_tok = [], {}
    for r in sorted((r for r in rows if r["attacked"]), key=lambda r: (group(r), r["seed"])):
        ref = clean.get((r["tokenizer"], r["seed"]))
        drop = None if ref is None else round(ref - r["clean_accuracy"], 4)
        met = None if drop is None else bool(r["attack_success_rate"] >= ASR_GOAL
                                             and drop <= CA_DROP_GOAL)
        line = {**{k: r[k] for k in ("run", "seed", "target", "tokenizer", "clean_accuracy",
                                     "attack_success_rate")},
                "clean_reference": ref, "ca_drop": drop, "met": met}
        if r.get("poison_rate") is not None:
            line["poison_rate"] = r["poison_rate"]
        lines.append(line)
        per_tok.setdefault(group(r), []).append(line)
    summary = {}
    for tok, ls in per_tok.items():
        drops = [x["ca_drop"] for x in ls if x["ca_drop"] is not None]
        summary[tok] = {"seeds": [x["seed"] for x in ls],
                        "worst_asr": min(x["attack_success_rate"] for x in ls),
                        "mean_asr": round(sum(x["attack_success_rate"] for x in ls) / len(ls), 4),
                        "worst_ca_drop": max(drops) if drops else None,
                        "mean_ca_drop": round(sum(drops) / len(drops), 4) if drops else None,
                        "every_seed_met": all(x["met"] for x in ls)}
    return {"rows": lines, "clean": [{"tokenizer": k[0], "seed": k[1], "clean_accuracy": v}
                                     for k, v in sorted(clean.items())], "summary": summary}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", nargs="*", default=[])
    parser.add_argument("--out", type=Path)
    parser.add_argument("--table", type=Path, help="a folder of rows: print their table")
    parser.add_argument("--json", type=Path)
    opts = parser.parse_args()
    if opts.table is not None:
        rows = [json.loads(p.read_text()) for p in sorted(opts.table.glob("*-*.json"))]
        result = table([r for r in rows if "run" in r and "seed" in r])
        text = json.dumps(result, indent=2)
        print(text)
        if opts.json:
            opts.json.write_text(text + "\n")
        return
    if opts.out is None or not opts.runs:
        raise SystemExit("error: give --runs and --out, or --table DIR")
    runs = [parse_run(r) for r in opts.runs]  # all checked before the first training
    opts.out.mkdir(parents=True, exist_ok=True)
    for spec, seed, target in runs:
        path = opts.out / f"{spec}-{seed}.json"
        if path.exists():
            continue
        row = run_one(spec, seed, target, opts.out)
        path.write_text(json.dumps(row) + "\n")
        print(json.dumps(row), file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
