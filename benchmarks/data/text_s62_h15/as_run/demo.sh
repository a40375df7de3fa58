#!/bin/bash
# stop 62: one real run of `detect-inputs --triggered` (its two counts, fired and turned) on
# stop 61's spent MiniLM badnl-3199 (read-only there) with 80 clean labelled sentences of its
# own test split (text_triggered_demo.py): 40 fit the guard, 40 held out and their triggered
# copies. The output (text and JSON), wall time and load kept. Not a benchmark reading (a
# guard of 40 sentences); it shows the command's output on a real model.
cd /work/wth15 || exit 1
O=$PWD/benchmarks/data/text_s62_h15; R=/tmp/h15s61/fresh/minilm/badnl-3199; D=/tmp/h15s62/demo
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=$PWD/src:$PWD/benchmarks
PY=/work/main/.venv/bin/python
$PY benchmarks/text_triggered_demo.py $R $D/clean80.csv --n 80 || exit 1
echo "start $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" > $O/demo_3199.txt
t0=$(date +%s.%N)
nice -n 5 timeout 2400 $PY -m trojanscope detect-inputs $R --triggered $R --data $D/clean80.csv --fpr 0.05 --format json > $O/demo_3199.json 2>> $O/demo_3199.txt
rc=$?
echo "rc $rc wall_s $(echo "$(date +%s.%N) - $t0" | bc) end $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" >> $O/demo_3199.txt
