"""The CA, ASR and flip rate of a zoo's backdoored models, as recorded in ``truth.json`` and,
with ``--remeasure``, measured again from the saved weights (``engine.metrics.evaluate_attack``,
the definition ``make_zoo`` records), so a figure quoted for a zoo can be checked:

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/text_zoo_asr.py zoo/text-eval1400 --remeasure

A zoo model is kept at ASR >= ``zoo.MIN_ASR`` (0.8) with its drawn attack parameters: its ASR is
not the attacks table's (default parameters, goal ASR >= 0.95). Models of zoos built by other
code (``foreign_text_zoo.py``: no ``zoo_entry.json``) are listed as recorded only.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from trojanscope.zoo import ENTRY_NAME, MIN_ASR, ZooEntry, build_attack, read_truth


def remeasure(folder: Path, entry: ZooEntry, dataset: str) -> dict[str, float]:
    """CA, ASR and flip rate of the model saved in ``folder``, on the dataset's test split."""
    from trojanscope.data.resolve import load_dataset
    from trojanscope.engine.metrics import evaluate_attack
    from trojanscope.io.models import load_model
    from trojanscope.models.text_common import attach_encoder

    loaded = load_model(folder)
    data = attach_encoder(loaded, load_dataset(dataset, "test"))
    m = evaluate_attack(loaded.module.eval(), data, build_attack(entry))
    return {
        "clean_accuracy": m.clean_accuracy,
        "attack_success_rate": m.attack_success_rate,
        "flip_rate": m.flip_rate,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("zoos", nargs="+", type=Path)
    ap.add_argument(
        "--remeasure",
        action="store_true",
        help="measure again from the saved weights (zoos built by make_zoo)",
    )
    ap.add_argument("--json", type=Path, help="write the rows here")
    args = ap.parse_args()
    torch.set_num_threads(1)
    rows = []
    for zoo in args.zoos:
        dataset, entries = read_truth(zoo)
        for entry in (e for e in entries if e.backdoored):
            m = entry.metrics
            row = {
                "zoo": zoo.name,
                "name": entry.name,
                "attack": entry.attack,
                "ca": m.get("clean_accuracy"),
                "asr": m.get("attack_success_rate"),
                "flip": m.get("flip_rate"),
            }
            if args.remeasure and (zoo / entry.name / ENTRY_NAME).is_file():
                again = remeasure(zoo / entry.name, entry, dataset)
                row.update(
                    ca_now=again["clean_accuracy"],
                    asr_now=again["attack_success_rate"],
                    flip_now=again["flip_rate"],
                )
            rows.append(row)

    def shown(v) -> str:
        return "–" if v is None else f"{v:.3f}"

    print("| zoo | model | CA | ASR | flip rate | ASR measured again |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['zoo']} | {r['name']} | {shown(r['ca'])} | {shown(r['asr'])} | "
            f"{shown(r['flip'])} | {shown(r.get('asr_now'))} |"
        )
    for zoo in dict.fromkeys(r["zoo"] for r in rows):
        mine = [r for r in rows if r["zoo"] == zoo]
        asrs = [r["asr"] for r in mine]
        low = sum(a < 0.95 for a in asrs)
        kept = f" (kept at >= {MIN_ASR})" if any("asr_now" in r for r in mine) else ""
        diffs = [abs(r["asr_now"] - r["asr"]) for r in mine if "asr_now" in r]
        again = (
            f"; largest |ASR again - recorded| {max(diffs):.4f} over {len(diffs)}" if diffs else ""
        )
        print(
            f"{zoo}: {len(mine)} backdoored, ASR {min(asrs):.3f}–{max(asrs):.3f}"
            f"{kept}, {low} below 0.95{again}"
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
