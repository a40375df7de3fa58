"""Issue 12, stop 73 (h12): the rule for `gated:dense_mask=120,mask_ranked=1`
(benchmarks/data/mitigate_s73_h12/plan.md), read on the rows `mitigate_mask_s73_check.py`
wrote for the fresh zoos.

Stop 72's conditions (``mitigate_mask_s72_rule.py``: (A) the sparse family gains at least 3 at
issue 12's goal, (B) none lost, (C) clean models within 1 point, (D) median CPU at most 1.1
times today's plus 0.5 s, at least 12 backdoored pairs) with (E) read against issue 12's ASR
goal: no backdoored model's ASR after rises by more than 1 point **to above 2%** (stop 72's
counted a rise that stayed within the goal too).

    python benchmarks/mitigate_mask_s73_rule.py OUT-2497.json:2497 OUT-2498.json:2498 \
        --candidate gated:dense_mask=120,mask_ranked=1
"""

from __future__ import annotations

from _common import run_main
from mitigate_mask_s72_rule import main as rule

BAR = 0.02  # (E): a rise counts where it ends above issue 12's ASR goal


def main(argv: list[str] | None = None) -> None:
    """The rule read on the fresh rows."""
    rule(argv, __doc__, BAR)


if __name__ == "__main__":
    run_main(main)
