"""Today's `gated` and `gated:dense_mask=E,mask_ranked=1` on every model of a zoo (issue 12,
stop 73: h12).

Stop 72's check (``mitigate_mask_s72_check.py``) with the candidate's stamp ranked
(``mask_ranked``, :func:`~trojanscope.mitigate.dense_mask.ranked`): the candidate on every
model; where the mask was unlearnt, today's default on the same model too; elsewhere the
candidate's run stands for both. Both rows in ``bench_mitigate.py``'s format with the candidate's
notes; the benchmark's split (MNIST's test split, 200 images for the method, 800 scored, seed 0).

    PYTHONPATH=src:benchmarks python benchmarks/mitigate_mask_s73_check.py ZOO OUT.json [E]

A bad argument ends in one ``error:`` line and exit 2 before any model is read. OUT.json is
written after each model.
"""

from __future__ import annotations

from _common import run_main
from mitigate_mask_s72_check import main as check


def main(argv: list[str] | None = None) -> None:
    """Both rows for every model of ZOO, the candidate's stamp ranked."""
    check(argv, __doc__, mask_ranked=True)


if __name__ == "__main__":
    run_main(main)
