"""``dev_tail.py``'s readings scored (issue 12, stop 67: h12, after the fresh read): ROC-AUC of
each tail reading's change from today's output against "real ASR > 2%" over the two fits of
every development model (and over those at <= 5%), and ``cap10`` gated on each (kept where the
reading did not rise), counted at issue 12's goal against today (the input model's CA from
``dev-read-rows.jsonl``); then ``dev_read.py``'s mean readings scored on the same fits.

    python3 .../dev_tail_table.py DEV_READ_ROWS.jsonl KEEP_DIR... -- TAIL_ROWS.jsonl...
"""
import json
import sys
from pathlib import Path

from dev_auc import auc
from dev_gate import at_goal, fitted_models

BAR = 0.02


def main() -> None:
    cut = sys.argv.index("--")
    read = {r["model"]: r for line in Path(sys.argv[1]).read_text().splitlines()
            if line.strip() for r in [json.loads(line)]}
    came = {m: r["came"] for m, r in read.items()}
    fitted = fitted_models(sys.argv[2:cut])
    rows = [json.loads(line) for p in sys.argv[cut + 1:]
            for line in Path(p).read_text().splitlines() if line.strip()]
    names = [k for k in rows[0]["today"] if k.startswith("re")]
    outs = [(r, r[k]) for r in rows for k in ("cap10", "res10")]
    above = sum(o["asr"] > BAR for _, o in outs)
    print(f"{len(rows)} models, {len(outs)} fits, {above} above 2%")
    print("| reading (change from today) | AUC, the fits | AUC, fits at <= 5% | cap10 kept where "
          "it did not rise: applied / at the goal / gained / lost |")
    print("|---|---|---|---|")
    today = {r["model"] for r in rows if at_goal(came[r["model"]], r["today"])}
    for n in names:
        def d(r, o, n=n):
            return o[n] - r["today"][n]
        a = auc([d(r, o) for r, o in outs if o["asr"] > BAR],
                [d(r, o) for r, o in outs if o["asr"] <= BAR])
        near = [(r, o) for r, o in outs if o["asr"] <= 0.05]
        b = auc([d(r, o) for r, o in near if o["asr"] > BAR],
                [d(r, o) for r, o in near if o["asr"] <= BAR])
        goal, applied = set(), 0
        for r in rows:
            out = r["today"]
            if r["model"] in fitted and d(r, r["cap10"]) <= 1e-9:
                out, applied = r["cap10"], applied + 1
            if at_goal(came[r["model"]], out):
                goal.add(r["model"])
        print(f"| {n} | {a:.3f} | {b:.3f} | {applied} / {len(goal)} (today {len(today)}) / "
              f"{len(goal - today)} / {len(today - goal)} |")
    print("\nthe same fits, dev_read.py's mean readings (AUC, the fits / the fits at <= 5%):")
    for n in ("margin", "reach", "re1_margin", "re2_margin"):
        pairs = [(read[r["model"]]["today"], read[r["model"]][k]) for r in rows
                 for k in ("cap10", "res10")]
        a = auc([o[n] - t[n] for t, o in pairs if o["asr"] > BAR],
                [o[n] - t[n] for t, o in pairs if o["asr"] <= BAR])
        near = [(t, o) for t, o in pairs if o["asr"] <= 0.05]
        b = auc([o[n] - t[n] for t, o in near if o["asr"] > BAR],
                [o[n] - t[n] for t, o in near if o["asr"] <= BAR])
        print(f"{n}: {a:.3f} / {b:.3f}")


if __name__ == "__main__":
    main()
