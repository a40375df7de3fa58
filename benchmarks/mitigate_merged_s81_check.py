"""Stop 81's two new `gated` defaults together on a zoo (issue 12, stop 81: the lead's check).

h12b's rule (``dark_rounds=8``) was read on zoos 2527/2528 at ``main`` b6a48f74, before h12c's
``fit_back=0.86`` existed; h12c's rule was read on user runs. This runs the merged default
(``Gated()``: both on) on every model of a zoo; where ``fit_back`` handed the model back, it
also runs ``Gated(fit_back=0)`` (the rows h12b read) on the same model, so the table shows what
``fit_back`` changes there. Stop 72's loop (:func:`mitigate_sure_s71_check.check_pairs`), the
benchmark's split (MNIST's test split, 200 images for the method, 800 scored, seed 0).

    PYTHONPATH=src:benchmarks python benchmarks/mitigate_merged_s81_check.py ZOO OUT.json

OUT.json is written after each model (keys ``gated:fit_back=0`` and ``gated``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch

from mitigate_mask_s72_check import NOTE_KEYS
from mitigate_sure_s71_check import check_pairs
from trojanscope.mitigate.gated import Gated


def handed_back(report: dict) -> bool:
    """Whether ``fit_back`` handed the model back in this run (its note says so)."""
    return str(report.get("fit_back", {}).get("action", "")).startswith("handed back")


def main() -> None:
    """Both rows for every model of ZOO, written to OUT.json after each model."""
    if len(sys.argv) != 3 or not Path(sys.argv[1]).is_dir():
        print("error: usage: mitigate_merged_s81_check.py ZOO OUT.json", file=sys.stderr)
        raise SystemExit(2)
    torch.set_num_threads(1)
    check_pairs(Path(sys.argv[1]), Path(sys.argv[2]), "gated", Gated, handed_back,
                (*NOTE_KEYS, "residual", "hand_dark", "unlearn", "dark_rounds", "fit_back"),
                "fit_back", base=lambda: Gated(fit_back=0), base_label="gated:fit_back=0")


if __name__ == "__main__":
    main()
