#!/bin/bash
# Issue 9, stop 71 (h9r): context on spent seeds only — every stored GAP-head run of stop 65's
# development rows and the unions 9207 + 9606 ... 9213 + 9612 read by today's C7 (the shipped
# file) and by C5 (cal_C5_now.json: the shipped file without C7's two keys), side by side,
# term by term. No model is built or read.
#   bash benchmarks/data/outside_s71_h9r/dev.sh
set -u
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
D=benchmarks/data; O=$D/outside_s71_h9r
DEV="$(cat $D/outside_s65_h9/dev65_rows.args)"
for s in s65_h9:9207 s65_h9:9606 s66_h9:9208 s66_h9:9607 s67_h9:9209 s67_h9:9608 \
         s68_h9:9210 s68_h9:9609 s69_h9:9211 s69_h9:9610 s70_h9:9212 s70_h9:9611 \
         s71_h9:9213 s71_h9:9612; do
  DEV+=" --rows ${s#*:}=$D/outside_${s%%:*}/detect${s#*:}_runs.jsonl.gz,$D/outside_${s%%:*}/zoo-${s#*:}_truth.json.gz"
done
"$PY" benchmarks/outside_c7_risk.py --second "$O/cal_C5_now.json" $DEV --union \
    --json "$O/dev71r_side.json" > "$O/dev71r_side.txt"
gzip -f "$O/dev71r_side.json"
