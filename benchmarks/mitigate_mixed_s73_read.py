"""Issue 12, stop 73 (h12m): today's default `gated` beside the old one (`gated:dense_mask=0`)
read on the rows `mitigate_mixed_s73_check.py` wrote for a mixed zoo. A measurement, no rule.

Prints the pairs read, where the mask was unlearnt (by family), per family the count at issue
12's goal (ASR <= 2%, CA loss <= 2 points) under each and today's median CPU, clean kept, the
median CPU under each, both methods' families worst first and the rows where the two differ
(:func:`mitigate_sure_s71_rule.print_pairs`), and every model today's default does worse on:
at the goal under the old default and not under today's, or its ASR after up by more than 1
point, or its CA after down by more than 1 point.

    python benchmarks/mitigate_mixed_s73_read.py OUT-2503.json:2503 OUT-2504.json:2504
"""

from __future__ import annotations

import argparse
import statistics
from collections import Counter

from _common import run_main
from mitigate_mask_s72_check import FIRED
from mitigate_mixed_s73_check import OLD
from mitigate_sure_s71_rule import RISE, print_pairs, read_pairs
from trojanscope.mitigate.zoo_eval import MitigationRow

TODAY = "gated"
DROP = 0.01  # a CA fall of more than one point counts as worse


def worse(old: MitigationRow, new: MitigationRow) -> list[str]:
    """How today's row is worse than the old one's (empty: not worse)."""
    why = []
    if old.meets_goal and not new.meets_goal:
        why.append("lost the goal")
    if (new.asr_after or 0.0) > (old.asr_after or 0.0) + RISE:
        why.append(f"ASR {old.asr_after:.2%} -> {new.asr_after:.2%}")
    if new.ca_after < old.ca_after - DROP:
        why.append(f"CA {old.ca_after:.4f} -> {new.ca_after:.4f}")
    return why


def family_lines(pairs: list[tuple[MitigationRow, MitigationRow]]) -> list[str]:
    """Per family (clean too): models, at the goal old and today, and each one's median CPU."""
    fams: dict[str, list[tuple[MitigationRow, MitigationRow]]] = {}
    for o, n in pairs:
        fams.setdefault(o.attack or "clean", []).append((o, n))
    lines = []
    for fam, got in sorted(fams.items()):
        old_cpu = statistics.median(o.cpu_s or 0.0 for o, _ in got)
        new_cpu = statistics.median(n.cpu_s or 0.0 for _, n in got)
        lines.append(f"{fam} ({len(got)}): at the goal old {sum(o.meets_goal for o, _ in got)}, "
                     f"today {sum(n.meets_goal for _, n in got)}; median CPU old "
                     f"{old_cpu:.1f} s, today {new_cpu:.1f} s")
    return lines


def main(argv: list[str] | None = None) -> None:
    """Today's default against the old one on the rows of ``argv``'s parts."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("parts", nargs="+", help="OUT.json:LABEL from mitigate_mixed_s73_check.py")
    args = ap.parse_args(argv)
    pairs, notes = read_pairs(args.parts, TODAY, base=OLD)
    unlearnt = [n for _, n in pairs if str(notes.get(n.name, {}).get("dense_mask", {}).get(
        "action", "")).startswith(FIRED)]
    print(f"mask unlearnt on {len(unlearnt)}: "
          f"{dict(Counter((n.attack or 'clean') for n in unlearnt))} {[n.name for n in unlearnt]}")
    for line in family_lines(pairs):
        print(line)
    print(f"median CPU per model: old {statistics.median(o.cpu_s or 0.0 for o, _ in pairs):.1f} s,"
          f" today {statistics.median(n.cpu_s or 0.0 for _, n in pairs):.1f} s")
    print_pairs(pairs, f"{TODAY} (today)", base=f"{OLD} (before stop 73)")
    bad = [(n.name, worse(o, n)) for o, n in pairs if worse(o, n)]
    print(f"worse under today's default: {len(bad)}")
    for name, why in bad:
        print(f"  {name}: {'; '.join(why)}")


if __name__ == "__main__":
    run_main(main)
