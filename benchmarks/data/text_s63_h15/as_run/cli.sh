#!/bin/bash
# stop 63: the opt-in rule through the CLI as a user runs it, on the spent fresh addsent-3202
# (after its reading): 40 clean labelled sentences of its own test split (text_triggered_demo.py)
# fit the guard; incoming.csv holds 6 of those sentences: 3 as they are (class 0), 3 of class 1 with the
# trigger sentence inserted mid-sentence. Then a bad value of occlude_rule (one line, exit 2).
cd /tmp/h15/cli || exit 1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=/work/wt/h15/src:/work/wt/h15/benchmarks
PY=/work/main/.venv/bin/python; R=/tmp/h15/fresh/minilm/addsent-3202
$PY /work/wt/h15/benchmarks/text_triggered_demo.py $R clean40.csv --n 40
python3 - <<'PY'
import csv
rows = list(csv.DictReader(open("clean40.csv")))
out = [r["text"] for r in rows[:3]]
for r in rows[20:23]:
    w = r["text"].split(); w.insert(len(w) // 2, "i watched this 3d movie"); out.append(" ".join(w))
with open("incoming.csv", "w", newline="") as f:
    wr = csv.writer(f); wr.writerow(["text"]); [wr.writerow([t]) for t in out]
PY
nice -n 5 $PY -m trojanscope detect-inputs $R incoming.csv --data clean40.csv -p occlude_rule=deep --fpr 0.05; echo "rc $?"
$PY -m trojanscope detect-inputs $R incoming.csv --data clean40.csv -p occlude_rule=deeper; echo "rc $?"
