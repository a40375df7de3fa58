"""The README's fraud line on fraud tables: what the model it trains learnt (issue 9 stop 82,
hcmd).

Stop 81's review (hrev) ran the README's line (`attack --dataset TABLE --label-column LABEL
--arch lightgbm --attack tabular-badnets`) on a user's 3,000-row table with 3% fraud: CA 96.67%
under the commonest class's 97.00%, ASR 100%, a model that flags no fraud. For each table this
runs the line as the CLI does (``run_experiment``, the CLI's defaults: target 0, seed 0) and a
clean twin (``attack=None``), and writes one JSON line per table: rows, the test split's fraud
rows, CA, the commonest share, the clean ROC-AUC, the fraud rows the model flags
(``rare_hits`` of ``rare_count``: ``engine.metrics.rare_recall``), ASR and the inputs the
trigger could move. Ground truth is read by this script only (the attack's metrics).

    PYTHONPATH=src:benchmarks python benchmarks/fraud_line_s82_hcmd.py --work DIR \\
        --csv PATH[:LABEL] ... --hatk SEEDS --sizes N,N > OUT.jsonl
    PYTHONPATH=src:benchmarks python benchmarks/fraud_line_s82_hcmd.py --work DIR \
        --summary OUT.jsonl > OUT.md

``--csv`` takes user files (label ``is_fraud`` unless named); ``--hatk`` writes stop 76's spent
fraud tables (``tabular_s76_h16z_fraud.FraudTable``, stream 0, hatk's seeds) at their own size;
``--first-contact SEEDS --sizes N,...`` writes ``first_contact_s76.fraud_table`` at each size.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

LABEL = "is_fraud"


def figures(csv: Path, label: str, attack: bool, arch: str = "lightgbm") -> dict:
    """The README line's figures on ``csv`` (``attack`` False: the clean twin)."""
    from trojanscope import registry
    from trojanscope.experiment import run_experiment

    the_attack = (registry.create("attack", "tabular-badnets", target=0, mapping="all-to-one",
                                  seed=0) if attack else None)
    start = time.process_time()
    result = run_experiment(str(csv), attack=the_attack, arch=arch, seed=0,
                            data_params={"label_column": label})
    m = dict(result.metrics)
    y = result.test.get_batch(__import__("torch").arange(len(result.test)))[1]
    share = float(y.bincount().max()) / len(y)
    keep = ("clean_accuracy", "clean_auc", "rare_class", "rare_count", "rare_hits",
            "attack_success_rate", "n_triggered", "n_flippable", "flip_rate")
    return {**{k: m.get(k) for k in keep}, "commonest": share,
            "train_rows": len(result.train), "cpu_s": round(time.process_time() - start, 2)}


def tables(args: argparse.Namespace, work: Path) -> list[tuple[str, Path, str]]:
    """(name, path, label) for every table asked."""
    out = []
    for spec in args.csv or []:
        path, _, label = spec.partition(":")
        out.append((path, Path(path), label or LABEL))
    if args.hatk:
        from tabular_s76_h16z_fraud import LABEL as HATK_LABEL
        from tabular_s76_h16z_fraud import FraudTable
        from tabular_s76_hatk_floor import table_size

        for seed in seed_list(args.hatk):
            path = work / f"hatk-{seed}.csv"
            FraudTable(seed).rows(table_size(seed), 0, coded=False).to_csv(path, index=False)
            out.append((f"hatk {seed}", path, HATK_LABEL))
    if args.first_contact:
        from first_contact_s76 import fraud_table

        for seed in seed_list(args.first_contact):
            for size in [int(s) for s in args.sizes.split(",")]:
                path = work / f"fc-{seed}-{size}.csv"
                with tempfile.TemporaryDirectory() as tmp:
                    fraud_table(Path(tmp), seed, rows=size)
                    (Path(tmp) / "fraud.csv").replace(path)
                out.append((f"first-contact {seed} x{size}", path, LABEL))
    return out


def seed_list(text: str) -> list[int]:
    """``A-B`` or ``A,B,C``."""
    if "-" in text:
        a, b = text.split("-")
        return list(range(int(a), int(b) + 1))
    return [int(s) for s in text.split(",")]


def summary(path: Path) -> None:
    """A Markdown table of ``path``'s JSON lines: each line's figures, the note the CLI printed
    before stop 82 (``attack_notes`` or the CA chance note) and the rare-label note now."""
    import numpy as np

    from trojanscope.cli.experiment_opts import attack_notes, chance_notes
    from trojanscope.cli.rare_label import rare_label_notes

    print("| table | train rows | test: rare rows | CA | commonest | clean ROC-AUC | rare rows "
          "flagged | ASR | flip | note before | rare-label note now |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    kinds: dict[str, int] = {}
    for line in path.read_text().splitlines():
        row = json.loads(line)
        m = row["line"]
        if "refused" in m:
            print(f"| {row['table']} | refused: {m['refused'][:70]}… |" + " |" * 9)
            continue
        n_test = round(m["rare_count"] / (1 - m["commonest"])) if m["commonest"] < 1 else 0
        labels = np.array([0] * (n_test - m["rare_count"]) + [1] * m["rare_count"])
        before = attack_notes(m, False, labels) or chance_notes(m, labels, False)
        now = rare_label_notes(m, ["0", "1"], 0)
        kind = ("none" if not now else "near chance" if "near chance" in now[0]
                else "ranks, too rare to win")
        kinds[kind] = kinds.get(kind, 0) + 1
        said = ("has not learnt" if before and "not learnt" in before[0] else
                "barely learnt (chance)" if before else "none")
        flip = "none" if not m["n_flippable"] else f"{m['flip_rate']:.0%} of {m['n_flippable']}"
        print(f"| {row['table']} | {m['train_rows']} | {m['rare_count']} | "
              f"{m['clean_accuracy']:.2%} | {m['commonest']:.2%} | {m['clean_auc']:.2f} | "
              f"{m['rare_hits']} | {m['attack_success_rate']:.0%} | {flip} | {said} | {kind} |")
    print("\n" + ", ".join(f"{k}: {v}" for k, v in sorted(kinds.items())))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--csv", action="append")
    ap.add_argument("--hatk")
    ap.add_argument("--first-contact")
    ap.add_argument("--sizes", default="300,1000,3000")
    ap.add_argument("--summary", type=Path, help="print a JSON lines file's table and stop")
    args = ap.parse_args()
    if args.summary is not None:
        summary(args.summary)
        return
    args.work.mkdir(parents=True, exist_ok=True)
    from trojanscope.errors import UserInputError

    for name, path, label in tables(args, args.work):
        row: dict = {"table": name}
        for key, attack in (("line", True), ("clean_twin", False)):
            try:
                row[key] = figures(path, label, attack)
            except UserInputError as exc:  # the line refuses (a table with too few fraud rows)
                row[key] = {"refused": str(exc)}
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
