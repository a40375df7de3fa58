"""Issue 12, stop 71 (h12c): plan.md's rule read on what fresh.sh wrote by the cut.

Stop 69's reader (``../mitigate_s69_cnn/read.py``, itself stop 68's clauses: per model today /
candidate, CA change in points, ASR after, at the goal or not, CPU s, the scored ASR after the
first stage and each round; per zoo the four clauses) with this stop's files and bar: today's
`gated` (the defaults since stop 70) in ``today-S.json`` (A), candidate T71 (plan.md) in
``t71-S.json`` (B), both written by ``dev_s71_cnn_lean.py`` side by side. (3) is T71's median
CPU per treated CNN at most RATIO times today's on the same models. Then per model both sides'
suspect and detector p (a rename by ``conv_early`` shows here), the detector's calls, and each
side's CPU per part. A model one side did not reach is named and left out.

    python3 read.py DIR 2490
    python3 read.py --dev TODAY.json T71.json   # development: one zoo's rows, side by side
"""
import importlib.util
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location(
    "read70", HERE.parent / "mitigate_s70_cnn" / "read.py")
read70 = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(read70)  # stop 70's reader: stop 69's table, stop 68's clauses
read69, read68 = read70.read69, read70.read68
read68.RATIO, read68.SIZE = 0.80, 3  # plan.md: (3) and (4)


def sides(label: str, today: Path, cand: Path) -> None:
    """Per model: suspect, detector p, the detector's calls and the parts' CPU, both ways."""
    got = [{r["model"]: r for r in json.loads(p.read_text())["rows"]} if p.is_file() else {}
           for p in (today, cand)]
    for n in sorted(set(got[0]) | set(got[1])):
        for side, rows in zip(("today", "T71"), got, strict=True):
            r = rows.get(n)
            if r is None:
                print(f"{label}/{n} {side}: not read")
                continue
            rep = r["report"]
            print(f"{label}/{n} {side}: {rep.get('detector')} suspect {rep.get('suspect')}; "
                  f"calls {r.get('detector_calls')}; {rep.get('conv_early', '')}; CPU "
                  f"{r['cpu_s']} s: {r['parts_cpu_s']}; rounds' parts {r.get('round_parts_cpu_s')}")


def main() -> None:
    print("| model | today's `gated` | T71 | today's ASR per round | T71's ASR per round |")
    print("|---|---|---|---|---|")
    if sys.argv[1] == "--dev":
        t, c = Path(sys.argv[2]), Path(sys.argv[3])
        today, cand = read68.rows(t), read68.rows(c)
        read69.table("dev", {n: r for n, r in today.items() if n in cand},
                     {n: r for n, r in cand.items() if n in today})
        sides("dev", t, c)
        return
    folder, s = Path(sys.argv[1]), sys.argv[2]
    t, c = folder / f"today-{s}.json", folder / f"t71-{s}.json"
    read69.table(s, read68.rows(t), read68.rows(c))
    sides(s, t, c)


if __name__ == "__main__":
    main()
