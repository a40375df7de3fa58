#!/bin/bash
# stop 66: the default through the CLI as a user runs it (least_share as resolved), on the spent addsent-3206
# (after its reading): 40 clean labelled sentences of its own test split (text_triggered_demo.py)
# fit the guard; incoming.csv holds 6 of those sentences: 3 as they are (class 0), 3 of class 1
# with the trigger sentence inserted mid-sentence (as stop 63's cli.sh). Today's default, then
# -p least_share=0 (the stop-59 path), -p least_share=0.2, then two bad values (one line, exit 2).
mkdir -p /tmp/h15s66/cli && cd /tmp/h15s66/cli || exit 1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=/work/wt/h15/src:/work/wt/h15/benchmarks
PY=/work/main/.venv/bin/python; R=/tmp/h15s65/minilm/addsent-3206
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
for p in "" "-p least_share=0" "-p least_share=0.2"; do
  t0=$(date +%s); echo "== detect-inputs $p"
  # shellcheck disable=SC2086
  nice -n 5 $PY -m trojanscope detect-inputs $R incoming.csv --data clean40.csv $p --fpr 0.05 --format json \
    | python3 -c "import json,sys; d=json.load(sys.stdin); print({k: d.get(k) for k in ('flagged', 'threshold', 'n_flagged')}, [round(s, 3) for s in d.get('scores', [])], d.get('params_used', {}).get('least_share'))"
  echo "rc ${PIPESTATUS[0]} wall $(( $(date +%s) - t0 )) s load $(cut -d' ' -f1 /proc/loadavg)"
done
$PY -m trojanscope detect-inputs $R incoming.csv --data clean40.csv -p least_share=1; echo "rc $?"
$PY -m trojanscope detect-inputs $R incoming.csv --data clean40.csv -p least_share=0.2 -p occlude=0; echo "rc $?"
