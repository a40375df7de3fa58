#!/bin/bash
# Issue 9, stop 82 (h9c): the rule's fresh read (benchmarks/data/corner_top_s82_h9c/rule.md), run
# once after the rule's commit. W: the folder buildA.sh / buildB.sh wrote; two processes.
set -e
cd "$(git rev-parse --show-toplevel)"
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks HF_HUB_OFFLINE=1
PY=${PY:-/work/main/.venv/bin/python}
D=benchmarks/data/corner_top_s82_h9c
W=${W:-/tmp/h9c82/fresh}
T=${T:-/tmp/h9c82}
$PY benchmarks/wide_gate_s77_h9c.py manifest f82=$W > $D/fresh_manifest.jsonl
$PY benchmarks/corner_top_s82_h9c.py write $D/cal_top.json
awk 'NR%2==1' $D/fresh_manifest.jsonl > $T/fresh_mA.jsonl
awk 'NR%2==0' $D/fresh_manifest.jsonl > $T/fresh_mB.jsonl
for X in A B; do
  nice -n 5 /usr/bin/time -o $T/fresh_read$X.time $PY benchmarks/corner_top_s82_h9c.py fresh \
    $T/fresh_m$X.jsonl --cand $D/cal_top.json --out $T/fresh_rows$X.jsonl > $T/fresh_read$X.log 2>&1 &
done
wait
cat $T/fresh_rowsA.jsonl $T/fresh_rowsB.jsonl > $D/fresh_rows.jsonl
$PY benchmarks/corner_top_s82_h9c.py judge $D/fresh_rows.jsonl \
  --built $D/fresh_builtA.jsonl $D/fresh_builtB.jsonl > $D/fresh_judged.json
