"""Development (issue 12, stop 54: h12): what ``dev_l0_unlearn.py``'s runs did to issue 12's goal
(``zoo_eval.GOAL``, as ``MitigationRow.meets_goal`` reads it): per file, models at the goal
today and after, and the ones gained and lost.

    PYTHONPATH=src python .../dev_l0_count.py RUN.json...
"""
import json
import sys
from pathlib import Path

from trojanscope.mitigate.zoo_eval import GOAL


def at_goal(ca_before: float, m: dict) -> bool:
    return m["asr"] <= GOAL["asr"] + 1e-9 and ca_before - m["ca"] <= GOAL["ca_loss"] + 1e-9


def main() -> None:
    for f in sys.argv[1:]:
        rows = json.loads(Path(f).read_text())
        was = {k: at_goal(r["ca_before"], r["today"]) for k, r in rows.items()}
        now = {k: at_goal(r["ca_before"], r["l0_unlearnt"]) for k, r in rows.items()}
        gained = [k for k in rows if now[k] and not was[k]]
        lost = [k for k in rows if was[k] and not now[k]]
        print(f"{Path(f).name}: {len(rows)} models, at the goal {sum(was.values())} -> "
              f"{sum(now.values())}; gained {', '.join(gained) or 'none'}; "
              f"lost {', '.join(lost) or 'none'}")


if __name__ == "__main__":
    main()
