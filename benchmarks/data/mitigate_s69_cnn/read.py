"""Issue 12, stop 69 (h12c): plan.md's rule read on what fresh.sh wrote by the cut.

Stop 68's reader (``../mitigate_s68_cnn/read.py``: per model today / candidate, CA change in
points, ASR after, at the goal or not, CPU s; per zoo and pooled the four clauses) with this
stop's files and bar: today's `gated` in ``today-S.json`` (A), candidate T69
(`gated:fast_conv=6,conv_epochs=20`) in ``t69-S.json`` (B), both written by
``dev_s68_cnn_stop.py`` side by side. (3) is T69's median CPU per treated CNN at most RATIO
times today's on the same models. A model one side did not reach is named and left out.

    python3 read.py DIR 2485 [2486]
    python3 read.py --dev TODAY.json T69.json [T69.json ...]   # development: one zoo's rows
"""
import importlib.util
import sys
from pathlib import Path

spec = importlib.util.spec_from_file_location(
    "read68", Path(__file__).resolve().parent.parent / "mitigate_s68_cnn" / "read.py")
read68 = importlib.util.module_from_spec(spec)
spec.loader.exec_module(read68)
read68.RATIO, read68.SIZE = 0.85, 3  # plan.md: (3) and (4)


def table(label: str, today: dict, cand: dict) -> None:
    """One line per model of either side, then the four clauses on the pairs."""
    for n in sorted(set(today) | set(cand)):
        per = [" ".join(f"{100 * x['asr']:.1f}" for x in r["rounds"] if x["asr"] is not None)
               if r is not None else "-" for r in (today.get(n), cand.get(n))]
        print(f"| {label}/{n} | {read68.cell(today.get(n))} | {read68.cell(cand.get(n))} | "
              f"{per[0]} | {per[1]} |")
    read68.judge(f"zoo {label}", today, cand)


def main() -> None:
    print("| model | today's `gated` | T69 | today's ASR per round | T69's ASR per round |")
    print("|---|---|---|---|---|")
    if sys.argv[1] == "--dev":
        today, cand = read68.rows(Path(sys.argv[2])), {}
        for f in sys.argv[3:]:
            cand.update(read68.rows(Path(f)))
        table("dev", {n: r for n, r in today.items() if n in cand}, cand)
        return
    folder, seeds = Path(sys.argv[1]), sys.argv[2:]
    pooled_t, pooled_c = {}, {}
    for s in seeds:
        today, cand = read68.rows(folder / f"today-{s}.json"), read68.rows(folder / f"t69-{s}.json")
        table(s, today, cand)
        pooled_t.update({f"{s}/{n}": r for n, r in today.items()})
        pooled_c.update({f"{s}/{n}": r for n, r in cand.items()})
    if len(seeds) > 1:
        read68.judge("pooled", pooled_t, pooled_c)


if __name__ == "__main__":
    main()
