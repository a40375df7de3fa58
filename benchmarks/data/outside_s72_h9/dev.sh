#!/bin/bash
# Issue 9, stop 72 (h9): development on spent seeds only — every stored GAP-head run of stop
# 65's development rows and the unions 9207 + 9606 ... 9214 + 9613 read by the candidate C8
# ("C7 without bias_same": stop 71 h9r's cal_C7_guard_only.json) against today's C7 (the
# shipped file) and against C5 (cal_C5_now.json), side by side, term by term. No model is
# built or read; the fresh seeds 9215 / 9614 are not touched.
#   bash benchmarks/data/outside_s72_h9/dev.sh
set -u
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
D=benchmarks/data; O=$D/outside_s72_h9; R=$D/outside_s71_h9r
DEV="$(cat $D/outside_s65_h9/dev65_rows.args)"
for s in s65_h9:9207 s65_h9:9606 s66_h9:9208 s66_h9:9607 s67_h9:9209 s67_h9:9608 \
         s68_h9:9210 s68_h9:9609 s69_h9:9211 s69_h9:9610 s70_h9:9212 s70_h9:9611 \
         s71_h9:9213 s71_h9:9612 s71_h9r:9214 s71_h9r:9613; do
  DEV+=" --rows ${s#*:}=$D/outside_${s%%:*}/detect${s#*:}_runs.jsonl.gz,$D/outside_${s%%:*}/zoo-${s#*:}_truth.json.gz"
done
for second in C7:src/trojanscope/detect/calibration.json C5:$R/cal_C5_now.json; do
  "$PY" benchmarks/outside_c7_risk.py --first "$R/cal_C7_guard_only.json" \
      --second "${second#*:}" --names "C8,${second%%:*}" $DEV --union \
      > "$O/dev72_C8_${second%%:*}.txt"
done
